/**
 * Invalidation fan-out between edges: real control servers on 127.0.0.1, each
 * with its own recording runtime; an invalidation accepted by one edge must be
 * applied by every peer before it turns Completed.
 */
import { signRequest } from '@bucketfront/sigv4';
import { makeTestCredentials } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@bucketfront/test-support';
import { distributionFixture, edgeConfigFixture, eventually, startMutualPeers, startRecordingControl, type RecordingControl } from './fixtures/control-server.js';
import type { EdgeConfig } from '../src/control/runtime-types.js';

const DIST = 'E1TESTDIST0001';
type Creds = { accessKeyId: string; secretAccessKey: string };

const fastRetry = { initialDelayMs: 20, maxDelayMs: 100, windowMs: 60_000, attemptTimeoutMs: 5_000 };

async function signed(base: string, creds: Creds, method: string, path: string, body = '') {
  const url = new URL(path, base);
  const headers = signRequest({ method, url, body, credentials: creds, region: 'us-east-1', service: 'cloudfront' });
  const res = await request(url, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

function createInvalidation(base: string, creds: Creds, paths: string[], ref: string) {
  const body = `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>${ref}</CallerReference><Paths><Quantity>${paths.length}</Quantity><Items>${paths.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths></InvalidationBatch>`;
  return signed(base, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, body);
}

async function statusOf(base: string, creds: Creds, id: string): Promise<string | undefined> {
  const res = await signed(base, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation/${id}`);
  return tag(res.text, 'Status');
}

async function metric(base: string, name: string): Promise<number> {
  const res = await request(new URL('/metrics', base));
  const text = await res.body.text();
  return Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
}

type Edge = RecordingControl;

const started: Edge[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function startEdge(creds: Creds, opts: { port?: number; distributions?: EdgeConfig['distributions']; peers?: string[]; createWaitMs?: number; windowMs?: number } = {}): Promise<Edge> {
  const config = edgeConfigFixture({ peers: opts.peers ?? [], ...(opts.distributions ? { distributions: opts.distributions } : {}) });
  const edge = await startRecordingControl(config, {
    credentials: creds,
    createWaitMs: opts.createWaitMs ?? 100,
    peerRetry: { ...fastRetry, ...(opts.windowMs ? { windowMs: opts.windowMs } : {}) },
    port: opts.port,
  });
  started.push(edge);
  return edge;
}

describe('peer fan-out', () => {
  it('reaches both runtimes and turns Completed only after the slow peer applied', async () => {
    const creds = makeTestCredentials();
    // Mutual peers: B must apply A's invalidation without sending it back.
    const [a, b] = await startMutualPeers(() => startEdge(creds));
    b.runtime.hold();

    const res = await createInvalidation(a.server.url, creds, ['/index.html', '/ü/*'], 'fan-1');
    expect(res.status).toBe(201);
    expect(tag(res.text, 'Status')).toBe('InProgress');
    const id = tag(res.text, 'Id')!;
    expect(a.runtime.applied).toEqual([{ distributionId: DIST, paths: ['/index.html', '/%C3%BC/*'] }]);
    await eventually(() => b.runtime.received.length === 1);
    expect(b.runtime.received).toEqual([{ distributionId: DIST, paths: ['/index.html', '/%C3%BC/*'] }]);
    expect(b.runtime.applied).toEqual([]);
    expect(await statusOf(a.server.url, creds, id)).toBe('InProgress');

    b.runtime.release();
    await eventually(async () => (await statusOf(a.server.url, creds, id)) === 'Completed');
    expect(await statusOf(a.server.url, creds, id)).toBe('Completed');
    expect(b.runtime.applied).toEqual([{ distributionId: DIST, paths: ['/index.html', '/%C3%BC/*'] }]);
    // No echo: A applied once, B did not fan out again, and B keeps no record of its own.
    expect(a.runtime.received.length).toBe(1);
    const onB = await signed(b.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation/${id}`);
    expect(onB.status).toBe(404);
    expect(await metric(b.server.url, 'bucketfront_control_peer_invalidations_applied_total')).toBe(1);
    expect(await metric(a.server.url, 'bucketfront_control_invalidations_completed_total')).toBe(1);
  });

  it('retries a peer that is down until it comes up, then completes', async () => {
    const creds = makeTestCredentials();
    const port = await freePort();
    const a = await startEdge(creds, { peers: [`http://127.0.0.1:${port}`] });
    const res = await createInvalidation(a.server.url, creds, ['/late.html'], 'late-1');
    expect(tag(res.text, 'Status')).toBe('InProgress');
    const id = tag(res.text, 'Id')!;

    const b = await startEdge(creds, { port });
    await eventually(async () => (await statusOf(a.server.url, creds, id)) === 'Completed');
    expect(await statusOf(a.server.url, creds, id)).toBe('Completed');
    expect(b.runtime.applied).toEqual([{ distributionId: DIST, paths: ['/late.html'] }]);
  });

  it('a peer that does not serve the distribution has nothing to invalidate: Completed', async () => {
    const creds = makeTestCredentials();
    const b = await startEdge(creds, { distributions: [distributionFixture('E9SOMETHINGELSE')] });
    const seenByB: string[] = [];
    b.server.server.on('request', (req: { method?: string; url?: string }) => seenByB.push(`${req.method} ${req.url}`));
    const a = await startEdge(creds, { peers: [b.server.url] });
    const res = await createInvalidation(a.server.url, creds, ['/x.html'], 'other-1');
    const id = tag(res.text, 'Id')!;
    await eventually(async () => (await statusOf(a.server.url, creds, id)) === 'Completed');
    expect(await statusOf(a.server.url, creds, id)).toBe('Completed');
    expect(b.runtime.received).toEqual([]);
    expect(seenByB).toEqual([`POST /2020-05-31/distribution/${DIST}/invalidation`]);
  });

  it('a peer that refuses our credentials is not retried; the invalidation stays InProgress and is reported', async () => {
    const creds = makeTestCredentials();
    const b = await startEdge(makeTestCredentials());
    const a = await startEdge(creds, { peers: [b.server.url] });
    const res = await createInvalidation(a.server.url, creds, ['/x.html'], 'denied-1');
    const id = tag(res.text, 'Id')!;
    await eventually(async () => (await metric(a.server.url, 'bucketfront_control_invalidations_failed_total')) === 1);
    expect(await metric(a.server.url, 'bucketfront_control_invalidations_failed_total')).toBe(1);
    expect(await metric(a.server.url, 'bucketfront_control_peer_send_failures_total')).toBe(1);
    expect(await statusOf(a.server.url, creds, id)).toBe('InProgress');
    expect(a.logs.join('\n')).toMatch(/not acknowledged by http:\/\/127\.0\.0\.1:\d+: .*HTTP 403 InvalidClientTokenId/);
    expect(b.runtime.received).toEqual([]);
  });

  it('gives up on an unreachable peer after the retry window; the invalidation stays InProgress', async () => {
    const creds = makeTestCredentials();
    const port = await freePort();
    const a = await startEdge(creds, { peers: [`http://127.0.0.1:${port}`], windowMs: 200 });
    const res = await createInvalidation(a.server.url, creds, ['/gone.html'], 'gone-1');
    const id = tag(res.text, 'Id')!;
    await eventually(async () => (await metric(a.server.url, 'bucketfront_control_invalidations_failed_total')) === 1);
    expect(await metric(a.server.url, 'bucketfront_control_invalidations_failed_total')).toBe(1);
    expect(await statusOf(a.server.url, creds, id)).toBe('InProgress');
    expect(a.runtime.applied.length).toBe(1);
  });
});
