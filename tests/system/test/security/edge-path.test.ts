/**
 * Security — the edge decides on one normalised path (issue 18, item 2).
 * Real origin (S3 REST API, path-style buckets) + real edge on port 0; viewers are undici and raw
 * sockets (for targets no client library sends: dot segments, absolute-form); invalidations go
 * through the control API with the AWS SDK v3 CloudFront client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { createEdgeEngine, createViewerServer, EdgeConfigError, startEdge, validateEdgeConfig, type RunningEdge } from '@bucketfront/edge';
import { closeServer } from '@bucketfront/http-basics';
import { publicReadPolicy, rawRequest, statusOf, testEdgeOptions } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';

const EDGE_REFUSED_METHOD = 'not configured to allow the HTTP request method';
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];

let origin: TestOrigin;
let edge: RunningEdge;
let cloudfront: CloudFrontClient;

async function publicBucket(name: string): Promise<void> {
  await origin.s3.send(new CreateBucketCommand({ Bucket: name }));
  await origin.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: publicReadPolicy(name, { list: true }) }));
}

const put = (Bucket: string, Key: string, Body: string) => origin.s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType: 'text/plain' }));

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const r = await request(edge.url + path, { method: method as 'GET', headers: { host: 'a.test', ...headers }, body: body ?? null });
  const text = await r.body.text();
  return { status: r.statusCode, xcache: String(r.headers['x-cache'] ?? ''), body: text };
}

/** Raw request line (dot segments and absolute-form reach the edge exactly as written). */
async function raw(method: string, target: string, host: string): Promise<{ status: number | undefined; text: string }> {
  const text = await rawRequest(edge.port, `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  return { status: statusOf(text), text };
}

async function invalidate(distributionId: string, paths: string[]): Promise<void> {
  const out = await cloudfront.send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: { CallerReference: `edge-path-${Date.now()}-${Math.random()}`, Paths: { Quantity: paths.length, Items: paths } },
    }),
  );
  for (let i = 0; i < 100; i++) {
    const s = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: out.Invalidation!.Id! }));
    if (s.Invalidation?.Status === 'Completed') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('invalidation did not complete');
}

beforeAll(async () => {
  origin = await startTestOrigin();
  await publicBucket('bkt-a');
  await publicBucket('bkt-b');
  await put('bkt-a', 'api/x', 'api-v1');
  await put('bkt-a', 'p.html', 'p-v1');
  await put('bkt-a', 'd/q.html', 'q-v1');
  await put('bkt-a', 'shared.txt', 'from-a');
  await put('bkt-b', 'shared.txt', 'from-b');
  const originFor = (bucket: string) => ({ id: bucket, url: `${origin.url}/${bucket}`, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5 });
  edge = await startEdge({
    config: {
      distributions: [
        {
          id: 'EPATHA00000001',
          aliases: ['a.test'],
          origins: [originFor('bkt-a')],
          defaultCacheBehavior: { targetOriginId: 'bkt-a', minTTL: 0, defaultTTL: 3600, maxTTL: 3600 },
          cacheBehaviors: [{ pathPattern: '/api/*', targetOriginId: 'bkt-a', minTTL: 0, defaultTTL: 0, maxTTL: 0, allowedMethods: ALL_METHODS }],
        },
        {
          id: 'EPATHB00000001',
          aliases: ['b.test'],
          origins: [originFor('bkt-b')],
          defaultCacheBehavior: { targetOriginId: 'bkt-b', minTTL: 0, defaultTTL: 3600, maxTTL: 3600 },
        },
      ],
    },
    ...testEdgeOptions(origin.credentials),
  });
  cloudfront = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: origin.credentials });
});

afterAll(async () => {
  cloudfront?.destroy();
  await edge?.close();
  await origin?.stop();
});

describe('edge path normalisation (RFC 3986 §6.2.2)', () => {
  it("%XX spellings of a behavior's path get that behavior (TTL 0, methods)", async () => {
    // /api/* has TTL 0: never a Hit, and a changed object shows at once.
    for (const p of ['/%61pi/x', '/%61%70%69/x', '/%61pi/%78']) {
      const first = await get(p);
      expect(first.status).toBe(200);
      expect(first.body).toBe('api-v1');
      const second = await get(p);
      expect(second.xcache).not.toMatch(/^Hit/);
    }
    await put('bkt-a', 'api/x', 'api-v2');
    expect((await get('/%61pi/x')).body).toBe('api-v2');
    // /api/* allows PUT: the edge passes it through to the origin (which refuses the anonymous
    // write with its own AccessDenied: our origin grants anonymous access to reads only).
    const putRes = await get('/%61pi/x', { 'content-type': 'text/plain' }, 'PUT', 'api-v3');
    expect(putRes.body).not.toContain(EDGE_REFUSED_METHOD);
    expect(putRes.body).toContain('<Code>AccessDenied</Code>');
    // The default behavior still refuses PUT elsewhere.
    expect((await get('/p.html', {}, 'PUT', 'no')).body).toContain(EDGE_REFUSED_METHOD);
  });

  it('dot-segment spellings (/a/../api/x, %2E%2E) get the behavior of the resolved path', async () => {
    for (const target of ['/a/../api/x', '/a/%2e%2e/api/x', '/./api/./x']) {
      const r = await raw('DELETE', target, 'a.test');
      // Passed through to the origin (which answers for the raw key it received), not refused by the edge.
      expect(r.text).not.toContain(EDGE_REFUSED_METHOD);
      expect(r.text).toMatch(/x-amz-request-id/i);
    }
    // A spelling that resolves outside /api/* keeps the default behavior.
    expect((await raw('DELETE', '/api/../p.html', 'a.test')).text).toContain(EDGE_REFUSED_METHOD);
  });

  it('an invalidation of /p.html also removes the entries primed through /%70.html (and hex-case variants)', async () => {
    for (const p of ['/p.html', '/%70.html', '/%70%2e%68tml', '/%70%2E%68%74%6d%6c']) {
      expect((await get(p)).body).toBe('p-v1');
      expect((await get(p)).xcache).toMatch(/^Hit/);
    }
    expect((await get('/d%2fq.html')).body).toBe('q-v1');
    expect((await get('/d%2fq.html')).xcache).toMatch(/^Hit/);
    await put('bkt-a', 'p.html', 'p-v2');
    await put('bkt-a', 'd/q.html', 'q-v2');
    await invalidate('EPATHA00000001', ['/p.html', '/d%2Fq.html']);
    for (const p of ['/p.html', '/%70.html', '/%70%2e%68tml', '/%70%2E%68%74%6d%6c']) expect((await get(p)).body).toBe('p-v2');
    expect((await get('/d%2fq.html')).body).toBe('q-v2');
    // And the other way round: an invalidation spelt with escapes covers the plain path.
    await put('bkt-a', 'p.html', 'p-v3');
    await invalidate('EPATHA00000001', ['/%70.html']);
    expect((await get('/p.html')).body).toBe('p-v3');
  });
});

describe('distribution ids and cache keys', () => {
  it('distribution ids are validated as CloudFront ids (E + upper-case letters and digits)', async () => {
    const cfg = (id: string) => ({
      distributions: [{ id, origins: [{ id: 'o', url: 'http://127.0.0.1:9' }], defaultCacheBehavior: { targetOriginId: 'o' } }],
    });
    for (const bad of ['e1test', 'Eab', 'E1/X', 'E1 2', 'X123', 'E', 'E1\n']) {
      expect(() => validateEdgeConfig(cfg(bad)), bad).toThrow(EdgeConfigError);
      await expect(startEdge({ config: cfg(bad), ...testEdgeOptions(origin.credentials) }), bad).rejects.toThrow(/CloudFront distribution id/);
    }
    for (const good of ['EDFDVBD6EXAMPLE', 'E1EXAMPLE', 'EDEMO0000000001', 'E2QWRUHAPOMQZL']) expect(() => validateEdgeConfig(cfg(good)), good).not.toThrow();
  });

  it('cache keys never collide across distributions (no case folding, no forgeable separator)', async () => {
    // Built without validation on purpose: even ids differing only in case keep separate entries.
    const dist = (id: string, alias: string, bucket: string) => ({
      id,
      aliases: [alias],
      enabled: true,
      originGroups: [],
      cacheBehaviors: [],
      customErrorResponses: [],
      origins: [{ id: 'o', url: `${origin.url}/${bucket}`, connectionTimeout: 2, connectionAttempts: 1, responseTimeout: 5, keepaliveTimeout: 5 }],
      defaultCacheBehavior: {
        pathPattern: '*',
        targetOriginId: 'o',
        minTTL: 0,
        defaultTTL: 3600,
        maxTTL: 3600,
        compress: false,
        cacheKey: { queryStrings: { behavior: 'none' as const, items: [] }, headers: { behavior: 'none' as const, items: [] }, cookies: { behavior: 'none' as const, items: [] } },
        allowedMethods: ['GET', 'HEAD'],
        cachedMethods: ['GET', 'HEAD'],
      },
    });
    const engine = createEdgeEngine({
      pop: 'T1',
      productWord: 'cloudfront',
      peers: [],
      cache: { maxSizeBytes: 1 << 24, maxObjectBytes: 1 << 20 },
      distributions: [dist('EAB', 'one.test', 'bkt-a'), dist('Eab', 'two.test', 'bkt-b')],
    });
    const server = createViewerServer(engine);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const fetchVia = async (host: string) => (await request(`http://127.0.0.1:${port}/shared.txt`, { headers: { host } })).body.text();
      expect(await fetchVia('one.test')).toBe('from-a');
      expect(await fetchVia('two.test')).toBe('from-b');
      expect(await fetchVia('one.test')).toBe('from-a');
    } finally {
      await closeServer(server);
      await engine.close();
    }
  });
});

describe('routing', () => {
  it('an absolute-form request target is routed by its authority, not Host (RFC 9112 §3.2.2)', async () => {
    const r = await raw('GET', 'http://b.test/shared.txt', 'a.test');
    expect(r.status).toBe(200);
    expect(r.text).toContain('from-b');
    const r2 = await raw('GET', 'http://a.test:8080/shared.txt', 'b.test');
    expect(r2.text).toContain('from-a');
    // The path is forwarded as sent (no URL parser re-spelling it).
    const r3 = await raw('GET', 'http://a.test/%61pi/x', 'b.test');
    expect(r3.status).toBe(200);
  });

  it('a trailing-dot Host (www.example.com.) is treated as the host', async () => {
    const r = await raw('GET', '/shared.txt', 'b.test.');
    expect(r.status).toBe(200);
    expect(r.text).toContain('from-b');
    const r2 = await raw('GET', '/shared.txt', 'B.TEST.:443');
    expect(r2.text).toContain('from-b');
  });
});
