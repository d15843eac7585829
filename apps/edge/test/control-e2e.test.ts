/**
 * End to end: the real edge (startEdge: data plane + control server) in front of
 * a real HTTP origin; the aws CLI and the SDK invalidate, viewers see misses again.
 */
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasAwsCli, makeTestCredentials, runAws, startCountingOrigin, type CountingOrigin, type TestCredentials } from '@bucketfront/test-support';
import { connect, createServer, type Socket } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { freePort } from '@bucketfront/test-support';

const DIST = 'E2EDIST0000001';

async function get(edge: RunningEdge, path: string) {
  const res = await request(new URL(path, edge.url), { headers: { host: 'site.example.test' } });
  const body = await res.body.text();
  return { status: res.statusCode, xCache: res.headers['x-cache'], body };
}

function edgeConfig(origin: CountingOrigin) {
  return {
    pop: 'E2E1-C1',
    distributions: [
      {
        id: DIST,
        aliases: ['site.example.test'],
        origins: [{ id: 'origin', url: origin.url }],
        defaultCacheBehavior: { targetOriginId: 'origin' },
      },
    ],
  };
}

async function startVersionedOrigin(): Promise<{ origin: CountingOrigin; bump(): void }> {
  let version = 1;
  const origin = await startCountingOrigin((req, res) => {
    const body = `${req.url} v${version}`;
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return { origin, bump: () => version++ };
}

/** A versioned origin and an edge of `workers` processes in front of it, started before the describe's tests and closed after them. */
function versionedSiteForSuite(workers: number, credentials: TestCredentials): { origin: CountingOrigin; bump(): void; edge: RunningEdge } {
  const site = {} as { origin: CountingOrigin; bump(): void; edge: RunningEdge };
  beforeAll(async () => {
    const { origin, bump } = await startVersionedOrigin();
    Object.assign(site, { origin, bump, edge: await startEdge({ config: edgeConfig(origin), workers, credentials }) });
  });
  afterAll(async () => {
    await site.edge?.close();
    await site.origin?.close();
  });
  return site;
}

describe('edge + control API end to end (single process)', () => {
  const creds = makeTestCredentials();
  const site = versionedSiteForSuite(1, creds);

  it.skipIf(!hasAwsCli())('aws cloudfront create-invalidation drops cached paths; get-invalidation shows Completed', async () => {
    for (const p of ['/index.html', '/assets/app.js', '/a%20b/%C3%BC.html', '/keep.html']) {
      expect((await get(site.edge, p)).xCache).toMatch(/^Miss from /);
      expect(await get(site.edge, p)).toMatchObject({ xCache: expect.stringMatching(/^Hit from /), body: `${p} v1` });
    }
    site.bump();
    const env = { endpointUrl: site.edge.controlUrl, credentials: creds };
    const created = await runAws(['cloudfront', 'create-invalidation', '--distribution-id', DIST, '--paths', '/index.html', '/assets/*', '/a b/ü.html', '--output', 'json'], env);
    expect(created.stderr).not.toContain('error');
    expect(created.code).toBe(0);
    const inv = JSON.parse(created.stdout).Invalidation;
    expect(inv.Status).toBe('Completed');

    const got = await runAws(['cloudfront', 'get-invalidation', '--distribution-id', DIST, '--id', inv.Id, '--output', 'json'], env);
    expect(JSON.parse(got.stdout).Invalidation.Status).toBe('Completed');

    for (const p of ['/index.html', '/assets/app.js', '/a%20b/%C3%BC.html']) {
      expect(await get(site.edge, p)).toMatchObject({ xCache: expect.stringMatching(/^Miss from /), body: `${p} v2` });
    }
    expect(await get(site.edge, '/keep.html')).toMatchObject({ xCache: expect.stringMatching(/^Hit from /), body: '/keep.html v1' });
    expect(site.origin.count('/index.html')).toBe(2);
    expect(site.origin.count('/keep.html')).toBe(1);

    const waited = await runAws(['cloudfront', 'wait', 'invalidation-completed', '--distribution-id', DIST, '--id', inv.Id], env);
    expect(waited.code).toBe(0);
  });

  it('@aws-sdk/client-cloudfront CreateInvalidation + GetInvalidation; /metrics reflects the data plane', async () => {
    await get(site.edge, '/sdk.html');
    expect((await get(site.edge, '/sdk.html')).xCache).toMatch(/^Hit from /);
    const client = new CloudFrontClient({ endpoint: site.edge.controlUrl, region: 'eu-central-1', credentials: creds, maxAttempts: 1 });
    try {
      const created = await client.send(new CreateInvalidationCommand({ DistributionId: DIST, InvalidationBatch: { CallerReference: 'e2e-sdk', Paths: { Quantity: 1, Items: ['/sdk.html'] } } }));
      expect(created.Invalidation!.Status).toBe('Completed');
      const got = await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Invalidation!.Id! }));
      expect(got.Invalidation!.Status).toBe('Completed');
    } finally {
      client.destroy();
    }
    expect((await get(site.edge, '/sdk.html')).xCache).toMatch(/^Miss from /);

    const metrics = await (await request(new URL('/metrics', site.edge.controlUrl))).body.text();
    const hits = Number(/bucketfront_edge_requests_total\{pop="E2E1-C1",result="Hit"\} (\d+)/.exec(metrics)?.[1]);
    const misses = Number(/bucketfront_edge_requests_total\{pop="E2E1-C1",result="Miss"\} (\d+)/.exec(metrics)?.[1]);
    expect(hits).toBeGreaterThanOrEqual(1);
    expect(misses).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(/bucketfront_control_invalidations_completed_total\{[^}]*\} [1-9]/);
  });

  it('refuses unsigned control requests', async () => {
    const res = await request(new URL(`/2020-05-31/distribution/${DIST}/invalidation`, site.edge.controlUrl), { method: 'POST', body: '<InvalidationBatch/>' });
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('<Code>AccessDenied</Code>');
  });
});

describe('edge + control API end to end (2 workers)', () => {
  const creds = makeTestCredentials();
  const site = versionedSiteForSuite(2, creds);

  it('an invalidation reaches every worker before it is Completed', async () => {
    // Fill both workers' caches. Misses are collapsed across workers (one origin fetch fills both),
    // so count cache entries summed over workers, not origin requests. Parallel fresh connections
    // let the kernel hand some to each worker.
    const fetchOnce = async () => {
      const res = await request(new URL('/w.html', site.edge.url), { headers: { host: 'site.example.test', connection: 'close' } });
      return res.body.text();
    };
    const entries = async () => (await site.edge.runtime.metrics()).cacheEntries;
    for (let batch = 0; batch < 50 && (await entries()) < 2; batch++) await Promise.all(Array.from({ length: 8 }, fetchOnce));
    expect(await entries()).toBe(2);
    site.bump();
    const client = new CloudFrontClient({ endpoint: site.edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      const created = await client.send(new CreateInvalidationCommand({ DistributionId: DIST, InvalidationBatch: { CallerReference: 'e2e-workers', Paths: { Quantity: 1, Items: ['/w.html'] } } }));
      expect(created.Invalidation!.Status).toBe('Completed');
    } finally {
      client.destroy();
    }
    // Every answer now comes from v2, whichever worker serves it.
    for (let batch = 0; batch < 4; batch++) {
      expect(new Set(await Promise.all(Array.from({ length: 8 }, fetchOnce)))).toEqual(new Set(['/w.html v2']));
    }
  });
});

describe('two edges as peers, end to end', () => {
  const creds = makeTestCredentials();
  let origin: CountingOrigin;
  let bump: () => void;
  const edges: RunningEdge[] = [];

  beforeAll(async () => {
    ({ origin, bump } = await startVersionedOrigin());
    const [portA, portB] = [await freePort(), await freePort()];
    const base = edgeConfig(origin);
    edges.push(await startEdge({ config: { ...base, pop: 'PEA1-C1', peers: [`http://127.0.0.1:${portB}`] }, controlPort: portA, workers: 1, credentials: creds }));
    edges.push(await startEdge({ config: { ...base, pop: 'PEB1-C1', peers: [`http://127.0.0.1:${portA}`] }, controlPort: portB, workers: 1, credentials: creds }));
  });
  afterAll(async () => {
    await Promise.all(edges.map((e) => e.close()));
    await origin?.close();
  });

  it('an invalidation sent to one edge drops the object on both', async () => {
    const [a, b] = edges as [RunningEdge, RunningEdge];
    for (const edge of [a, b]) {
      await get(edge, '/shared.html');
      expect(await get(edge, '/shared.html')).toMatchObject({ xCache: expect.stringMatching(/^Hit from /), body: '/shared.html v1' });
    }
    bump();
    const client = new CloudFrontClient({ endpoint: a.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      const created = await client.send(new CreateInvalidationCommand({ DistributionId: DIST, InvalidationBatch: { CallerReference: 'peers-e2e', Paths: { Quantity: 1, Items: ['/shared.html'] } } }));
      expect(created.Invalidation!.Status).toBe('Completed');
    } finally {
      client.destroy();
    }
    for (const edge of [a, b]) expect(await get(edge, '/shared.html')).toMatchObject({ xCache: expect.stringMatching(/^Miss from /), body: '/shared.html v2' });
    const metricsB = await (await request(new URL('/metrics', b.controlUrl))).body.text();
    expect(metricsB).toMatch(/bucketfront_control_peer_invalidations_applied_total\{pop="PEB1-C1"\} 1/);
  });
});

/**
 * A TCP relay to a control port that holds every connection until `release()`: the peer behind it
 * applies an invalidation only when the test lets it, so "Completed only once every node applied"
 * can be observed. Bytes pass unchanged (the SigV4 signature covers the relay's Host).
 */
async function heldRelay(targetPort: number): Promise<{ url: string; held(): number; release(): void; close(): Promise<void> }> {
  let open = false;
  const waiting: Array<() => void> = [];
  const sockets = new Set<Socket>();
  let held = 0;
  const srv = createServer((client) => {
    sockets.add(client);
    client.pause();
    const pipe = (): void => {
      const upstream = connect(targetPort, '127.0.0.1');
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    };
    if (open) pipe();
    else {
      held++;
      waiting.push(pipe);
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    held: () => held,
    release() {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const x of sockets) x.destroy();
        srv.close(() => resolve());
      }),
  };
}

describe('two 2-worker edges as peers: invalidation through the control API', () => {
  const creds = makeTestCredentials();
  let origin: CountingOrigin;
  let bump: () => void;
  let a: RunningEdge;
  let b: RunningEdge;
  let relay: Awaited<ReturnType<typeof heldRelay>>;
  const paths = ['/index.html', '/assets/app.js', '/assets/css/site.css', '/keep.html'];
  const invalidated = paths.slice(0, 3);

  beforeAll(async () => {
    ({ origin, bump } = await startVersionedOrigin());
    const portA = await freePort();
    const base = edgeConfig(origin);
    // Explicit viewer ports: two clusters in one process that both ask for port 0 would share
    // node:cluster's listen handle (keyed by address:port), i.e. one socket for both edges.
    b = await startEdge({ config: { ...base, pop: 'PWB1-C1', peers: [`http://127.0.0.1:${portA}`] }, port: await freePort(), workers: 2, credentials: creds });
    relay = await heldRelay(b.controlPort);
    a = await startEdge({ config: { ...base, pop: 'PWA1-C1', peers: [relay.url] }, port: await freePort(), controlPort: portA, workers: 2, credentials: creds });
    expect(a.port).not.toBe(b.port);
  });
  afterAll(async () => {
    relay?.release();
    await Promise.all([a?.close(), b?.close()]);
    await relay?.close();
    await origin?.close();
  });

  /** One request on a fresh connection; the X-Amz-Cf-Id prefix is per process, i.e. names the worker. */
  async function once(edge: RunningEdge, path: string) {
    const res = await request(new URL(path, edge.url), { headers: { host: 'site.example.test', connection: 'close' } });
    return { worker: String(res.headers['x-amz-cf-id']).slice(0, 32), xCache: String(res.headers['x-cache']), body: await res.body.text() };
  }

  /** What every worker of `edge` answers for `path`: round-robin hands successive connections to alternate workers. */
  async function perWorker(edge: RunningEdge, path: string): Promise<Map<string, string[]>> {
    const seen = new Map<string, string[]>();
    for (let i = 0; i < 6; i++) {
      const r = await once(edge, path);
      seen.set(r.worker, [...(seen.get(r.worker) ?? []), `${r.body} ${r.xCache.split(' ')[0]}`]);
    }
    expect(seen.size, `${edge.url}${path}: ${JSON.stringify([...seen])}`).toBe(2);
    return seen;
  }

  /** Every answer of every worker, e.g. '/index.html v2 Hit' → the set of distinct 'body result' strings. */
  const answers = (m: Map<string, string[]>): Set<string> => new Set([...m.values()].flat());

  it('exact path and /assets/* visible on the next request on every worker of both edges; Completed only after the peer applied', async () => {
    const client = new CloudFrontClient({ endpoint: a.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      // Fill every worker of both edges: 4 paths × 2 workers = 8 entries per edge. Two requests
      // per path in a row, so round-robin gives each path to both workers.
      for (const edge of [a, b]) {
        const entries = async () => (await edge.runtime.metrics()).cacheEntries;
        for (let round = 0; round < 20 && (await entries()) < 8; round++)
          for (const p of paths) {
            await once(edge, p);
            await once(edge, p);
          }
        expect(await entries()).toBe(8);
        for (const p of paths) expect(answers(await perWorker(edge, p))).toEqual(new Set([`${p} v1 Hit`]));
      }
      bump();

      const created = await client.send(
        new CreateInvalidationCommand({
          DistributionId: DIST,
          InvalidationBatch: { CallerReference: 'two-by-two', Paths: { Quantity: 2, Items: ['/index.html', '/assets/*'] } },
        }),
      );
      const id = created.Invalidation!.Id!;
      // The peer has not applied it (its control port is held): not Completed, though A has.
      expect(created.Invalidation!.Status).toBe('InProgress');
      expect(relay.held()).toBeGreaterThanOrEqual(1);
      for (const p of invalidated) {
        const onA = await perWorker(a, p);
        // The next request misses, on whichever worker; the workers share one cache per host, so
        // that one fetch serves every worker after it (Hit).
        const all = [...onA.values()].flat();
        expect(
          all.filter((x) => x === `${p} v2 Miss`),
          JSON.stringify([...onA]),
        ).toHaveLength(1);
        expect([...answers(onA)].every((x) => x.startsWith(`${p} v2 `))).toBe(true);
        expect(answers(await perWorker(b, p))).toEqual(new Set([`${p} v1 Hit`]));
      }
      expect((await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }))).Invalidation!.Status).toBe('InProgress');

      relay.release();
      let status: string | undefined;
      for (let i = 0; i < 400 && status !== 'Completed'; i++) {
        status = (await client.send(new GetInvalidationCommand({ DistributionId: DIST, Id: id }))).Invalidation!.Status;
        if (status !== 'Completed') await sleep(25);
      }
      expect(status).toBe('Completed');
      // Completed: every worker of the peer serves the new version on its next request.
      for (const p of invalidated) {
        const onB = await perWorker(b, p);
        expect(
          [...onB.values()].flat().filter((x) => x === `${p} v2 Miss`),
          JSON.stringify([...onB]),
        ).toHaveLength(1);
        expect([...answers(onB)].every((x) => x.startsWith(`${p} v2 `))).toBe(true);
      }
      for (const edge of [a, b]) expect(answers(await perWorker(edge, '/keep.html'))).toEqual(new Set(['/keep.html v1 Hit']));
    } finally {
      client.destroy();
    }
    const metricsB = await (await request(new URL('/metrics', b.controlUrl))).body.text();
    expect(metricsB).toMatch(/bucketfront_control_peer_invalidations_applied_total\{pop="PWB1-C1"\} 1/);
  });
});
