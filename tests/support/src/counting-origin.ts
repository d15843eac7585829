import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '@bucketfront/http-basics';

export interface CountedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export interface CountingOrigin {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: CountedRequest[];
  /** Number of requests for `path` (exact match on the request URL). */
  count(path: string): number;
  /** Replace the handler (status, headers, body, delay) at any time. */
  setHandler(handler: OriginHandler): void;
  close(): Promise<void>;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A tiny HTTP origin that records every request: edge tests count origin fetches with it. */
export async function startCountingOrigin(handler: OriginHandler): Promise<CountingOrigin> {
  let current = handler;
  const requests: CountedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, at: Date.now() });
    Promise.resolve(current(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    count: (path) => requests.filter((r) => r.url === path).length,
    setHandler: (h) => (current = h),
    close: () => closeServer(server),
  };
}

/** Starts `server` listening on a system-picked loopback port; resolves to its `http://127.0.0.1:PORT` URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  return `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
}
