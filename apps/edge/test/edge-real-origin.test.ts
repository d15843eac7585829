/**
 * The edge in front of our real origin's S3 website endpoint (apps/origin via test-support's
 * startTestOrigin): the edge itself still knows the origin only as a URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { createWebsiteBucket, edgeFor, get } from './helpers.js';
import type { RunningEdge } from '../src/index.js';

let origin: TestOrigin;
let edge: RunningEdge;
const page = '<!doctype html><title>t</title>' + '<p>hello edge</p>\n'.repeat(100);

beforeAll(async () => {
  origin = await startTestOrigin({ websitePort: true });
  const s3 = origin.s3;
  await createWebsiteBucket(s3, 'site', { listable: true, errorDocument: '404.html' });
  const put = (Key: string, Body: string, ContentType: string, CacheControl?: string) =>
    s3.send(new PutObjectCommand({ Bucket: 'site', Key, Body, ContentType, ...(CacheControl ? { CacheControl } : {}) }));
  await put('index.html', page, 'text/html', 'max-age=60');
  await put('docs/index.html', 'docs index', 'text/html');
  await put('404.html', 'not here', 'text/html');
  await put('assets/app.js', 'console.log(1);\n'.repeat(100), 'application/javascript', 'max-age=31536000, immutable');
  edge = await edgeFor({
    pop: 'TST2-C1',
    distributions: [
      {
        id: 'EREAL',
        aliases: [],
        origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: `site.s3-website-us-east-1.localhost`, connectionAttempts: 1 }],
        defaultCacheBehavior: { targetOriginId: 'web' },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await edge?.close();
  await origin?.stop();
});

describe('edge → real S3 website origin', () => {
  it('miss then hit, Cache-Control from the object metadata', async () => {
    const r1 = await get(`${edge.url}/`);
    expect(r1.status).toBe(200);
    expect(r1.body.toString()).toBe(page);
    expect(r1.headers['x-cache']).toBe('Miss from cloudfront');
    expect(r1.headers['cache-control']).toBe('max-age=60');
    const r2 = await get(`${edge.url}/`);
    expect(r2.headers['x-cache']).toBe('Hit from cloudfront');
    expect(r2.headers['etag']).toBe(r1.headers['etag']);
  });

  it('index document for subdirectories comes from the origin, not defaultRootObject', async () => {
    const r = await get(`${edge.url}/docs/`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('docs index');
  });

  it('the website 404 error document is cached as an error (10 s) and shows Error from cloudfront', async () => {
    const r = await get(`${edge.url}/missing.html`);
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe('not here');
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    const again = await get(`${edge.url}/missing.html`);
    expect(again.status).toBe(404);
    expect(again.headers['age']).toBeDefined();
  });

  it('gzip at the edge and 304 from the S3 ETag', async () => {
    const gz = await get(`${edge.url}/assets/app.js`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe('console.log(1);\n'.repeat(100));
    const plain = await get(`${edge.url}/assets/app.js`);
    const nm = await get(`${edge.url}/assets/app.js`, { 'if-none-match': plain.headers['etag']! });
    expect(nm.status).toBe(304);
  });
});
