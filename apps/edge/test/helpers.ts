/**
 * Test helpers: a tiny node:http origin that counts requests per path, and a request helper
 * over undici (real client, loopback only).
 */
import type { ChildProcess } from 'node:child_process';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { onTestFinished } from 'vitest';
import { startEdge, type RunningEdge, type StartEdgeOptions } from '../src/index.js';
import { sourceNodeArgs } from '@bucketfront/test-support';

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
    if (!h) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no route');
      return;
    }
    Promise.resolve(h(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    hits,
    requests,
    count: (p) => hits.get(p) ?? 0,
    route: (p, h) => {
      table.set(p, h);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Closes `resource` when the running test ends, passed or failed (the last registered first); returns it. */
export function closeAfterTest<T extends { close(): Promise<unknown> }>(resource: T): T {
  onTestFinished(async () => {
    await resource.close();
  });
  return resource;
}

/** A route answering a fixed body with headers. */
/** A route that answers "origin saw <url>" (text/plain) with this Cache-Control. */
export function echoUrl(cacheControl: string): Route {
  return (req, res) => {
    const body = `origin saw ${req.url}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), 'cache-control': cacheControl });
    res.end(body);
  };
}

export function fixed(body: string | Buffer, headers: Record<string, string> = {}, status = 200, delayMs = 0): Route {
  return async (_req, res) => {
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(b.length), ...headers });
    res.end(b);
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  const r = await request(url, { method: method as 'GET', headers, body: body ?? null });
  const buf = Buffer.from(await r.body.arrayBuffer());
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: r.statusCode, headers: h, body: buf };
}

/** Minimal one-distribution config around an origin URL; `patch` is merged into the distribution. */
export function oneDistribution(originUrl: string, patch: Record<string, unknown> = {}, behavior: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pop: 'TST1-C1',
    distributions: [
      {
        id: 'E1TEST',
        aliases: ['site.test'],
        origins: [{ id: 'o1', url: originUrl, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5 }],
        defaultCacheBehavior: { targetOriginId: 'o1', ...behavior },
        ...patch,
      },
    ],
  };
}

/**
 * Worker processes for `edgeFor`: 1, or BUCKETFRONT_TEST_EDGE_WORKERS (vitest.config.ts runs the
 * edge suites again with 2 and 4). A test that drives a clock or reads the in-process engine needs
 * the single process and passes `workers: 1` (a test clock cannot reach worker processes).
 */
export const TEST_EDGE_WORKERS = Math.max(1, Number(process.env['BUCKETFRONT_TEST_EDGE_WORKERS'] ?? 1) || 1);

export async function edgeFor(config: Record<string, unknown>, extra: Partial<StartEdgeOptions> = {}): Promise<RunningEdge> {
  const workers = extra.clock !== undefined ? 1 : TEST_EDGE_WORKERS;
  return startEdge({ config, workers, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, ...extra });
}

/**
 * Creates `bucket` as a public S3 website (IndexDocument index.html): anyone may GetObject, and
 * ListBucket too when `listable` (without it S3 answers 403, not 404, for missing keys).
 */
export async function createWebsiteBucket(s3: S3Client, bucket: string, opts: { listable?: boolean; errorDocument?: string } = {}): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const statements = [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }];
  if (opts.listable) statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` });
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
  const errorDocument = opts.errorDocument === undefined ? {} : { ErrorDocument: { Key: opts.errorDocument } };
  await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ...errorDocument } }));
}

/** A controllable clock for TTL tests. */
export function testClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** Start an edge in a child process (sources via tsx). Close = end its stdin. */
export function edgeInChild(opts: Record<string, unknown>): Promise<{ url: string; controlUrl: string; pid: number; close(): Promise<void> }> {
  return childServer('edge-child.ts', [JSON.stringify(opts)]);
}

/** The first line a child process writes to its stdout (rejects if it exits first). */
export function firstLine(child: ChildProcess): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl !== -1) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`child process exited with ${code} before its first line`)));
  });
}

/** A fixture server in its own process: prints one JSON line with its URL, exits when stdin closes. */
export async function childServer(fixture: string, args: string[]): Promise<{ url: string; controlUrl: string; pid: number; close(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, [...sourceNodeArgs(script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await firstLine(child);
  const info = JSON.parse(line) as { url: string; controlUrl: string };
  return {
    ...info,
    pid: child.pid!,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.stdin!.end();
      }),
  };
}

/**
 * The bench's herd method (bench/lib/herd.mjs): open N TCP connections first, then write the same GET on all of
 * them in one loop. Records for each the time its response started (first byte). Each socket is
 * paused at its first byte until all have started, so reading 200 bodies in this process does not
 * delay the measurement of the others; then every body is read to the end and checked.
 */
export async function herd(baseUrl: string, path: string, n: number): Promise<Array<{ sentAt: number; firstByteAt: number; status: number; xcache: string; bodyBytes: number }>> {
  const net = await import('node:net');
  const u = new URL(baseUrl);
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Socket>((resolve, reject) => {
          const s = net.connect(Number(u.port), u.hostname, () => resolve(s));
          s.setNoDelay(true);
          s.once('error', reject);
        }),
    ),
  );
  // Keep-alive requests (no `Connection: close`): the edge does not have to close 200 sockets in
  // the middle of the measurement; the end of each response is found from its Content-Length.
  const req = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
  let started = 0;
  let allStarted!: () => void;
  const allStartedP = new Promise<void>((r) => {
    allStarted = r;
  });
  const runs = sockets.map((s) => {
    const r = { sentAt: 0, firstByteAt: 0, status: 0, xcache: '', bodyBytes: 0 };
    const chunks: Buffer[] = [];
    let total = 0;
    const done = new Promise<void>((resolve) => {
      const finish = (): void => {
        const all = Buffer.concat(chunks);
        const headEnd = all.indexOf('\r\n\r\n');
        const head = all.subarray(0, Math.max(0, headEnd)).toString('latin1');
        r.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        r.xcache = /\r\nx-cache: ([^\r]*)/i.exec(head)?.[1] ?? '';
        r.bodyBytes = headEnd === -1 ? 0 : all.length - headEnd - 4;
        s.destroy();
        resolve();
      };
      s.on('data', (d: Buffer) => {
        if (r.firstByteAt === 0) {
          r.firstByteAt = performance.now();
          s.pause();
          if (++started === n) allStarted();
        }
        chunks.push(d);
        total += d.length;
        const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const headEnd = all.indexOf('\r\n\r\n');
        if (headEnd !== -1) {
          const cl = /\r\ncontent-length: (\d+)/i.exec(all.subarray(0, headEnd).toString('latin1'));
          if (cl && total >= headEnd + 4 + Number(cl[1])) finish();
        }
      });
      s.on('close', () => {
        if (r.status === 0) finish();
      });
    });
    return { s, r, done };
  });
  for (const x of runs) {
    x.r.sentAt = performance.now();
    x.s.write(req);
  }
  await Promise.race([allStartedP, new Promise((r) => setTimeout(r, 30_000))]);
  for (const x of runs) x.s.resume();
  await Promise.all(runs.map((x) => x.done));
  return runs.map((x) => x.r);
}

/**
 * Run `fn` with this process and `pids` at a raised scheduling priority (when permitted), so a
 * latency bound measures the processes under test rather than the shared machine's other load.
 * Priorities are restored afterwards.
 */
export async function withPriority<T>(pids: number[], fn: () => Promise<T>): Promise<T> {
  const os = await import('node:os');
  const all = [process.pid, ...pids];
  const before = all.map((p) => {
    try {
      return os.getPriority(p);
    } catch {
      return undefined;
    }
  });
  for (const p of all) {
    try {
      os.setPriority(p, -5);
    } catch {
      /* not permitted: measure as is */
    }
  }
  try {
    return await fn();
  } finally {
    all.forEach((p, i) => {
      try {
        if (before[i] !== undefined) os.setPriority(p, before[i]!);
      } catch {
        /* process gone */
      }
    });
  }
}
