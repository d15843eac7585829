/**
 * Range requests for objects over cache.maxObjectBytes (streamed uncached): the viewer's Range
 * reaches the origin and its 206 / 416 comes back with the edge's headers (docs/cloudfront-caching.md#range), both on
 * the first request (the full fetch is abandoned) and once the key is known to be too big.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { createWebsiteBucket, edgeFor, fixed, get, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';
import type { RunningEdge } from '../src/index.js';

const SIZE = 300_000;
const data = Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7) % 251));
const CACHE = { maxSizeBytes: 1_000_000, maxObjectBytes: 100_000 };

describe('Range on objects too big to cache — our S3 website origin', () => {
  let origin: TestOrigin;
  let edge: RunningEdge;

  beforeAll(async () => {
    origin = await startTestOrigin({ websitePort: true });
    const s3 = origin.s3;
    await createWebsiteBucket(s3, 'big');
    for (const key of ['single.bin', 'suffix.bin', 'past.bin']) {
      await s3.send(new PutObjectCommand({ Bucket: 'big', Key: key, Body: data, ContentType: 'application/octet-stream' }));
    }
    edge = await edgeFor({
      pop: 'RNG1-C1',
      cache: CACHE,
      distributions: [
        {
          id: 'ERANGE',
          aliases: [],
          origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: 'big.s3-website-us-east-1.localhost', connectionAttempts: 1 }],
          defaultCacheBehavior: { targetOriginId: 'web' },
        },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await edge?.close();
    await origin?.stop();
  });

  const originRequests = async (): Promise<number> => (await edge.runtime.metrics()).originRequests;

  const cases: Array<{ name: string; key: string; range: string; status: number; contentRange: string; body?: Buffer; xcache: string }> = [
    { name: 'single range', key: 'single.bin', range: 'bytes=10-19', status: 206, contentRange: `bytes 10-19/${SIZE}`, body: data.subarray(10, 20), xcache: 'Miss from cloudfront' },
    { name: 'suffix range', key: 'suffix.bin', range: 'bytes=-5', status: 206, contentRange: `bytes ${SIZE - 5}-${SIZE - 1}/${SIZE}`, body: data.subarray(SIZE - 5), xcache: 'Miss from cloudfront' },
    { name: 'unsatisfiable range', key: 'past.bin', range: `bytes=${SIZE + 100}-`, status: 416, contentRange: `bytes */${SIZE}`, xcache: 'Error from cloudfront' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.status} from the origin, on the first request and on the next`, async () => {
      for (const round of ['first (full fetch abandoned)', 'known too big']) {
        const before = await originRequests();
        const r = await get(`${edge.url}/${c.key}`, { range: c.range });
        const where = `${round}: ${r.status} ${r.headers['content-range']}`;
        expect(r.status, where).toBe(c.status);
        expect(r.headers['content-range'], where).toBe(c.contentRange);
        if (c.body) {
          expect(r.headers['content-length'], where).toBe(String(c.body.length));
          expect(r.body.equals(c.body), where).toBe(true);
        }
        expect(r.headers['x-cache'], where).toBe(c.xcache);
        expect(r.headers['via'], where).toMatch(/^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/);
        expect(r.headers['x-amz-cf-pop'], where).toBe('RNG1-C1');
        expect(r.headers['x-amz-cf-id'], where).toBeTruthy();
        // First: the full GET (aborted once it proved too big) + the ranged GET; then only the ranged GET.
        expect((await originRequests()) - before, where).toBe(round.startsWith('first') ? 2 : 1);
      }
      // Without Range the object still streams through whole and uncached.
      const full = await get(`${edge.url}/${c.key}`);
      expect(full.status).toBe(200);
      expect(full.body.equals(data)).toBe(true);
      expect(full.headers['x-cache']).toBe('Miss from cloudfront');
    });
  }
});

describe('Range on objects too big to cache — what reaches the origin', () => {
  let origin: TinyOrigin;
  let edge: RunningEdge;
  afterEach(async () => {
    await edge?.close();
    await origin?.close();
  });

  it('Range and If-Range are forwarded; an origin that ignores Range answers the whole object (200)', async () => {
    origin = await startTinyOrigin({ '/whole.bin': fixed(data, { 'content-type': 'application/octet-stream', etag: '"w1"' }) });
    edge = await edgeFor({ ...oneDistribution(origin.url), cache: CACHE });
    const r = await get(`${edge.url}/whole.bin`, { range: 'bytes=0-99', 'if-range': '"w1"' });
    expect(r.status).toBe(200);
    expect(r.body.equals(data)).toBe(true);
    expect(r.headers['x-cache']).toBe('Miss from cloudfront');
    const sent = origin.requests.map((q) => [q.headers['range'], q.headers['if-range']]);
    expect(sent).toEqual([
      [undefined, undefined],
      ['bytes=0-99', '"w1"'],
    ]);
    // HEAD never carries Range to the origin.
    await get(`${edge.url}/whole.bin`, { range: 'bytes=0-99' }, 'HEAD');
    expect(origin.requests[2]!.headers['range']).toBeUndefined();
  });

  it('objects that fit are still cached and ranges answered from the cache (origin sees no Range)', async () => {
    const small = data.subarray(0, 50_000);
    origin = await startTinyOrigin({ '/small.bin': fixed(small, { 'content-type': 'application/octet-stream' }) });
    edge = await edgeFor({ ...oneDistribution(origin.url), cache: CACHE });
    const r = await get(`${edge.url}/small.bin`, { range: 'bytes=-5' });
    expect(r.status).toBe(206);
    expect(r.body.equals(small.subarray(small.length - 5))).toBe(true);
    expect((await get(`${edge.url}/small.bin`, { range: 'bytes=0-0' })).headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.requests.map((q) => q.headers['range'])).toEqual([undefined]);
  });
});
