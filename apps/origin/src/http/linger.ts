/**
 * Lingering close: after an early answer to a request whose body was not read (an error found
 * from the headers alone, e.g. a wrong SSE-C key on an 8 MiB UploadPart, or mid-body, e.g. a POST
 * form over its content-length-range), the connection is closed, but not at once: closing a socket
 * with unread data sends a reset, and a client still sending its body would lose the answer to it
 * (RFC 9112 §9.6). Clients that do not send `Expect: 100-continue`, botocore among them, read the
 * answer only once their body is sent. So the server keeps reading and discarding the body after
 * its answer, as nginx's `lingering_close` does
 * (https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close): it closes once the
 * client has sent nothing for LINGER_IDLE_MS (nginx `lingering_timeout`) or LINGER_MAX_MS after the
 * answer (nginx `lingering_time`, 30 s there; 5 s here, so that a client trickling a body nobody
 * reads holds its connection no longer than that: docs/security.md). No byte bound: a client sending
 * fast must have the whole time to read its answer.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export const LINGER_IDLE_MS = 2_000;
export const LINGER_MAX_MS = 5_000;
/** How often the socket's byte count is looked at to tell a quiet client from a sending one. */
const LINGER_POLL_MS = 500;

/** Call before answering `req` with Connection: close while its body is unread. */
export function lingerBeforeClose(req: IncomingMessage): void {
  // Node's server ends a Connection: close response with socket.destroySoon(); linger instead.
  // No FIN (or TLS close_notify) yet: a TLS client that receives one mid-body fails its write.
  const socket = req.socket as Socket & { destroySoon?: () => void };
  const destroySoon = socket.destroySoon;
  if (typeof destroySoon !== 'function' || Object.hasOwn(socket, 'destroySoon')) return;
  socket.destroySoon = () => {
    if (req.complete) return destroySoon.call(socket);
    // Progress is the socket's byte count: Node's parser drops the body of a request nobody read
    // (req._dump) without a 'data' event, so counting req's data would miss it.
    const startedAt = Date.now();
    let lastBytes = socket.bytesRead;
    let lastProgressAt = startedAt;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(poll);
      destroySoon.call(socket);
    };
    const poll = setInterval(() => {
      const now = Date.now();
      if (socket.bytesRead !== lastBytes) {
        lastBytes = socket.bytesRead;
        lastProgressAt = now;
      }
      if (now - lastProgressAt >= LINGER_IDLE_MS || now - startedAt >= LINGER_MAX_MS) close();
    }, LINGER_POLL_MS);
    poll.unref();
    req.once('end', close);
    socket.once('close', close);
    req.resume();
  };
}
