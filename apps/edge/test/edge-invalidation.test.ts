import { afterEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { edgeFor, type fixed, get, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';
import { startEdge, type RunningEdge } from '../src/index.js';

let origin: TinyOrigin;
let edge: RunningEdge;
afterEach(async () => {
  await edge?.close();
  await origin?.close();
});

function versioned(): { route: ReturnType<typeof fixed>; bump(): void } {
  let v = 1;
  return {
    route: (_req, res) => {
      const b = `v${v}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), 'cache-control': 'max-age=3600' });
      res.end(b);
    },
    bump: () => {
      v++;
    },
  };
}

describe('invalidation (single process)', () => {
  it('exact path, wildcard prefix, all variants (encodings, keyed query strings), raw UTF-8 paths', async () => {
    const css = 'a { color: blue }\n'.repeat(100);
    const ver = versioned();
    let cssV = 1;
    origin = await startTinyOrigin({
      '/index.html': ver.route,
      '/assets/app.js': ver.route,
      '/assets/deep/x.css': (_req, res) => {
        const b = `${cssV}${css}`;
        res.writeHead(200, { 'content-type': 'text/css', 'content-length': String(b.length), 'cache-control': 'max-age=3600' });
        res.end(b);
      },
      '/other.txt': ver.route,
      '/search': ver.route,
      '/a%20b/%C3%BC.html': ver.route,
    });
    edge = await edgeFor(oneDistribution(origin.url, {}, { cacheKey: { queryStrings: 'all' } }));
    const paths = ['/index.html', '/assets/app.js', '/other.txt', '/search?q=1', '/search?q=2', '/a%20b/%C3%BC.html'];
    for (const p of paths) await get(`${edge.url}${p}`);
    await get(`${edge.url}/assets/deep/x.css`, { 'accept-encoding': 'br' });
    await get(`${edge.url}/assets/deep/x.css`);
    for (const p of paths) expect((await get(`${edge.url}${p}`)).headers['x-cache']).toBe('Hit from cloudfront');
    ver.bump();
    cssV = 2;

    await edge.runtime.invalidate('E1TEST', ['/index.html']);
    expect((await get(`${edge.url}/index.html`)).body.toString()).toBe('v2');
    expect((await get(`${edge.url}/other.txt`)).body.toString()).toBe('v1'); // untouched

    await edge.runtime.invalidate('E1TEST', ['/assets/*']);
    expect((await get(`${edge.url}/assets/app.js`)).body.toString()).toBe('v2');
    const br = await get(`${edge.url}/assets/deep/x.css`, { 'accept-encoding': 'br' });
    expect(br.headers['x-cache']).toBe('Miss from cloudfront');
    const plain = await get(`${edge.url}/assets/deep/x.css`);
    expect(plain.body.toString().startsWith('2')).toBe(true);

    await edge.runtime.invalidate('E1TEST', ['/search']); // every keyed query string of the path
    expect((await get(`${edge.url}/search?q=1`)).body.toString()).toBe('v2');
    expect((await get(`${edge.url}/search?q=2`)).body.toString()).toBe('v2');

    await edge.runtime.invalidate('E1TEST', ['/a b/ü.html']); // raw UTF-8 as the aws CLI sends it
    expect((await get(`${edge.url}/a%20b/%C3%BC.html`)).body.toString()).toBe('v2');

    await edge.runtime.invalidate('OTHERDIST', ['/*']); // another distribution: no effect
    expect((await get(`${edge.url}/other.txt`)).headers['x-cache']).toBe('Hit from cloudfront');
    const snap = await edge.runtime.metrics();
    expect(snap.invalidations).toBe(5 * snap.workers); // applied by every worker
  });
});

describe('invalidation across cluster workers', () => {
  it('workers: 2 — exact path and /assets/* visible on the next request on every worker', async () => {
    const ver = versioned();
    origin = await startTinyOrigin({ '/index.html': ver.route, '/assets/a.js': ver.route, '/assets/b/c.css': ver.route, '/keep.txt': ver.route });
    edge = await startEdge({ config: oneDistribution(origin.url), workers: 2, credentials: { accessKeyId: 'A', secretAccessKey: 'S' } });
    // Fresh connections each round so that the kernel (SCHED_NONE) spreads them over both workers,
    // each of which has its own cache. Keep going until both workers have filled every path.
    const round = async (path: string): Promise<string[]> => {
      const agent = new Agent({ connections: 16, pipelining: 0 });
      try {
        return await Promise.all(Array.from({ length: 16 }, async () => (await request(`${edge.url}${path}`, { dispatcher: agent })).body.text()));
      } finally {
        await agent.close();
      }
    };
    const paths = ['/index.html', '/assets/a.js', '/assets/b/c.css', '/keep.txt'];
    // Round-robin scheduling alternates connections between the workers; misses are collapsed across
    // workers, and every worker stores the entry: 4 paths × 2 workers = 8 cache entries.
    for (let i = 0; i < 30 && (await edge.runtime.metrics()).cacheEntries < 8; i++) {
      for (const p of paths) expect(new Set(await round(p))).toEqual(new Set(['v1']));
    }
    const filled = await edge.runtime.metrics();
    expect(filled.workers).toBe(2);
    expect(filled.cacheEntries).toBe(8);
    for (const p of paths) expect(origin.count(p)).toBeLessThanOrEqual(2);
    ver.bump();
    await edge.runtime.invalidate('E1TEST', ['/index.html', '/assets/*']);
    // From the moment invalidate() resolves, no worker serves v1 for the invalidated paths.
    for (const p of ['/index.html', '/assets/a.js', '/assets/b/c.css']) {
      for (let i = 0; i < 3; i++) expect(new Set(await round(p))).toEqual(new Set(['v2']));
    }
    const keep = await round('/keep.txt');
    expect(new Set(keep)).toEqual(new Set(['v1']));
    const snap = await edge.runtime.metrics();
    expect(snap.invalidations).toBe(2); // one per worker
  });
});

describe('cluster resilience', () => {
  it('a killed worker is replaced; serving, invalidation and metrics keep working', async () => {
    const cluster = (await import('node:cluster')).default;
    const ver = versioned();
    origin = await startTinyOrigin({ '/r': ver.route });
    edge = await startEdge({ config: oneDistribution(origin.url), workers: 2, credentials: { accessKeyId: 'A', secretAccessKey: 'S' } });
    expect((await get(`${edge.url}/r`)).status).toBe(200);
    const before = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    expect(before.length).toBe(2);
    const victim = before[0]!;
    const exited = new Promise((r) => victim.once('exit', r));
    victim.process.kill('SIGKILL');
    await exited;
    // Wait for the replacement (bounded), then everything still works across 2 workers.
    for (let i = 0; i < 100 && (await edge.runtime.metrics()).workers < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await edge.runtime.metrics()).workers).toBe(2);
    for (let i = 0; i < 10; i++) expect((await get(`${edge.url}/r`)).status).toBe(200);
    ver.bump();
    await edge.runtime.invalidate('E1TEST', ['/r']);
    for (let i = 0; i < 10; i++) expect((await get(`${edge.url}/r`, { connection: 'close' })).body.toString()).toBe('v2');
  });
});
