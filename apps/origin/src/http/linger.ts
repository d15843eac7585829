/**
 * Lingering close: after an early answer to a request whose body was not read (an error found
 * from the headers alone, e.g. a wrong SSE-C key on an 8 MiB UploadPart), the connection is
 * closed, but not at once: a client still sending its body would get a reset instead of the
 * answer (clients that do not send `Expect: 100-continue`, botocore among them, read the answer
 * only once their body is sent). So the server keeps reading and discarding the body for up to
 * LINGER_MS or LINGER_BYTES after its answer, then closes, as nginx's `lingering_close` does
 * (https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close).
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

const LINGER_MS = 5_000;
const LINGER_BYTES = 64 * 1024 * 1024;

/** Call before answering `req` with Connection: close while its body is unread. */
export function lingerBeforeClose(req: IncomingMessage): void {
  // Node's server ends a Connection: close response with socket.destroySoon(); linger instead.
  // No FIN (or TLS close_notify) yet: a TLS client that receives one mid-body fails its write.
  const socket = req.socket as Socket & { destroySoon?: () => void };
  const destroySoon = socket.destroySoon;
  if (typeof destroySoon !== 'function' || Object.hasOwn(socket, 'destroySoon')) return;
  socket.destroySoon = () => {
    let read = 0;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      destroySoon.call(socket);
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    if (req.complete) return close();
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > LINGER_BYTES) close();
    });
    req.once('end', close);
    req.once('close', close);
    req.resume();
  };
}
