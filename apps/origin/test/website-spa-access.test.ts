/**
 * The SPA fallback (bucketfront extension) under the permissions real sites use: a read-only
 * public bucket policy (s3:GetObject, no s3:ListBucket) or public-read object ACLs. Without
 * ListBucket a missing key is 403 AccessDenied, as on AWS
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html "Permissions"); the fallback
 * must still answer it, and must answer a private key exactly as an absent one.
 * Everything is set up through the S3 API with the AWS SDK and read over HTTP with undici.
 */
import { CreateBucketCommand, HeadObjectCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, type ObjectCannedACL, type WebsiteConfiguration } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;

beforeAll(async () => {
  origin = await startTestOrigin({ spaFallback: true });
});

afterAll(async () => {
  await origin?.stop();
});

const INDEX = '<!doctype html><div id=app></div>';
const ERROR_PAGE = '<h1>not here</h1>';
const host = (bucket: string) => `${bucket}.s3-website-us-east-1.localhost`;

/** The rule `bucketfront website --spa-fallback index.html` writes (and older versions wrote). */
const spaRule = (code: '403' | '404' = '404') => ({
  Condition: { HttpErrorCodeReturnedEquals: code },
  Redirect: { ReplaceKeyWith: 'index.html', HttpRedirectCode: '200' },
});

async function put(bucket: string, key: string, body: string, acl?: ObjectCannedACL, contentType = 'text/html'): Promise<void> {
  await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, ...(acl ? { ACL: acl } : {}) }));
}

async function site(bucket: string, website: WebsiteConfiguration): Promise<void> {
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await origin.s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: website }));
}

/** The README's read-only public policy, on `resources` (default: every object). */
async function readOnlyPolicy(bucket: string, resources: string[] = [`arn:aws:s3:::${bucket}/*`]): Promise<void> {
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: resources }] };
  await origin.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function get(bucket: string, path: string, init: { method?: 'GET' | 'HEAD'; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await request(`${origin.url}${path}`, { method: init.method ?? 'GET', headers: { host: host(bucket), ...init.headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** Everything a response says about the key, minus what differs per request anyway. */
function comparable(a: Answer): Answer {
  const headers = { ...a.headers };
  for (const name of ['x-amz-request-id', 'x-amz-id-2', 'date', 'connection', 'keep-alive']) delete headers[name];
  return { ...a, headers };
}

/**
 * The private `key` exists (its owner reads `size` bytes), and an anonymous GET of it answers as
 * one of `absentPath` does: the app (200, the index), alike in status, headers and body.
 */
async function expectPrivateKeyServedAsAbsent(bucket: string, key: string, size: number, absentPath: string): Promise<{ secret: Answer; absent: Answer }> {
  expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength).toBe(size);
  const secret = await get(bucket, `/${key}`);
  const absent = await get(bucket, absentPath);
  expect(absent).toMatchObject({ status: 200, body: INDEX });
  expect(comparable(secret)).toEqual(comparable(absent));
  return { secret, absent };
}

describe('SPA fallback with a read-only public bucket policy (no s3:ListBucket)', () => {
  beforeAll(async () => {
    await site('spa-policy', { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' }, RoutingRules: [spaRule()] });
    await readOnlyPolicy('spa-policy');
    await put('spa-policy', 'index.html', INDEX);
    await put('spa-policy', '404.html', ERROR_PAGE);
    await put('spa-policy', 'assets/app.js', 'console.log(1)', undefined, 'text/javascript');
  });

  it('a deep link answers 200 with index.html', async () => {
    const r = await get('spa-policy', '/users/42');
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX);
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.headers['x-amz-error-code']).toBeUndefined();
  });

  it('existing public files are served as themselves', async () => {
    const r = await get('spa-policy', '/assets/app.js');
    expect(r).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(r.headers['content-type']).toBe('text/javascript');
    expect((await get('spa-policy', '/')).body).toBe(INDEX);
  });

  it('anonymous listing is still refused', async () => {
    const r = await request(`${origin.url}/spa-policy?list-type=2`);
    expect(r.statusCode).toBe(403);
    await r.body.dump();
  });
});

describe('SPA fallback with public-read object ACLs and no bucket policy', () => {
  beforeAll(async () => {
    await site('spa-acl', { IndexDocument: { Suffix: 'index.html' }, RoutingRules: [spaRule()] });
    await put('spa-acl', 'index.html', INDEX, 'public-read');
    await put('spa-acl', 'about.html', '<p>about</p>', 'public-read');
    await put('spa-acl', 'users/42', 'private record'); // no ACL: only the owner may read it
  });

  it('a deep link answers 200 with index.html', async () => {
    const r = await get('spa-acl', '/users/43');
    expect(r).toMatchObject({ status: 200, body: INDEX });
  });

  it('a public-read file is served as itself', async () => {
    expect(await get('spa-acl', '/about.html')).toMatchObject({ status: 200, body: '<p>about</p>' });
  });

  it('a private key answers exactly as an absent one (status, headers, body; GET, HEAD, conditional GET)', async () => {
    const { secret, absent } = await expectPrivateKeyServedAsAbsent('spa-acl', 'users/42', 14, '/users/43');
    expect(secret.body).not.toContain('private record');
    const [headAbsent, headSecret] = [await get('spa-acl', '/users/43', { method: 'HEAD' }), await get('spa-acl', '/users/42', { method: 'HEAD' })];
    expect(comparable(headSecret)).toEqual(comparable(headAbsent));
    const etag = String(absent.headers.etag);
    const [condAbsent, condSecret] = [await get('spa-acl', '/users/43', { headers: { 'if-none-match': etag } }), await get('spa-acl', '/users/42', { headers: { 'if-none-match': etag } })];
    expect(condAbsent.status).toBe(304);
    expect(comparable(condSecret)).toEqual(comparable(condAbsent));
  });
});

describe('SPA fallback: a private key under a policy that grants the other keys', () => {
  beforeAll(async () => {
    // The error document is set too: it must not show through for the private key.
    await site('spa-partial', { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' }, RoutingRules: [spaRule()] });
    await readOnlyPolicy('spa-partial', ['arn:aws:s3:::spa-partial/index.html', 'arn:aws:s3:::spa-partial/404.html', 'arn:aws:s3:::spa-partial/assets/*']);
    await put('spa-partial', 'index.html', INDEX);
    await put('spa-partial', '404.html', ERROR_PAGE);
    await put('spa-partial', 'assets/a.css', 'a{}', undefined, 'text/css');
    await put('spa-partial', 'drafts/launch.html', '<p>secret launch</p>');
  });

  it('the private key exists (the owner reads it) and anonymous readers get the app, exactly as for an absent key', async () => {
    const { secret } = await expectPrivateKeyServedAsAbsent('spa-partial', 'drafts/launch.html', 20, '/drafts/nothing.html');
    expect(Object.keys(secret.headers).filter((h) => h.startsWith('x-amz-error'))).toEqual([]);
  });

  it('granted files are themselves', async () => {
    expect(await get('spa-partial', '/assets/a.css')).toMatchObject({ status: 200, body: 'a{}' });
  });
});

describe('rules written for 403 work alike; a listable bucket answers absent and private keys alike', () => {
  beforeAll(async () => {
    await site('spa-403', { IndexDocument: { Suffix: 'index.html' }, RoutingRules: [spaRule('403')] });
    // Listing granted: a missing key is 404 there, a private key 403: both get the app.
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::spa-403/index.html' },
        { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::spa-403' },
      ],
    };
    await origin.s3.send(new PutBucketPolicyCommand({ Bucket: 'spa-403', Policy: JSON.stringify(policy) }));
    await put('spa-403', 'index.html', INDEX);
    await put('spa-403', 'users/42', 'private record');
  });

  it('(as on AWS, listing makes an absent key 404 and a private key 403 for GetObject)', async () => {
    const status = async (path: string) => {
      const r = await request(`${origin.url}${path}`);
      await r.body.dump();
      return r.statusCode;
    };
    expect(await status('/spa-403/users/43')).toBe(404);
    expect(await status('/spa-403/users/42')).toBe(403);
  });

  it('absent (404) and private (403) keys both get index.html with 200', async () => {
    const absent = await get('spa-403', '/users/43');
    const secret = await get('spa-403', '/users/42');
    expect(absent).toMatchObject({ status: 200, body: INDEX });
    expect(comparable(secret)).toEqual(comparable(absent));
  });
});

describe('without an SPA rule nothing changes', () => {
  beforeAll(async () => {
    await site('plain-policy', { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } });
    await readOnlyPolicy('plain-policy');
    await put('plain-policy', 'index.html', INDEX);
    await put('plain-policy', '404.html', ERROR_PAGE);
  });

  it('a missing key is 403 with the error document, as on AWS', async () => {
    const r = await get('plain-policy', '/users/42');
    expect(r).toMatchObject({ status: 403, body: ERROR_PAGE });
    expect(r.headers['x-amz-error-code']).toBe('AccessDenied');
  });
});
