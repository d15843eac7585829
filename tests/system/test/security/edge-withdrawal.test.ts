/**
 * Security — the edge stops serving what the origin withdrew, and origin-encoded objects are cached
 * once and readable by every viewer (issue 18, item 3). Real origin (S3 REST API, path-style) and
 * real edge on port 0; objects written and deleted with the AWS SDK v3; viewers are undici (which
 * does not decode bodies, so the bytes on the wire are checked); origin fetches are counted from
 * the origin's access log.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, DeleteObjectCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { startEdge, type RunningEdge } from '@bucketfront/edge';
import { publicReadPolicy, testEdgeOptions } from '@bucketfront/test-support';
import { startTestOrigin, type OriginAccessLogEntry, type TestOrigin } from '@bucketfront/origin/testing';

const BUCKET = 'withdraw';
let origin: TestOrigin;
let edge: RunningEdge;
let stopped = false;
const log: OriginAccessLogEntry[] = [];
const originGets = (key: string) => log.filter((e) => e.method === 'GET' && e.key === key);

async function get(path: string, headers: Record<string, string> = {}) {
  const r = await request(edge.url + path, { headers });
  const body = Buffer.from(await r.body.arrayBuffer());
  const h = (n: string) => {
    const v = r.headers[n];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return { status: r.statusCode, body, xcache: h('x-cache') ?? '', encoding: h('content-encoding'), length: h('content-length'), vary: h('vary') ?? '', etag: h('etag') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  origin = await startTestOrigin({ accessLog: (e) => log.push(e) });
  await origin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  // GetObject only (no ListBucket): a missing key is 403 AccessDenied, as on S3 — not cacheable
  // without max-age, which is what left the old 200 in the store.
  await origin.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: publicReadPolicy(BUCKET) }));
  edge = await startEdge({
    config: {
      distributions: [
        {
          id: 'EWITHDRAW00001',
          origins: [{ id: 'o', url: `${origin.url}/${BUCKET}`, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5 }],
          defaultCacheBehavior: { targetOriginId: 'o', minTTL: 0, defaultTTL: 3600, maxTTL: 3600, compress: true },
        },
      ],
    },
    ...testEdgeOptions(origin.credentials),
  });
});

afterAll(async () => {
  await edge?.close();
  if (!stopped) await origin?.stop();
});

describe('withdrawn objects (RFC 9111 §4.3.3)', () => {
  it('a deleted object behind stale-while-revalidate stops being served on the next request after the refresh', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone.txt', Body: 'still here', ContentType: 'text/plain', CacheControl: 'max-age=1, stale-while-revalidate=60' }));
    expect((await get('/gone.txt')).xcache).toMatch(/^Miss/);
    expect((await get('/gone.txt')).xcache).toMatch(/^Hit/);
    await origin.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));
    await sleep(2_100); // past max-age, inside the stale-while-revalidate window
    const before = originGets('gone.txt').length;
    const stale = await get('/gone.txt');
    expect(stale.status).toBe(200); // RFC 5861: served stale at once, refreshed in the background
    expect(stale.xcache).toMatch(/^Hit/);
    // Wait for the background refresh to reach the origin and come back (403: the object is gone).
    for (
      let i = 0;
      i < 100 &&
      !originGets('gone.txt')
        .slice(before)
        .some((e) => e.status === 403);
      i++
    )
      await sleep(20);
    expect(
      originGets('gone.txt')
        .slice(before)
        .map((e) => e.status),
    ).toContain(403);
    await sleep(100); // the edge finishes reading the 403
    const next = await get('/gone.txt');
    expect(next.status).toBe(403);
    expect(next.body.toString()).not.toContain('still here');
  });
});

describe('origin-encoded objects (Content-Encoding: gzip from the origin)', () => {
  it('are fetched once and every viewer gets bytes it can read (gzip as is, identity decoded)', async () => {
    const text = 'origin-compressed text; '.repeat(200);
    const gz = gzipSync(Buffer.from(text));
    await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'z.txt', Body: gz, ContentType: 'text/plain', ContentEncoding: 'gzip' }));
    const viewers: Array<[string | undefined, 'gzip' | 'identity']> = [
      ['gzip', 'gzip'],
      ['br, gzip', 'gzip'],
      ['gzip;q=1, br;q=0.5', 'gzip'],
      ['identity', 'identity'],
      [undefined, 'identity'],
      ['br', 'identity'],
      ['gzip;q=0', 'identity'],
    ];
    for (const [ae, want] of viewers) {
      const r = await get('/z.txt', ae === undefined ? {} : { 'accept-encoding': ae });
      expect(r.status, String(ae)).toBe(200);
      if (want === 'gzip') {
        expect(r.encoding, String(ae)).toBe('gzip');
        expect(r.body.equals(gz), String(ae)).toBe(true);
        expect(gunzipSync(r.body).toString()).toBe(text);
      } else {
        expect(r.encoding, String(ae)).toBeUndefined();
        expect(r.body.toString(), String(ae)).toBe(text);
        expect(r.etag ?? '', String(ae)).toMatch(/^(W\/|$)/); // a transformed body never carries the strong ETag
      }
      expect(Number(r.length)).toBe(r.body.length);
      expect(r.vary.toLowerCase()).toContain('accept-encoding');
    }
    expect(originGets('z.txt')).toHaveLength(1);
  });
});

describe('withdrawn objects and stale-if-error (runs last: it stops the origin)', () => {
  it('after a conditional refetch answered 403, an origin outage does not bring the deleted object back', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'gone2.txt', Body: 'old secret', ContentType: 'text/plain', CacheControl: 'max-age=1, stale-if-error=600' }));
    expect((await get('/gone2.txt')).status).toBe(200);
    await origin.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone2.txt' }));
    await sleep(1_100);
    expect((await get('/gone2.txt')).status).toBe(403); // the revalidation's full answer
    await origin.stop();
    stopped = true;
    const during = await get('/gone2.txt');
    expect(during.body.toString()).not.toContain('old secret');
    expect(during.status).toBeGreaterThanOrEqual(500); // the outage, not the withdrawn object
  });
});
