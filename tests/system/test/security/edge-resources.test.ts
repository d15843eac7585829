/**
 * Issue 18 item 4 — bounded resources at the edge, measured on an edge running in its own
 * process tree (edge-process.ts), against a plain node:http origin in this process.
 *
 * The origin serves random bytes (incompressible) generated per request: the edge's memory is
 * what is measured, and a real object store would only add disk traffic to the run. Half the
 * objects are `text/plain` (CloudFront compresses that type between 1,000 and 10,000,000 bytes, so
 * the edge's compression decision is exercised: the viewers accept gzip and br) and half
 * `application/octet-stream` (never compressed).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Agent, request } from 'undici';
import { closeServer } from '@bucketfront/http-basics';
import { listenOnLoopback } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeProcess, type EdgeProcess } from './edge-process.js';

const MiB = 1024 * 1024;
const OBJECT_BYTES = 9_000_000;
const OBJECTS = 40;
const CACHE_BYTES = 128 * MiB;
const WORKERS = 2;
/**
 * The documented memory formula (README "Workers and memory"): per worker
 * cache.maxSizeBytes + cache.fillBudgetBytes (default 32 MiB) + NODE_WORKER_BASELINE, plus the
 * primary's NODE_PRIMARY_BASELINE. The baselines are measured (idle RSS of a worker / primary
 * started from sources with tsx, plus heap headroom), see apps/edge/README.md.
 */
const FILL_BUDGET_BYTES = 32 * MiB;
/**
 * Node's idle worker (~95 MiB from sources) + 64 MiB of freed bodies V8 may keep until its next full
 * GC (it runs one when external memory grew by kExternalAllocationSoftLimit = 64 MiB, v8-internal.h).
 */
const NODE_WORKER_BASELINE = 160 * MiB;
const NODE_PRIMARY_BASELINE = 96 * MiB;
const FORMULA_BYTES = NODE_PRIMARY_BASELINE + WORKERS * (CACHE_BYTES + FILL_BUDGET_BYTES + NODE_WORKER_BASELINE);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (n: number): string => `${(n / MiB).toFixed(0)} MiB`;

function edgeConfig(originUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    pop: 'TST50-C1',
    cache: { maxSizeBytes: CACHE_BYTES },
    distributions: [
      {
        id: 'ERESOURCES000001',
        origins: [{ id: 'o', url: originUrl, responseTimeout: 30 }],
        defaultCacheBehavior: { targetOriginId: 'o', compress: true, minTTL: 0, defaultTTL: 3600, maxTTL: 86400, ...extra },
      },
    ],
  };
}

describe('edge memory under 40 concurrent 9 MB misses (2 workers, 128 MiB cache)', () => {
  let origin: Server;
  let edge: EdgeProcess | undefined;
  beforeAll(async () => {
    origin = createServer((req, res) => {
      const type = (req.url ?? '').endsWith('.txt') ? 'text/plain' : 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': String(OBJECT_BYTES), 'cache-control': 'max-age=3600' });
      // Streamed in 1 MB pieces so the origin's own memory stays small.
      let sent = 0;
      const more = (): void => {
        while (sent < OBJECT_BYTES) {
          const n = Math.min(1_000_000, OBJECT_BYTES - sent);
          sent += n;
          if (!res.write(randomBytes(n))) {
            res.once('drain', more);
            return;
          }
        }
        res.end();
      };
      more();
    });
    const url = await listenOnLoopback(origin);
    edge = await startEdgeProcess(edgeConfig(url), WORKERS);
  });
  afterAll(async () => {
    await edge?.stop();
    await closeServer(origin);
  });

  it('keeps the summed RSS of primary + workers within the documented formula, during the load and at rest', async () => {
    const e = edge!;
    await sleep(500);
    expect(e.pids(), 'primary + workers').toHaveLength(1 + WORKERS);
    const idle = e.rssBytes();
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, e.rssBytes());
    }, 50);
    const agent = new Agent({ connections: OBJECTS });
    const started = performance.now();
    try {
      const sizes = await Promise.all(
        Array.from({ length: OBJECTS }, async (_, i) => {
          const r = await request(`${e.url}/obj/${i}.${i % 2 === 0 ? 'txt' : 'bin'}`, {
            dispatcher: agent,
            headers: { 'accept-encoding': 'br, gzip' },
            headersTimeout: 60_000,
            bodyTimeout: 60_000,
          });
          let n = 0;
          for await (const chunk of r.body) n += (chunk as Buffer).length;
          return { status: r.statusCode, n, encoding: r.headers['content-encoding'] };
        }),
      );
      for (const s of sizes) expect(s.status).toBe(200);
      // Random bytes: a compressed variant, if one were served, could not be smaller than the object.
      for (const s of sizes) if (s.encoding === undefined) expect(s.n).toBe(OBJECT_BYTES);
    } finally {
      clearInterval(sampler);
      await agent.close();
    }
    const loadMs = performance.now() - started;
    peak = Math.max(peak, e.rssBytes());
    await sleep(3000);
    const rest = e.rssBytes();
    console.log(`edge RSS: idle ${mib(idle)}, peak ${mib(peak)}, at rest ${mib(rest)} (formula ${mib(FORMULA_BYTES)}); load ${loadMs.toFixed(0)} ms`);
    expect(peak).toBeLessThanOrEqual(FORMULA_BYTES);
    expect(rest).toBeLessThanOrEqual(FORMULA_BYTES);
  }, 180_000);
});

describe('600 slow uploads on a pass-through behavior', () => {
  const UPLOADS = 600;
  let origin: Server;
  let edge: EdgeProcess | undefined;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    origin = createServer((req, res) => {
      if (req.method === 'PUT') {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-length': '0' });
          res.end();
        });
        return;
      }
      const body = randomBytes(100_000);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length), 'cache-control': 'max-age=3600' });
      res.end(body);
    });
    origin.maxConnections = 2000;
    const url = await listenOnLoopback(origin);
    edge = await startEdgeProcess(edgeConfig(url, { allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'] }), 1);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await edge?.stop();
    await closeServer(origin);
  });

  /** The slowest of `n` sequential distinct cache misses, ms (each bounded at 10 s). */
  async function slowestMiss(prefix: string, n: number): Promise<number> {
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await request(`${edge!.url}/${prefix}/${i}`, { headersTimeout: 10_000, bodyTimeout: 10_000 }).catch((err: Error) => ({ statusCode: 0, err }));
      if ('body' in r) await r.body.dump();
      const ms = 'err' in r ? 10_000 : performance.now() - t;
      expect(['err' in r ? 'timeout' : 'ok', r.statusCode]).toEqual(['ok', 200]);
      worst = Math.max(worst, ms);
    }
    return worst;
  }

  it('do not delay cache misses of the same origin by more than 1 s; beyond the pass-through pool they get 503, too slow 408', async () => {
    const e = edge!;
    const before = await slowestMiss('before', 5);
    const port = e.port;
    const statuses: number[] = [];
    // Each upload announces 100,000 bytes and trickles 2 bytes every 500 ms (4 B/s).
    await Promise.all(
      Array.from(
        { length: UPLOADS },
        (_, i) =>
          new Promise<void>((resolve) => {
            const s = connect(port, '127.0.0.1', () => {
              s.write(`PUT /up/${i} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 100000\r\nContent-Type: application/octet-stream\r\n\r\nab`);
              resolve();
            });
            s.on('error', () => undefined);
            let first = true;
            s.on('data', (b: Buffer) => {
              if (first) statuses.push(Number(/^HTTP\/1\.1 (\d{3})/.exec(b.toString('latin1'))?.[1] ?? 0));
              first = false;
            });
            sockets.push(s);
          }),
      ),
    );
    const trickle = setInterval(() => {
      for (const s of sockets) if (!s.destroyed) s.write('ab');
    }, 500);
    try {
      await sleep(1500); // the edge has dispatched the uploads to the origin by now
      const during = await slowestMiss('during', 5);
      console.log(`slowest miss: ${before.toFixed(0)} ms without, ${during.toFixed(0)} ms with ${UPLOADS} slow uploads`);
      expect(during - before).toBeLessThan(1000);
      // Every upload is answered: 503 after the 5 s queue timeout for those beyond the 64
      // pass-through connections, 408 for the ones sending under 1 KiB/s over a 10 s window.
      const deadline = performance.now() + 30_000;
      while (statuses.length < UPLOADS && performance.now() < deadline) await sleep(250);
      const count = (code: number): number => statuses.filter((c) => c === code).length;
      console.log(`slow uploads answered: ${count(503)} × 503, ${count(408)} × 408, ${statuses.length} of ${UPLOADS}`);
      expect({ answered: statuses.length, busy: count(503), tooSlow: count(408) }).toEqual({ answered: UPLOADS, busy: UPLOADS - 64, tooSlow: 64 });
    } finally {
      clearInterval(trickle);
      for (const s of sockets) s.destroy();
    }
  }, 120_000);
});
