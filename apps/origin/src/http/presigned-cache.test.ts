import { presignUrl, verifyRequest, type SignedResult } from '@bucketfront/sigv4';
import { describe, expect, it } from 'vitest';
import { PresignedCache } from './presigned-cache.js';

const credentials = { accessKeyId: 'AKIDCACHE', secretAccessKey: 'cache-secret' };
const t0 = new Date('2026-11-25T10:00:00Z');

function presigned(expiresIn: number, headers?: Record<string, string>): { url: URL; result: SignedResult } {
  const url = new URL(presignUrl({ method: 'GET', url: 'http://127.0.0.1:9000/b/k', credentials, region: 'us-east-1', service: 's3', expiresIn, now: t0, ...(headers ? { headers } : {}) }));
  const result = verifyRequest(
    { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host, ...headers } },
    { lookupSecret: () => credentials.secretAccessKey, now: t0, service: 's3' },
  );
  if (result.kind !== 'signed') throw new Error(`expected a signed result, got ${result.kind}`);
  return { url, result };
}

/** A new cache asked to remember a GET URL presigned at t0, and the URL's cache key. */
function cacheRemembering(expiresIn: number, headers?: Record<string, string>) {
  const cache = new PresignedCache();
  const { url, result } = presigned(expiresIn, headers);
  const key = PresignedCache.keyOf('GET', url.host, url.pathname + url.search);
  cache.remember(key, result, url.search.slice(1), t0.getTime());
  return { cache, url, key, result };
}

describe('PresignedCache', () => {
  it('serves a verified URL until its own expiry', () => {
    const { cache, url, key, result } = cacheRemembering(30);
    expect(cache.get(key, t0.getTime() + 29_999)).toBe(result);
    expect(cache.get(key, t0.getTime() + 30_000)).toBeUndefined();
    expect(cache.get(PresignedCache.keyOf('GET', url.host, url.pathname + url.search + 'x'), t0.getTime())).toBeUndefined();
  });

  it('holds an entry one minute at most, then verification runs again', () => {
    const { cache, key, result } = cacheRemembering(3600);
    expect(cache.get(key, t0.getTime() + 59_000)).toBe(result);
    expect(cache.get(key, t0.getTime() + 60_000)).toBeUndefined();
  });

  it('does not cache URLs that sign headers besides host', () => {
    const { cache, key } = cacheRemembering(30, { 'x-amz-meta-a': 'b' });
    expect(cache.get(key, t0.getTime())).toBeUndefined();
  });

  it('only GET/HEAD with a query signature are candidates', () => {
    expect(PresignedCache.isCandidate('GET', 'X-Amz-Signature=ab', {})).toBe(true);
    expect(PresignedCache.isCandidate('PUT', 'X-Amz-Signature=ab', {})).toBe(false);
    expect(PresignedCache.isCandidate('GET', 'list-type=2', {})).toBe(false);
  });

  it('a request with an Authorization or any x-amz-* header is always verified in full', () => {
    expect(PresignedCache.isCandidate('GET', 'X-Amz-Signature=ab', { authorization: 'AWS4-HMAC-SHA256 x' })).toBe(false);
    expect(PresignedCache.isCandidate('GET', 'X-Amz-Signature=ab', { 'x-amz-acl': 'public-read' })).toBe(false);
  });
});
