/**
 * Test helpers: a tiny node:http origin that counts requests per path, and a request helper
 * over undici (real client, loopback only).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startEdge, type RunningEdge, type StartEdgeOptions } from '../src/index.js';

export type Route = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface TinyOrigin {
  url: string;
  hits: Map<string, number>;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers'] }>;
  count(path: string): number;
  route(path: string, handler: Route): void;
  /** Stop listening and drop keep-alive connections (the edge then sees ECONNREFUSED). */
  close(): Promise<void>;
}

export async function startTinyOrigin(routes: Record<string, Route> = {}, port = 0): Promise<TinyOrigin> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const requests: TinyOrigin['requests'] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    hits.set(url, (hits.get(url) ?? 0) + 1);
    requests.push({ method: req.method ?? '', url, headers: req.headers });
    const h = table.get(url) ?? table.get(path) ?? table.get('*');
    if (!h) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('no route'); return; }
    Promise.resolve(h(req, res)).catch(() => { if (!res.headersSent) res.writeHead(500); res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    hits, requests,
    count: (p) => hits.get(p) ?? 0,
    route: (p, h) => { table.set(p, h); },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A route answering a fixed body with headers. */
export function fixed(body: string | Buffer, headers: Record<string, string> = {}, status = 200, delayMs = 0): Route {
  return async (_req, res) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(b.length), ...headers });
    res.end(b);
  };
}

export interface Reply { status: number; headers: Record<string, string>; body: Buffer }

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  const r = await request(url, { method: method as 'GET', headers, body: body ?? null });
  const buf = Buffer.from(await r.body.arrayBuffer());
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: r.statusCode, headers: h, body: buf };
}

/** Minimal one-distribution config around an origin URL; `patch` is merged into the distribution. */
export function oneDistribution(originUrl: string, patch: Record<string, unknown> = {}, behaviour: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pop: 'TST1-C1',
    distributions: [{
      id: 'E1TEST',
      aliases: ['site.test'],
      origins: [{ id: 'o1', url: originUrl, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5 }],
      defaultCacheBehavior: { targetOriginId: 'o1', ...behaviour },
      ...patch,
    }],
  };
}

export async function edgeFor(config: Record<string, unknown>, extra: Partial<StartEdgeOptions> = {}): Promise<RunningEdge> {
  return startEdge({ config, workers: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, ...extra });
}

/** A controllable clock for TTL tests. */
export function testClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}
