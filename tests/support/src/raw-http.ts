import { connect } from 'node:net';

/**
 * Sends raw bytes to 127.0.0.1:port and returns everything the server sends
 * until it closes the connection or `timeoutMs` passes. For malformed
 * requests that no HTTP client library would send.
 */
export function rawRequest(port: number, payload: string | Buffer, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (chunks.length > 0) done();
      else reject(err);
    });
    socket.write(payload);
  });
}

/** The status code of the first HTTP response in `raw`, or undefined. */
export function statusOf(raw: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
  return match ? Number(match[1]) : undefined;
}
