/**
 * CORS against the real origin (docs/cors.md): Put/Get/DeleteBucketCors through the `aws` CLI,
 * bad configurations refused with S3's codes (nothing stored), raw undici preflights on the
 * path-style and virtual-hosted API, and the Access-Control-* headers of actual requests.
 */
import { createHash } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { hasAwsCli, runAws } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const RULES = {
  CORSRules: [
    { ID: 'site', AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['https://site.example'], AllowedHeaders: ['x-amz-*', 'range'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
    { AllowedMethods: ['PUT'], AllowedOrigins: ['*'] },
  ],
};

let origin: TestOrigin;
const bucket = 'cors-bucket';

async function signedPutCors(body: string, withMd5 = true) {
  const url = `${origin.url}/${bucket}?cors`;
  const headers: Record<string, string> = withMd5 ? { 'content-md5': createHash('md5').update(body).digest('base64') } : {};
  const auth = signRequest({ method: 'PUT', url, headers, body, credentials: origin.credentials, region: 'us-east-1', service: 's3' });
  const res = await request(url, { method: 'PUT', headers: { ...headers, ...auth }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

async function options(path: string, headers: Record<string, string>, host?: string) {
  const res = await request(`${origin.url}${path}`, { method: 'OPTIONS', headers: host ? { ...headers, host } : headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'data.json', Body: '{"ok":true}', ContentType: 'application/json', ACL: 'public-read' }));
});
afterAll(async () => {
  await origin?.stop();
});

describe.skipIf(!hasAwsCli())('the aws CLI', () => {
  const aws = (args: string[]) => runAws(args, { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 });

  it('put-bucket-cors, get-bucket-cors gives the rules back, delete-bucket-cors → NoSuchCORSConfiguration', async () => {
    const none = await aws(['s3api', 'get-bucket-cors', '--bucket', bucket]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('NoSuchCORSConfiguration');

    const put = await aws(['s3api', 'put-bucket-cors', '--bucket', bucket, '--cors-configuration', JSON.stringify(RULES)]);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    const got = await aws(['s3api', 'get-bucket-cors', '--bucket', bucket]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual(RULES);

    expect((await aws(['s3api', 'delete-bucket-cors', '--bucket', bucket])).code).toBe(0);
    const gone = await aws(['s3api', 'get-bucket-cors', '--bucket', bucket]);
    expect(gone.stderr).toContain('NoSuchCORSConfiguration');
  });
});

describe('bad configurations: S3 codes, nothing stored', () => {
  const good = '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://kept.example</AllowedOrigin></CORSRule></CORSConfiguration>';
  beforeAll(async () => {
    expect((await signedPutCors(good)).status).toBe(200);
  });

  it.each([
    ['malformed XML', '<CORSConfiguration><CORSRule>', 400, 'MalformedXML'],
    ['a bad method', '<CORSConfiguration><CORSRule><AllowedMethod>PATCH</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>', 400, 'Unsupported method is PATCH'],
    ['two wildcards', '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*.*</AllowedOrigin></CORSRule></CORSConfiguration>', 400, 'can not have more than one wildcard'],
  ])('%s → %s', async (_name, body, status, text) => {
    const r = await signedPutCors(body);
    expect(r.status).toBe(status);
    expect(r.text).toContain(text);
    const still = await origin.s3.send(new (await import('@aws-sdk/client-s3')).GetBucketCorsCommand({ Bucket: bucket }));
    expect(still.CORSRules?.[0]?.AllowedOrigins).toEqual(['https://kept.example']);
  });

  it('without Content-MD5 → InvalidRequest, as S3 requires it', async () => {
    const r = await signedPutCors(good.replace('kept', 'other'), false);
    expect(r.status).toBe(400);
    expect(r.text).toContain('Missing required header for this request: Content-MD5');
  });
});

describe('preflights and actual requests (raw undici)', () => {
  beforeAll(async () => {
    const xml =
      '<CORSConfiguration><CORSRule><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>range</AllowedHeader><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>https://site.example</AllowedOrigin><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>' +
      '<CORSRule><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>';
    expect((await signedPutCors(xml)).status).toBe(200);
  });

  it('an allowed preflight → 200 with the rule headers (path-style and virtual-hosted)', async () => {
    const headers = { origin: 'https://site.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'Range, X-Amz-Date' };
    for (const [path, host] of [
      [`/${bucket}/data.json`, undefined],
      ['/data.json', `${bucket}.localhost`],
    ] as const) {
      const r = await options(path, headers, host);
      expect(r.status).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBe('https://site.example');
      expect(r.headers['access-control-allow-methods']).toBe('GET, HEAD');
      expect(r.headers['access-control-allow-headers']).toBe('range, x-amz-date');
      expect(r.headers['access-control-expose-headers']).toBe('ETag');
      expect(r.headers['access-control-max-age']).toBe('600');
      expect(r.headers['vary']).toContain('Origin');
    }
  });

  it('a wildcard rule answers `*`', async () => {
    const r = await options(`/${bucket}/x`, { origin: 'https://any.example', 'access-control-request-method': 'PUT' });
    expect(r.status).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('*');
  });

  it('refused preflights: 403 AccessForbidden; 400 without Origin or method', async () => {
    const denied = await options(`/${bucket}/data.json`, { origin: 'https://evil.example', 'access-control-request-method': 'GET' });
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('<Code>AccessForbidden</Code>');
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const header = await options(`/${bucket}/data.json`, { origin: 'https://site.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'content-type' });
    expect(header.status).toBe(403);
    expect((await options(`/${bucket}/data.json`, { 'access-control-request-method': 'GET' })).status).toBe(400);
    expect((await options(`/${bucket}/data.json`, { origin: 'https://site.example' })).status).toBe(400);
  });

  it('a bucket without CORS → 403 "CORS is not enabled for this bucket."', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'cors-none' }));
    const r = await options('/cors-none/x', { origin: 'https://site.example', 'access-control-request-method': 'GET' });
    expect(r.status).toBe(403);
    expect(r.text).toContain('CORS is not enabled for this bucket.');
  });

  it('actual requests: headers when a rule matches (errors too), none otherwise', async () => {
    const ok = await request(`${origin.url}/${bucket}/data.json`, { headers: { origin: 'https://site.example' } });
    await ok.body.text();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://site.example');
    expect(ok.headers['access-control-expose-headers']).toBe('ETag');

    const missing = await request(`${origin.url}/${bucket}/nope`, { headers: { origin: 'https://site.example' } });
    await missing.body.text();
    expect(missing.statusCode).toBe(403);
    expect(missing.headers['access-control-allow-origin']).toBe('https://site.example');

    const other = await request(`${origin.url}/${bucket}/data.json`, { headers: { origin: 'https://evil.example' } });
    await other.body.text();
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const plain = await request(`${origin.url}/${bucket}/data.json`);
    await plain.body.text();
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the website endpoint', () => {
  const site = `${bucket}.s3-website-us-east-1.localhost`;
  beforeAll(async () => {
    const { PutBucketWebsiteCommand } = await import('@aws-sdk/client-s3');
    await origin.s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  });

  it('answers preflights from the bucket CORS rules', async () => {
    const ok = await options('/data.json', { origin: 'https://site.example', 'access-control-request-method': 'GET' }, site);
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://site.example');
    const denied = await options('/data.json', { origin: 'https://evil.example', 'access-control-request-method': 'GET' }, site);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('AccessForbidden');
  });

  it('adds the headers to a GET whose Origin a rule allows, not to others', async () => {
    const ok = await request(`${origin.url}/data.json`, { headers: { host: site, origin: 'https://site.example' } });
    expect(await ok.body.text()).toBe('{"ok":true}');
    expect(ok.headers['access-control-allow-origin']).toBe('https://site.example');
    const other = await request(`${origin.url}/data.json`, { headers: { host: site, origin: 'https://evil.example' } });
    await other.body.text();
    expect(other.statusCode).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
