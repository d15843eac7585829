import { createServer } from 'node:net';

/** A loopback port with nothing listening on it (bound, then released): for a server a test starts later, or for a peer that must be down. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
