/**
 * CORS through the edge in front of the real origin's website endpoint (docs/cors.md#the-edge),
 * as CloudFront does it (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/header-caching.html#header-caching-web-cors):
 * Origin and the Access-Control-Request-* headers reach the origin only when the behavior forwards
 * them (and are then part of the cache key, so one origin's answer is never served to another);
 * OPTIONS answers are cached only when OPTIONS is among the behavior's cachedMethods.
 */
import { PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../src/index.js';
import { createWebsiteBucket, edgeFor, get } from './helpers.js';

const CORS_HEADERS = ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'];
const A = 'http://a.example';
const B = 'http://b.example';

let origin: TestOrigin;
let edge: RunningEdge | undefined;

beforeAll(async () => {
  origin = await startTestOrigin({ websitePort: true });
  await createWebsiteBucket(origin.s3, 'assets');
  await origin.s3.send(new PutObjectCommand({ Bucket: 'assets', Key: 'data.json', Body: '{}', ContentType: 'application/json', CacheControl: 'max-age=600' }));
  await origin.s3.send(
    new PutBucketCorsCommand({ Bucket: 'assets', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [A, B], AllowedMethods: ['GET'], AllowedHeaders: ['x-requested-with'], MaxAgeSeconds: 60 }] } }),
  );
}, 60_000);
afterEach(async () => {
  await edge?.close();
  edge = undefined;
});
afterAll(async () => {
  await origin?.stop();
});

function edgeWith(behavior: Record<string, unknown>): Promise<RunningEdge> {
  return edgeFor({
    pop: 'TST1-C1',
    distributions: [
      {
        id: 'ECORS',
        aliases: [],
        origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: 'assets.s3-website-us-east-1.localhost', connectionAttempts: 1 }],
        defaultCacheBehavior: { targetOriginId: 'web', ...behavior },
      },
    ],
  });
}

const preflight = (from: string) => ({ origin: from, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with' });

describe('the edge and CORS', () => {
  it('does not forward Origin when the behavior does not: no CORS headers, as CloudFront', async () => {
    edge = await edgeWith({});
    const r = await get(`${edge.url}/data.json`, { origin: A });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keys on the forwarded Origin: each origin gets its own answer, cached, with Vary kept', async () => {
    edge = await edgeWith({ cacheKey: { headers: { behavior: 'whitelist', items: CORS_HEADERS } } });
    const a1 = await get(`${edge.url}/data.json`, { origin: A });
    expect(a1.headers['access-control-allow-origin']).toBe(A);
    expect(a1.headers['vary']).toContain('Origin');
    const b1 = await get(`${edge.url}/data.json`, { origin: B });
    expect(b1.headers['x-cache']).toBe('Miss from cloudfront');
    expect(b1.headers['access-control-allow-origin']).toBe(B);
    const a2 = await get(`${edge.url}/data.json`, { origin: A });
    expect(a2.headers['x-cache']).toBe('Hit from cloudfront');
    expect(a2.headers['access-control-allow-origin']).toBe(A);
    const none = await get(`${edge.url}/data.json`);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    const other = await get(`${edge.url}/data.json`, { origin: 'http://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('caches preflights only when OPTIONS is a cached method', async () => {
    edge = await edgeWith({ allowedMethods: ['GET', 'HEAD', 'OPTIONS'], cacheKey: { headers: { behavior: 'whitelist', items: CORS_HEADERS } } });
    for (let i = 0; i < 2; i++) {
      const r = await get(`${edge.url}/data.json`, preflight(A), 'OPTIONS');
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBe(A);
      expect(r.headers['access-control-allow-headers']).toBe('x-requested-with');
      expect(r.headers['x-cache']).not.toBe('Hit from cloudfront');
    }
    await edge.close();
    edge = await edgeWith({ allowedMethods: ['GET', 'HEAD', 'OPTIONS'], cachedMethods: ['GET', 'HEAD', 'OPTIONS'], cacheKey: { headers: { behavior: 'whitelist', items: CORS_HEADERS } } });
    const first = await get(`${edge.url}/data.json`, preflight(A), 'OPTIONS');
    expect(first.headers['x-cache']).toBe('Miss from cloudfront');
    const second = await get(`${edge.url}/data.json`, preflight(A), 'OPTIONS');
    expect(second.status).toBe(200);
    expect(second.headers['x-cache']).toBe('Hit from cloudfront');
    expect(second.headers['access-control-allow-origin']).toBe(A);
    // Another origin is another key: its own answer, never A's.
    const b = await get(`${edge.url}/data.json`, preflight(B), 'OPTIONS');
    expect(b.headers['access-control-allow-origin']).toBe(B);
    const refused = await get(`${edge.url}/data.json`, preflight('http://evil.example'), 'OPTIONS');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses OPTIONS when the behavior does not allow it', async () => {
    edge = await edgeWith({});
    const r = await get(`${edge.url}/data.json`, preflight(A), 'OPTIONS');
    expect(r.status).toBe(403);
  });
});
