/**
 * The viewer listener: plain node:http, Nagle off on every socket (the nginx 40 ms stall in
 * peer-baselines §1 is Nagle + delayed ACK), generous keep-alive.
 */
import http from 'node:http';
import type { EdgeEngineHandle } from './engine.js';

export function createViewerServer(engine: Pick<EdgeEngineHandle, 'handle'>): http.Server {
  // maxHeaderSize: CloudFront accepts requests up to 20,480 bytes (Node's default is 16 KiB).
  const server = http.createServer({ keepAliveTimeout: 65_000, noDelay: true, requestTimeout: 120_000, maxHeaderSize: 20_480 }, engine.handle);
  server.on('connection', (socket) => socket.setNoDelay(true));
  // Requests ≤ 20,480 bytes of headers (CloudFront quota); Node's default limit is 16 KiB.
  server.maxHeadersCount = 200;
  return server;
}

export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
