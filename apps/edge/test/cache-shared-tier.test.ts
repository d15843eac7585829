/**
 * One cache per host: with the default worker count, the workers share the host's tier, so the
 * origin sees one fetch per object whatever worker a viewer lands on; invalidations (path,
 * wildcard, #tag) reach every worker; stale-if-error serves from the shared tier.
 * Every request here opens its own connection: the cluster primary hands new connections to the
 * workers in turn (round-robin), so consecutive requests land on different workers.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, readlink, rm, truncate } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { filesUnder } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { startEdge, type RunningEdge } from '../src/index.js';
import { closeAfterTest, oneDistribution, startTinyOrigin, type Route } from './helpers.js';

/** GET on a new connection (so that requests spread over the workers). */
async function getNew(url: string): Promise<{ status: number; xcache: string; body: string }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const r = await request(url, { dispatcher: agent, headers: { connection: 'close' } });
    return { status: r.statusCode, xcache: String(r.headers['x-cache'] ?? ''), body: await r.body.text() };
  } finally {
    await agent.close();
  }
}

/** A route whose body names its version; `bump()` changes every body. */
function versioned(headers: Record<string, string> = {}): { route: Route; bump(): void } {
  let v = 1;
  return {
    route: (req, res) => {
      const b = `${req.url} v${v}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), 'cache-control': 'max-age=3600', ...headers });
      res.end(b);
    },
    bump: () => {
      v++;
    },
  };
}

const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

async function startDefault(config: Record<string, unknown>): Promise<RunningEdge> {
  // No `workers`: the default, one per core.
  return startEdge({ config, credentials: creds });
}

describe('one cache per host, default --workers', () => {
  it('the second request is a Hit; 10 objects × 20 requests over all workers cost 10 origin fetches', async () => {
    const ver = versioned();
    const origin = closeAfterTest(await startTinyOrigin({ '*': ver.route }));
    const edge = closeAfterTest(await startDefault(oneDistribution(origin.url)));
    expect((await edge.runtime.metrics()).workers).toBe(Math.max(1, availableParallelism()));

    expect((await getNew(`${edge.url}/first.txt`)).xcache).toBe('Miss from cloudfront');
    expect((await getNew(`${edge.url}/first.txt`)).xcache).toBe('Hit from cloudfront');
    expect(origin.count('/first.txt')).toBe(1);

    const results: string[] = [];
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const r = await getNew(`${edge.url}/obj/${i}.txt`);
          expect(r.status).toBe(200);
          expect(r.body).toBe(`/obj/${i}.txt v1`);
          if (round > 0) results.push(r.xcache);
        }),
      );
    }
    let fetches = 0;
    for (let i = 0; i < 10; i++) fetches += origin.count(`/obj/${i}.txt`);
    expect(fetches).toBe(10);
    expect(results.every((x) => x === 'Hit from cloudfront')).toBe(true);
    const m = await edge.runtime.metrics();
    // Workers that did not fetch an object found it in the shared tier.
    if (m.workers > 1) expect(m.sharedHits).toBeGreaterThan(0);
    expect(m.sharedEntries).toBe(11);
  });

  it('herds on many objects at once, over all workers: one origin fetch per object', async () => {
    // Each object is asked for by several viewers at once, on connections spread over the workers,
    // while its fill is in flight or being written to the shared tier: every path through the
    // coordinator (leader, waiter, late asker) must end in the one fetch.
    const slow: Route = (req, res) => {
      const b = Buffer.alloc(20_000 + (Number(req.url!.replace(/\D/g, '')) % 50) * 1000, 120);
      setTimeout(() => {
        res.writeHead(200, { 'content-length': String(b.length), 'cache-control': 'max-age=3600' });
        res.end(b);
      }, 5);
    };
    const origin = closeAfterTest(await startTinyOrigin({ '*': slow }));
    const edge = closeAfterTest(await startDefault(oneDistribution(origin.url)));
    const agents = Array.from({ length: 6 }, () => new Agent({ connections: 50 }));
    try {
      const paths = Array.from({ length: 300 }, (_, i) => `/herd/${i}.bin`);
      await Promise.all(
        paths.flatMap((p) =>
          agents.map(async (agent) => {
            const r = await request(`${edge.url}${p}`, { dispatcher: agent });
            expect(r.statusCode).toBe(200);
            await r.body.dump();
          }),
        ),
      );
      const dup = paths.filter((p) => origin.count(p) !== 1);
      expect(dup).toEqual([]);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
    }
  });

  it('exact-path, wildcard and #tag invalidations: the next request on every worker is a Miss', async () => {
    const tagged = versioned({ 'x-amz-meta-cache-tag': 'Release-42, assets' });
    const plain = versioned();
    const origin = closeAfterTest(await startTinyOrigin({ '/tagged/a.txt': tagged.route, '/tagged/b.txt': tagged.route, '*': plain.route }));
    const edge = closeAfterTest(await startDefault(oneDistribution(origin.url, { cacheTagConfig: { headerName: 'x-amz-meta-cache-tag' } })));
    const cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const workers = (await edge.runtime.metrics()).workers;
    const groups = {
      exact: Array.from({ length: 2 * workers }, (_, i) => `/exact-${i}.txt`),
      wildcard: Array.from({ length: 2 * workers }, (_, i) => `/dir/${i}.txt`),
      tag: ['/tagged/a.txt', '/tagged/b.txt'],
    };
    const all = [...groups.exact, ...groups.wildcard, ...groups.tag, '/untouched.txt'];
    // Every worker holds every object in its memory tier.
    for (let round = 0; round < 2 * workers; round++) for (const p of all) await getNew(`${edge.url}${p}`);
    for (const p of all) expect((await getNew(`${edge.url}${p}`)).xcache).toBe('Hit from cloudfront');
    tagged.bump();
    plain.bump();

    let ref = 0;
    const invalidate = async (items: string[]): Promise<void> => {
      const out = await cf.send(
        new CreateInvalidationCommand({
          DistributionId: 'E1TEST',
          InvalidationBatch: { CallerReference: `ref-${ref++}`, Paths: { Quantity: items.length, Items: items } },
        }),
      );
      expect(out.Invalidation?.Status).toBe('Completed');
    };
    await invalidate(groups.exact);
    await invalidate(['/dir/*']);
    await invalidate(['#release-42']); // tags are compared without case
    for (const p of [...groups.exact, ...groups.wildcard, ...groups.tag]) {
      const r = await getNew(`${edge.url}${p}`);
      expect(r.xcache, p).toBe('Miss from cloudfront');
      expect(r.body).toBe(`${p} v2`);
    }
    const u = await getNew(`${edge.url}/untouched.txt`);
    expect(u.xcache).toBe('Hit from cloudfront');
    expect(u.body).toBe('/untouched.txt v1');
  });

  it('stale-if-error: every worker serves the expired object from the shared tier while the origin is down', async () => {
    const route: Route = (_req, res) => {
      const b = 'kept while the origin is down';
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), 'cache-control': 'max-age=1, stale-if-error=600' });
      res.end(b);
    };
    const origin = closeAfterTest(await startTinyOrigin({ '/sie.txt': route }));
    const edge = closeAfterTest(await startDefault(oneDistribution(origin.url, {}, { minTTL: 0, defaultTTL: 1 })));
    expect((await getNew(`${edge.url}/sie.txt`)).xcache).toBe('Miss from cloudfront'); // one worker filled it
    await origin.close();
    await new Promise((r) => setTimeout(r, 1_200)); // now expired
    const workers = (await edge.runtime.metrics()).workers;
    for (let i = 0; i < 2 * workers; i++) {
      const r = await getNew(`${edge.url}/sie.txt`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('kept while the origin is down');
    }
    const m = await edge.runtime.metrics();
    expect(m.staleServes).toBeGreaterThanOrEqual(2 * workers);
    if (workers > 1) expect(m.sharedHits).toBeGreaterThan(0);
  });

  it('TTL, Age and RefreshHit hold across workers: one conditional fetch refreshes the host', async () => {
    let conditional = 0;
    const route: Route = (req, res) => {
      if (req.headers['if-none-match'] === '"v1"') {
        conditional++;
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=2' });
        res.end();
        return;
      }
      const b = 'revalidated body';
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), etag: '"v1"', 'cache-control': 'max-age=2' });
      res.end(b);
    };
    const origin = closeAfterTest(await startTinyOrigin({ '/ttl.txt': route }));
    const edge = closeAfterTest(await startDefault(oneDistribution(origin.url, {}, { minTTL: 0, defaultTTL: 2 })));
    const workers = (await edge.runtime.metrics()).workers;
    const agentless = async (): Promise<{ xcache: string; age: number; body: string }> => {
      const agent = new Agent();
      try {
        const r = await request(`${edge.url}/ttl.txt`, { dispatcher: agent, headers: { connection: 'close' } });
        return { xcache: String(r.headers['x-cache']), age: Number(r.headers['age'] ?? -1), body: await r.body.text() };
      } finally {
        await agent.close();
      }
    };
    expect((await agentless()).xcache).toBe('Miss from cloudfront');
    await new Promise((r) => setTimeout(r, 1_100));
    // Every worker: a Hit with the Age of the one stored response (about 1 s), not 0 for a copy.
    for (let i = 0; i < 2 * workers; i++) {
      const r = await agentless();
      expect(r.xcache).toBe('Hit from cloudfront');
      expect(r.age).toBeGreaterThanOrEqual(1);
    }
    await new Promise((r) => setTimeout(r, 1_100)); // expired now
    const first = await agentless();
    expect(first.xcache).toBe('RefreshHit from cloudfront');
    expect(first.body).toBe('revalidated body');
    // The refreshed freshness reached the shared tier: every other worker answers Hit, no refetch.
    for (let i = 0; i < 2 * workers; i++) {
      const r = await agentless();
      expect(['Hit from cloudfront', 'RefreshHit from cloudfront']).toContain(r.xcache);
      expect(r.body).toBe('revalidated body');
    }
    // One conditional request for the host: a worker holding the expired entry in memory finds the
    // refreshed one in the shared tier before it would ask the origin.
    expect(conditional).toBe(1);
    expect(origin.count('/ttl.txt')).toBe(2);
  });

  it('a memory tier too small for the objects: every hit comes from the shared tier, with the right bytes under concurrency (pooled read buffers)', async () => {
    // Distinct random bodies of sizes that share buffer size classes (70–120 KiB → 128 KiB), text so
    // that gzip viewers also get a compressed variant made from the borrowed body.
    const bodies = new Map(
      Array.from({ length: 6 }, (_, i) => [
        `/pool/${i}.txt`,
        randomBytes(35 * 1024 + i * 5 * 1024)
          .toString('hex')
          .slice(0, 70 * 1024 + i * 10 * 1024),
      ]),
    );
    const route: Route = (req, res) => {
      const b = bodies.get(req.url!)!;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), 'cache-control': 'max-age=3600' });
      res.end(b);
    };
    const origin = closeAfterTest(await startTinyOrigin({ '*': route }));
    const config = oneDistribution(origin.url, {}, { compress: true });
    const edge = closeAfterTest(await startDefault({ ...config, cache: { maxSizeBytes: 65536, maxObjectBytes: 1024 * 1024 } }));
    for (const path of bodies.keys()) expect((await getNew(`${edge.url}${path}`)).body).toBe(bodies.get(path));

    const agent = new Agent({ connections: 32 });
    try {
      const paths = [...bodies.keys()];
      // A slow reader holds one response while the others are served.
      const slow = await request(`${edge.url}${paths[0]}`, { dispatcher: new Agent() });
      const results = await Promise.all(
        Array.from({ length: 240 }, async (_, i) => {
          const path = paths[i % paths.length]!;
          const gzip = i % 3 === 0;
          const r = await request(`${edge.url}${path}`, { dispatcher: agent, headers: gzip ? { 'accept-encoding': 'gzip' } : {} });
          const raw = Buffer.from(await r.body.arrayBuffer());
          const text = r.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
          return { ok: text === bodies.get(path), xcache: String(r.headers['x-cache']) };
        }),
      );
      expect(await slow.body.text()).toBe(bodies.get(paths[0]!));
      expect(results.filter((r) => !r.ok)).toHaveLength(0);
      expect(results.every((r) => r.xcache === 'Hit from cloudfront')).toBe(true);
    } finally {
      await agent.close();
    }
    for (const path of bodies.keys()) expect(origin.count(path)).toBe(1);
    const m = await edge.runtime.metrics();
    expect(m.sharedHits).toBeGreaterThanOrEqual(240); // none fits the 64 KiB memory tier
  });

  it('large objects a small memory tier cannot hold stream from their files: right bytes for whole, gzip, Range and HEAD viewers, a slow reader, no file left open, a body cut on disk (large or small) refetched', async () => {
    // 1–3 MiB: over the 256 KiB read at once. Text, so that gzip viewers get a compressed variant.
    const bodies = new Map(Array.from({ length: 4 }, (_, i) => [`/big/${i}.txt`, randomBytes(1024 * 1024 + i * 300 * 1024).toString('base64')]));
    const route: Route = (req, res) => {
      const b = bodies.get(req.url!)!;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(b.length), 'cache-control': 'max-age=3600' });
      res.end(b);
    };
    const origin = closeAfterTest(await startTinyOrigin({ '*': route }));
    const dir = await mkdtemp(join(tmpdir(), 'bucketfront-stream-'));
    // One worker, in this process: its open files can be counted.
    const config = { ...oneDistribution(origin.url, {}, { compress: true }), cache: { maxSizeBytes: 65536, maxObjectBytes: 8 * 1024 * 1024, diskPath: dir } };
    const edge = closeAfterTest(await startEdge({ config, credentials: creds, workers: 1 }));
    const paths = [...bodies.keys()];
    // Filled (each fill reaches the shared tier after its response), then read once whole (this
    // process checks each body's CRC-32 once) before streaming.
    for (const path of paths) expect((await getNew(`${edge.url}${path}`)).body).toBe(bodies.get(path));
    while ((await edge.runtime.metrics()).sharedEntries < paths.length) await new Promise((r) => setTimeout(r, 20));
    for (const path of paths) expect((await getNew(`${edge.url}${path}`)).body).toBe(bodies.get(path));
    await request(`${edge.url}${paths[0]}`, { headers: { 'accept-encoding': 'gzip' } }).then((r) => r.body.arrayBuffer());
    // Body files this process holds open (the index's own files aside).
    const openBodyFiles = async (): Promise<number> => {
      let n = 0;
      for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')).startsWith(join(dir, 'bodies'))) n++;
      return n;
    };

    const agent = new Agent({ connections: 16 });
    try {
      // A slow reader holds one response while the others are served.
      const slowAgent = new Agent();
      const slow = await request(`${edge.url}${paths[0]}`, { dispatcher: slowAgent });
      const results = await Promise.all(
        Array.from({ length: 80 }, async (_, i) => {
          const path = paths[i % paths.length]!;
          const want = bodies.get(path)!;
          const kind = i % 4;
          if (kind === 0) {
            const r = await request(`${edge.url}${path}`, { dispatcher: agent, headers: { range: 'bytes=1000-1999' } });
            return { ok: r.statusCode === 206 && (await r.body.text()) === want.slice(1000, 2000), xcache: String(r.headers['x-cache']) };
          }
          if (kind === 1) {
            const r = await request(`${edge.url}${path}`, { dispatcher: agent, method: 'HEAD' });
            await r.body.dump();
            return { ok: r.statusCode === 200 && r.headers['content-length'] === String(want.length), xcache: String(r.headers['x-cache']) };
          }
          const r = await request(`${edge.url}${path}`, { dispatcher: agent, headers: kind === 2 ? { 'accept-encoding': 'gzip' } : {} });
          const raw = Buffer.from(await r.body.arrayBuffer());
          const text = r.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
          return { ok: text === want, xcache: String(r.headers['x-cache']) };
        }),
      );
      expect(await slow.body.text()).toBe(bodies.get(paths[0]!));
      await slowAgent.close();
      expect(results.filter((r) => !r.ok)).toHaveLength(0);
      expect(results.every((r) => r.xcache === 'Hit from cloudfront')).toBe(true);
    } finally {
      await agent.close();
    }
    // Pipelined on one connection and read late: responses queue behind each other, so chunks wait
    // in the socket and the response's queue; each must arrive with its own bytes.
    const order = [1, 3, 2, 1, 3, 2, 3, 1].map((i) => paths[i]!);
    const pipelined = await pipelinedGets(edge.url, order, { readAfterMs: 300 });
    expect(pipelined.map((r) => r.status)).toEqual(order.map(() => 200));
    for (const [i, r] of pipelined.entries()) expect(r.body.equals(Buffer.from(bodies.get(order[i]!)!)), `pipelined response ${i}`).toBe(true);
    // Pipelined and never read, then reset: the queued responses' files are closed too.
    await pipelinedGets(edge.url, Array(12).fill(paths[3]!), { resetAfterMs: 200 });

    for (const path of paths) expect(origin.count(path)).toBe(1);
    // The whole-body viewers (the slow one, plain and gzip: 41) were sent from the files; a Range needs the bytes in memory.
    expect((await edge.runtime.metrics()).sharedStreamedHits).toBeGreaterThanOrEqual(41);
    // Every body file opened for a response was closed with it (the reset connection's asynchronously).
    for (let i = 0; i < 100 && (await openBodyFiles()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await openBodyFiles()).toBe(0);

    // A body file cut short on disk after this process checked it: a miss and a refetch, never a short body.
    const victim = (await filesUnder(join(dir, 'bodies'))).find((f) => f.endsWith('.identity') && sizeOf(f) === bodies.get(paths[3]!)!.length);
    expect(victim).toBeDefined();
    await truncate(victim!, 4096);
    const after = await getNew(`${edge.url}${paths[3]}`);
    expect(after.body).toBe(bodies.get(paths[3]!));
    expect(after.xcache).toBe('Miss from cloudfront');
    expect(origin.count(paths[3]!)).toBe(2);

    // Likewise a small body (read whole, its descriptor kept between reads) cut short while kept open.
    bodies.set('/small.txt', randomBytes(50 * 1024).toString('hex'));
    expect((await getNew(`${edge.url}/small.txt`)).body).toBe(bodies.get('/small.txt'));
    // The fill reaches the shared tier after its response: wait for it (and the refetched /big/3).
    while ((await edge.runtime.metrics()).sharedEntries < 5) await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 2; i++) {
      const hit = await getNew(`${edge.url}/small.txt`);
      expect(hit.xcache).toBe('Hit from cloudfront');
      expect(hit.body).toBe(bodies.get('/small.txt'));
    }
    const small = (await filesUnder(join(dir, 'bodies'))).find((f) => f.endsWith('.identity') && sizeOf(f) === 100 * 1024);
    expect(small).toBeDefined();
    await truncate(small!, 4096);
    const smallAfter = await getNew(`${edge.url}/small.txt`);
    expect(smallAfter.body).toBe(bodies.get('/small.txt'));
    expect(smallAfter.xcache).toBe('Miss from cloudfront');
    expect(origin.count('/small.txt')).toBe(2);
    await rm(dir, { recursive: true, force: true });
  });
});

/**
 * GETs `paths` pipelined on one connection. `readAfterMs`: start reading that late, then read every
 * response (status and body, by Content-Length). `resetAfterMs`: read nothing and reset the
 * connection then (no responses).
 */
async function pipelinedGets(base: string, paths: string[], opts: { readAfterMs?: number; resetAfterMs?: number }): Promise<Array<{ status: number; body: Buffer }>> {
  const u = new URL(base);
  const socket = connect(Number(u.port), u.hostname);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`).join(''));
  if (opts.resetAfterMs !== undefined) {
    await new Promise((r) => setTimeout(r, opts.resetAfterMs));
    socket.resetAndDestroy();
    return [];
  }
  await new Promise((r) => setTimeout(r, opts.readAfterMs ?? 0));
  const out: Array<{ status: number; body: Buffer }> = [];
  let buf = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        out.push({ status: Number(head.slice(9, 12)), body: Buffer.from(buf.subarray(end + 4, end + 4 + length)) });
        buf = buf.subarray(end + 4 + length);
        if (out.length === paths.length) {
          socket.destroy();
          return resolve();
        }
      }
    });
    socket.resume();
  });
  return out;
}

/** A file's size; -1 once it is gone (the tier unlinks dropped bodies). */
function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return -1;
  }
}
