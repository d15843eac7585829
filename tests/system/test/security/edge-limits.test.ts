/**
 * Limits found by the security review of the edge: on-demand decoding within the fill budget,
 * viewers that stop reading (send timeout), and cache size accounting of keys and paths.
 * Each edge runs in this process (workers: 1) against a plain node:http origin, so what the
 * engine holds can be read from here.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { closeServer } from '@bucketfront/http-basics';
import { listenOnLoopback } from '@bucketfront/test-support';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startEdge, type RunningEdge } from '@bucketfront/edge';

const MiB = 1024 * 1024;

let origin: Server | undefined;
let edge: RunningEdge | undefined;
afterEach(async () => {
  await edge?.close();
  if (origin) await closeServer(origin);
  edge = undefined;
  origin = undefined;
});

async function startOrigin(handler: Parameters<typeof createServer>[1]): Promise<string> {
  origin = createServer(handler);
  return listenOnLoopback(origin);
}

function distribution(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'ELIMITS00000001',
    origins: [{ id: 'o', url, responseTimeout: 30 }],
    defaultCacheBehavior: { targetOriginId: 'o', ...extra },
  };
}

describe('identity variants of origin-gzipped entries are decoded within the fill budget', () => {
  const DECODED = 8 * MiB;
  const bomb = gzipSync(Buffer.alloc(DECODED)); // ~8 KB
  const BUDGET = 9 * MiB;
  const CACHE = 16 * MiB;

  it('24 concurrent identity viewers of 24 gzip bombs (8 KB → 8 MiB): what the edge holds stays within cache + budget', async () => {
    const url = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'cache-control': 'max-age=3600', 'content-length': bomb.length, etag: '"b"' });
      res.end(bomb);
    });
    edge = await startEdge({ workers: 1, config: { cache: { maxSizeBytes: CACHE, maxObjectBytes: 9 * MiB, fillBudgetBytes: BUDGET }, distributions: [distribution(url)] } });
    const agent = new Agent({ connections: 64 });
    const get = async (path: string, ae?: string): Promise<number> => {
      const r = await request(`${edge!.url}${path}`, { dispatcher: agent, headers: ae ? { 'accept-encoding': ae } : {} });
      return (await r.body.arrayBuffer()).byteLength;
    };
    const N = 24;
    for (let i = 0; i < N; i++) expect(await get(`/b${i}.json`, 'gzip')).toBe(bomb.length); // primed, gzip as sent
    const base = process.memoryUsage().arrayBuffers;
    let peak = base;
    const t = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 1);
    const sizes = await Promise.all(Array.from({ length: N }, (_, i) => get(`/b${i}.json`)));
    clearInterval(t);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    await agent.close();
    // Each viewer got the decoded body or, when the budget was held by another decode, the entry as sent.
    for (const n of sizes) expect([DECODED, bomb.length]).toContain(n);
    expect(sizes).toContain(DECODED);
    // Before: every decode ran at once (each held only its 8 KB input): N × 8 MiB = 192 MiB.
    // Now: the decoded variants the cache keeps, the one decode in flight (twice: zlib's chunks and
    // their concatenation), and freed bodies V8 has not collected yet.
    expect(peak - base, `peak growth ${((peak - base) / MiB).toFixed(0)} MiB`).toBeLessThan(CACHE + 2 * BUDGET + 3 * DECODED);
  });

  it('a normal gzip object is still decoded for a viewer that does not accept gzip (weak ETag), once', async () => {
    const text = Buffer.from('{"hello":"world"}\n'.repeat(5000));
    let fetches = 0;
    const url = await startOrigin((_req, res) => {
      fetches++;
      const gz = gzipSync(text);
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'cache-control': 'max-age=3600', 'content-length': gz.length, etag: '"g"' });
      res.end(gz);
    });
    edge = await startEdge({ workers: 1, config: { cache: { maxSizeBytes: 16 * MiB, maxObjectBytes: 1 * MiB, fillBudgetBytes: 2 * MiB }, distributions: [distribution(url)] } });
    const gz = await request(`${edge.url}/g.json`, { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.body.arrayBuffer())).equals(text)).toBe(true);
    const plain = await request(`${edge.url}/g.json`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['etag']).toBe('W/"g"');
    expect(Buffer.from(await plain.body.arrayBuffer()).equals(text)).toBe(true);
    expect(fetches).toBe(1);
  });
});

describe('viewerSendTimeout: a viewer that stops reading is disconnected (like nginx send_timeout)', () => {
  const BIG = 20 * MiB;
  const chunk = Buffer.alloc(256 * 1024, 0x61);

  /** GET over a raw socket that reads nothing for `stallMs`, then reads to the end: the bytes it got. */
  function stalledGet(port: number, path: string, stallMs: number): Promise<number> {
    return new Promise((resolve) => {
      const sock = connect(port, '127.0.0.1', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      sock.pause();
      let got = 0;
      sock.on('data', (b: Buffer) => {
        got += b.length;
        if (got > BIG) sock.destroy(); // the whole body came: the edge kept the connection
      });
      sock.on('error', () => undefined);
      sock.on('close', () => resolve(got));
      setTimeout(() => sock.resume(), stallMs);
    });
  }

  it('a viewer that does not read a 20 MiB cached object is disconnected after the timeout', async () => {
    const url = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG, 'cache-control': 'max-age=3600' });
      res.end(Buffer.alloc(BIG, 0x62));
    });
    edge = await startEdge({ workers: 1, config: { viewerSendTimeout: 1, cache: { maxSizeBytes: 64 * MiB, maxObjectBytes: 32 * MiB }, distributions: [distribution(url)] } });
    const warm = await request(`${edge.url}/big.bin`);
    expect((await warm.body.arrayBuffer()).byteLength).toBe(BIG);
    // Stalled well past the 1 s timeout: only what the kernel buffers held arrives, then the close.
    const got = await stalledGet(edge.port, '/big.bin', 4_000);
    expect(got).toBeLessThan(BIG);
    // A viewer that reads is not affected.
    const again = await request(`${edge.url}/big.bin`);
    expect(again.headers['x-cache']).toMatch(/^Hit/);
    expect((await again.body.arrayBuffer()).byteLength).toBe(BIG);
  }, 30_000);

  it('a viewer that does not read an oversize streamed object: the origin response is closed after the timeout', async () => {
    const TOTAL = 64 * MiB;
    let originClosedEarly = false;
    const url = await startOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL, 'cache-control': 'max-age=3600' });
      let sent = 0;
      const pump = (): void => {
        while (sent < TOTAL) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      res.on('close', () => {
        if (!res.writableFinished) originClosedEarly = true;
      });
    });
    // The origin's responseTimeout (30 s) is not what ends it: undici's body timeout is paused by backpressure.
    edge = await startEdge({ workers: 1, config: { viewerSendTimeout: 1, cache: { maxSizeBytes: 16 * MiB, maxObjectBytes: 1 * MiB, fillBudgetBytes: 4 * MiB }, distributions: [distribution(url)] } });
    const sock = connect(edge.port, '127.0.0.1', () => sock.write('GET /huge.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    sock.pause(); // never reads
    sock.on('error', () => undefined);
    try {
      await vi.waitFor(() => expect(originClosedEarly).toBe(true), { timeout: 15_000, interval: 100 });
    } finally {
      sock.destroy();
    }
  }, 30_000);
});

describe('cache size accounting counts the key and path strings an entry holds', () => {
  it('300 entries with 14,000-character paths in a 2 MiB cache: the strings the cache holds stay within its size', async () => {
    const url = await startOrigin((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/xml', 'content-length': '9' });
      res.end('<Error/>\n');
    });
    const CACHE = 2 * MiB;
    edge = await startEdge({ workers: 1, config: { cache: { maxSizeBytes: CACHE, maxObjectBytes: 1 * MiB }, distributions: [distribution(url)] } });
    const agent = new Agent({ connections: 8 });
    const pad = 'a'.repeat(14_000);
    for (let i = 0; i < 300; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const r = await request(`${edge!.url}/${pad}/${i + j}`, { dispatcher: agent });
          await r.body.dump();
          expect(r.statusCode).toBe(404);
        }),
      );
    }
    await agent.close();
    const store = edge.engine!.store;
    const entries = [...(store as unknown as { lru: { values(): Iterable<{ key: string; path: string; query: string; altPath?: string }> } }).lru.values()];
    expect(entries.length).toBeGreaterThan(0); // 404s are cached (errorCachingMinTTL)
    // V8 keeps these as one-byte strings (1 byte a character); the accounting must cover at least that.
    const stringBytes = entries.reduce((n, e) => n + e.key.length + e.path.length + e.query.length + (e.altPath?.length ?? 0), 0);
    expect(stringBytes).toBeLessThanOrEqual(store.stats().sizeBytes);
    expect(store.stats().sizeBytes).toBeLessThanOrEqual(CACHE);
  });
});
