/**
 * Issue 18, item 1 — "a request means only what was signed", attacked as an outsider would:
 * with the real AWS SDK v3 presigner and client, botocore (boto3), and raw HTTP.
 * docs/security.md lists each defence with the test here that proves it.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ServiceException, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-s3';
import type { FinalizeHandler, FinalizeHandlerArguments } from '@smithy/types';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveSigningKey, formatAmzDate, presignUrl, sha256Hex, signRequest } from '@bucketfront/sigv4';
import { awsEnv, hasBoto3, runCommand } from '@bucketfront/test-support';
import { DISTRIBUTION_ID, SECRET, SECRET_BUCKET, SITE, http, signedHttp, startStack, type HttpResult, type Stack } from '../fixture.js';

let stack: Stack;
let port: number;
beforeAll(async () => {
  stack = await startStack();
  port = stack.origin.port;
  await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'shared.txt', Body: 'site shared' }));
  await stack.s3.send(new PutObjectCommand({ Bucket: SECRET_BUCKET, Key: 'shared.txt', Body: SECRET }));
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

/** Every x-amz-* header that changes what a request does, with a value an attacker would add. */
const DANGEROUS_HEADERS: Array<[string, string]> = [
  ['x-amz-copy-source', `${SECRET_BUCKET}/secret.txt`],
  ['x-amz-copy-source-range', 'bytes=0-3'],
  ['x-amz-copy-source-if-match', '"anything"'],
  ['x-amz-acl', 'public-read'],
  ['x-amz-grant-read', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'],
  ['x-amz-grant-full-control', 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'],
  ['x-amz-website-redirect-location', 'https://phishing.example/login'],
  ['x-amz-metadata-directive', 'REPLACE'],
  ['x-amz-meta-planted', 'by-the-browser'],
  ['x-amz-server-side-encryption', 'AES256'],
  ['x-amz-server-side-encryption-customer-algorithm', 'AES256'],
  ['x-amz-tagging', 'owner=attacker'],
];

function expectHeadersNotSigned(res: HttpResult, names: string): void {
  expect(res.status, res.body).toBe(403);
  expect(res.body).toContain('<Code>AccessDenied</Code>');
  expect(res.body).toContain('<Message>There were headers present in the request which were not signed</Message>');
  expect(res.body).toContain(`<HeadersNotSigned>${names}</HeadersNotSigned>`);
}

/** The SDK's answer to HeadObject: 200, or the status of the error. */
async function headStatus(Bucket: string, Key: string): Promise<number> {
  try {
    await stack.s3.send(new HeadObjectCommand({ Bucket, Key }));
    return 200;
  } catch (err) {
    return (err as S3ServiceException).$metadata.httpStatusCode ?? 0;
  }
}

/** A GET/PUT to 127.0.0.1 with any Host header (virtual-hosted buckets under *.localhost). */
function viaHost(method: string, host: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: pathAndQuery, headers: { ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as HttpResult['headers'], body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('x-amz-* headers the signature does not cover → 403 AccessDenied HeadersNotSigned', () => {
  it.each(DANGEROUS_HEADERS.map(([name, value], i) => ({ name, value, i })))('presigned PUT (SDK v3 presigner) + unsigned $name → 403, nothing stored', async ({ name, value, i }) => {
    const Key = `uploads/presigned-${i}.png`;
    const url = await getSignedUrl(stack.s3, new PutObjectCommand({ Bucket: SITE, Key }), { expiresIn: 300 });
    const res = await http(url, { method: 'PUT', headers: { [name]: value }, body: 'avatar bytes' });
    expectHeadersNotSigned(res, name);
    expect(await headStatus(SITE, Key)).toBe(404);
    // The URL itself still works: only the added header is refused.
    expect((await http(url, { method: 'PUT', body: 'avatar bytes' })).status).toBe(200);
  });

  it.each(DANGEROUS_HEADERS.map(([name, value], i) => ({ name, value, i })))('header-signed PUT (SDK v3 client) + $name added after signing → 403, nothing stored', async ({ name, value, i }) => {
    const Key = `uploads/header-${i}.png`;
    const client = new S3Client({
      endpoint: stack.origin.url,
      region: 'us-east-1',
      credentials: stack.origin.credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    // A proxy (or a hostile caller) adds the header to the already signed request.
    client.middlewareStack.addRelativeTo(
      (next: FinalizeHandler<ServiceInputTypes, ServiceOutputTypes>) => async (args: FinalizeHandlerArguments<ServiceInputTypes>) => {
        (args.request as { headers: Record<string, string> }).headers[name] = value;
        return next(args);
      },
      { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'addUnsignedHeader' },
    );
    try {
      const err = await client.send(new PutObjectCommand({ Bucket: SITE, Key, Body: 'avatar bytes' })).then(
        () => undefined,
        (e: unknown) => e as S3ServiceException & { HeadersNotSigned?: string },
      );
      expect(err?.$metadata.httpStatusCode).toBe(403);
      expect(err?.name).toBe('AccessDenied');
      expect(err?.message).toBe('There were headers present in the request which were not signed');
    } finally {
      client.destroy();
    }
    expect(await headStatus(SITE, Key)).toBe(404);
  });

  it('the worst case: a presigned PUT for site/uploads/avatar.png + x-amz-copy-source of a private object copies nothing', async () => {
    const url = await getSignedUrl(stack.s3, new PutObjectCommand({ Bucket: SITE, Key: 'uploads/avatar.png' }), { expiresIn: 300 });
    const res = await http(url, { method: 'PUT', headers: { 'x-amz-copy-source': `${SECRET_BUCKET}/secret.txt` } });
    expectHeadersNotSigned(res, 'x-amz-copy-source');
    expect(await headStatus(SITE, 'uploads/avatar.png')).toBe(404);
    // And the public website endpoint has nothing to show either.
    const site = await http(`${stack.origin.websiteUrl}/uploads/avatar.png`, { headers: { host: `${SITE}.s3-website-us-east-1.localhost` } });
    expect(site.body).not.toContain(SECRET);
  });

  it('several unsigned headers are all listed, lower-case, ", "-separated', async () => {
    const url = await getSignedUrl(stack.s3, new PutObjectCommand({ Bucket: SITE, Key: 'uploads/many.png' }), { expiresIn: 300 });
    const res = await http(url, { method: 'PUT', headers: { 'X-Amz-Acl': 'public-read', 'X-Amz-Meta-A': '1' }, body: 'x' });
    expectHeadersNotSigned(res, 'x-amz-acl, x-amz-meta-a');
  });

  it('what the signer did sign still works: a presigned PUT whose signature covers x-amz-acl and x-amz-meta-*', async () => {
    const url = await getSignedUrl(stack.s3, new PutObjectCommand({ Bucket: SITE, Key: 'uploads/signed-meta.png', Metadata: { owner: 'app' } }), {
      expiresIn: 300,
      unhoistableHeaders: new Set(['x-amz-meta-owner']),
    });
    expect(url).toContain('x-amz-meta-owner');
    const res = await http(url, { method: 'PUT', headers: { 'x-amz-meta-owner': 'app' }, body: 'x' });
    expect(res.status, res.body).toBe(200);
    const head = await stack.s3.send(new HeadObjectCommand({ Bucket: SITE, Key: 'uploads/signed-meta.png' }));
    expect(head.Metadata).toEqual({ owner: 'app' });
  });

  it('presigned GET without a hash in its query: an unsigned x-amz-content-sha256 is not "unsigned" but becomes the signed payload hash (SignatureDoesNotMatch unless equal)', async () => {
    // (The SDK v3 presigner puts X-Amz-Content-Sha256 in the query, which then wins; our presignUrl, like botocore, does not.)
    const url = presignUrl({ method: 'GET', url: `${stack.origin.url}/${SITE}/shared.txt`, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    expect((await http(url, { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })).status).toBe(200);
    const other = await http(url, { headers: { 'x-amz-content-sha256': sha256Hex('') } });
    expect(other.status).toBe(403);
    expect(other.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('SigV4: host must be signed', () => {
  /** Signs a GET by hand with SignedHeaders=x-amz-content-sha256;x-amz-date (no host), as an old or careless signer would. */
  function signWithoutHost(path: string): Record<string, string> {
    const now = new Date();
    const amzDate = formatAmzDate(now);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const payload = sha256Hex('');
    const canonical = ['GET', path, '', `x-amz-content-sha256:${payload}\nx-amz-date:${amzDate}\n`, 'x-amz-content-sha256;x-amz-date', payload].join('\n');
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const key = deriveSigningKey(stack.origin.credentials.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3');
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    return {
      'x-amz-date': amzDate,
      'x-amz-content-sha256': payload,
      authorization: `AWS4-HMAC-SHA256 Credential=${stack.origin.credentials.accessKeyId}/${scope}, SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=${signature}`,
    };
  }

  it("a signature made without host for the public bucket, replayed with the private bucket's Host → 403", async () => {
    const headers = signWithoutHost('/shared.txt');
    const replay = await viaHost('GET', `${SECRET_BUCKET}.localhost:${port}`, '/shared.txt', headers);
    expectHeadersNotSigned(replay, 'host');
    expect(replay.body).not.toContain(SECRET);
    // Nor does it work for the bucket it was made for.
    expectHeadersNotSigned(await viaHost('GET', `${SITE}.localhost:${port}`, '/shared.txt', headers), 'host');
  });
});

describe('SigV2: the virtual-hosted bucket is part of the signed resource', () => {
  const haveBoto3 = hasBoto3();

  /** botocore's virtual-hosted Signature V2 presigned GET (generate_presigned_url, signature_version='s3'). */
  async function botocoreV2Url(bucket: string, key: string): Promise<URL> {
    const script = [
      'import sys, boto3',
      'from botocore.config import Config',
      "c = boto3.client('s3', endpoint_url=sys.argv[1], config=Config(signature_version='s3', s3={'addressing_style': 'virtual'}))",
      "print(c.generate_presigned_url('get_object', Params={'Bucket': sys.argv[2], 'Key': sys.argv[3]}, ExpiresIn=300))",
    ].join('\n');
    const r = await runCommand('python3', ['-c', script, `http://localhost:${port}`, bucket, key], { env: awsEnv(stack.origin.credentials) });
    expect(r.code, r.stderr).toBe(0);
    return new URL(r.stdout.trim());
  }

  it.skipIf(!haveBoto3)("botocore's virtual-hosted V2 presigned URL → 200", async () => {
    const url = await botocoreV2Url(SITE, 'shared.txt');
    expect(url.host).toBe(`${SITE}.localhost:${port}`);
    const res = await viaHost('GET', url.host, url.pathname + url.search);
    expect(res.status, res.body).toBe(200);
    expect(res.body).toBe('site shared');
  });

  it.skipIf(!haveBoto3)("that URL replayed with another bucket's Host → 403", async () => {
    const url = await botocoreV2Url(SITE, 'shared.txt');
    const res = await viaHost('GET', `${SECRET_BUCKET}.localhost:${port}`, url.pathname + url.search);
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(res.body).not.toContain(SECRET);
  });

  it("a V2 URL signed over a resource without the bucket works on no Host (it used to work on every bucket's)", async () => {
    const expires = String(Math.floor(Date.now() / 1000) + 300);
    const signature = createHmac('sha1', stack.origin.credentials.secretAccessKey).update(`GET\n\n\n${expires}\n/shared.txt`).digest('base64');
    const query = `AWSAccessKeyId=${stack.origin.credentials.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`;
    for (const bucket of [SECRET_BUCKET, SITE]) {
      const res = await viaHost('GET', `${bucket}.localhost:${port}`, `/shared.txt?${query}`);
      expect(res.status, bucket).toBe(403);
      expect(res.body).not.toContain(SECRET);
    }
  });

  it.skipIf(!haveBoto3)("V2 signs every x-amz-* header: an x-amz-acl added to botocore's V2 presigned PUT → 403 SignatureDoesNotMatch, nothing stored", async () => {
    const script = [
      'import sys, boto3',
      'from botocore.config import Config',
      "c = boto3.client('s3', endpoint_url=sys.argv[1], config=Config(signature_version='s3', s3={'addressing_style': 'path'}))",
      "print(c.generate_presigned_url('put_object', Params={'Bucket': sys.argv[2], 'Key': 'uploads/v2.png'}, ExpiresIn=300))",
    ].join('\n');
    const r = await runCommand('python3', ['-c', script, stack.origin.url, SITE], { env: awsEnv(stack.origin.credentials) });
    expect(r.code, r.stderr).toBe(0);
    const url = r.stdout.trim();
    const res = await http(url, { method: 'PUT', headers: { 'x-amz-acl': 'public-read' }, body: 'x' });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(await headStatus(SITE, 'uploads/v2.png')).toBe(404);
    expect((await http(url, { method: 'PUT', body: 'x' })).status).toBe(200);
  });
});

describe('the signed payload hash holds for operations that read no body', () => {
  it('a captured signed PUT (copy source + the hash of its body) replayed without its body → 400 XAmzContentSHA256Mismatch, nothing copied', async () => {
    const url = `${stack.origin.url}/${SITE}/uploads/copied.txt`;
    const headers = { 'x-amz-copy-source': `${SECRET_BUCKET}/secret.txt` };
    const signed = signRequest({ method: 'PUT', url, headers, body: 'the body that was signed', credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const replay = await http(url, { method: 'PUT', headers: { ...headers, ...signed } });
    expect(replay.status, replay.body).toBe(400);
    expect(replay.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    expect(await headStatus(SITE, 'uploads/copied.txt')).toBe(404);
  });

  it('a body sent to an operation that reads none is hashed too: GET with another body than signed → 400', async () => {
    const url = `${stack.origin.url}/${SITE}/shared.txt`;
    const signed = signRequest({ method: 'GET', url, body: 'signed body', credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const res = await http(url, { method: 'GET', headers: signed, body: 'another body' });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    // The same request with the signed body is answered.
    expect((await http(url, { method: 'GET', headers: signed, body: 'signed body' })).status).toBe(200);
  });

  it('DeleteObject signed over a non-empty body, sent without it → 400, the object stays', async () => {
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'uploads/keep.txt', Body: 'keep' }));
    const url = `${stack.origin.url}/${SITE}/uploads/keep.txt`;
    const signed = signRequest({ method: 'DELETE', url, body: 'x', credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const res = await http(url, { method: 'DELETE', headers: signed });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
    expect(await headStatus(SITE, 'uploads/keep.txt')).toBe(200);
  });
});

describe('the verifier and the request parser decode a query by one rule (`+` is a space)', () => {
  beforeAll(async () => {
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'q/a b/space.txt', Body: 's' }));
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'q/a+b/plus.txt', Body: 'p' }));
  });

  it('a presigned list for prefix "q/a b", its %20 sent as + (as form encoders do), lists "q/a b" — the prefix that was signed', async () => {
    const url = await getSignedUrl(stack.s3, new ListObjectsV2Command({ Bucket: SITE, Prefix: 'q/a b' }), { expiresIn: 300 });
    expect(url).toContain('prefix=q%2Fa%20b');
    const res = await http(url.replace('prefix=q%2Fa%20b', 'prefix=q%2Fa+b'));
    expect(res.status, res.body).toBe(200);
    expect(res.body).toContain('<Key>q/a b/space.txt</Key>');
    expect(res.body).not.toContain('plus.txt');
  });

  it('a literal plus, sent %2B as every SDK does, means a plus to both', async () => {
    const url = await getSignedUrl(stack.s3, new ListObjectsV2Command({ Bucket: SITE, Prefix: 'q/a+b' }), { expiresIn: 300 });
    const res = await http(url);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Key>q/a+b/plus.txt</Key>');
    expect(res.body).not.toContain('space.txt');
  });

  it('a signature computed over a literal + (canonical %2B) does not verify for a query whose + the parser reads as a space', async () => {
    // Signed by hand the old way: `+` kept literal in the canonical query.
    const now = new Date();
    const amzDate = formatAmzDate(now);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const payload = sha256Hex('');
    const host = `127.0.0.1:${port}`;
    const canonical = [
      'GET',
      `/${SITE}`,
      'list-type=2&prefix=q%2Fa%2Bb',
      `host:${host}\nx-amz-content-sha256:${payload}\nx-amz-date:${amzDate}\n`,
      'host;x-amz-content-sha256;x-amz-date',
      payload,
    ].join('\n');
    const key = deriveSigningKey(stack.origin.credentials.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3');
    const signature = createHmac('sha256', key)
      .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`)
      .digest('hex');
    const res = await http(`${stack.origin.url}/${SITE}?list-type=2&prefix=q%2Fa+b`, {
      headers: {
        'x-amz-date': amzDate,
        'x-amz-content-sha256': payload,
        authorization: `AWS4-HMAC-SHA256 Credential=${stack.origin.credentials.accessKeyId}/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${signature}`,
      },
    });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });
});

describe('only one authentication mechanism, on every path', () => {
  it('a presigned GET that verified (and was cached), sent again with an Authorization header → 400 InvalidArgument', async () => {
    const url = await getSignedUrl(stack.s3, new GetObjectCommand({ Bucket: SITE, Key: 'shared.txt' }), { expiresIn: 300 });
    expect((await http(url)).status).toBe(200);
    expect((await http(url)).status).toBe(200); // served from the verified-URL cache
    const authorization = signRequest({ method: 'GET', url: `${stack.origin.url}/${SITE}/shared.txt`, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' }).authorization!;
    const res = await http(url, { headers: { authorization } });
    expect(res.status).toBe(400);
    expect(res.body).toContain('<Code>InvalidArgument</Code>');
    expect(res.body).toContain('Only one auth mechanism allowed');
  });

  it('a cached presigned GET with an unsigned x-amz-* header → 403 HeadersNotSigned', async () => {
    const url = await getSignedUrl(stack.s3, new GetObjectCommand({ Bucket: SITE, Key: 'shared.txt' }), { expiresIn: 300 });
    expect((await http(url)).status).toBe(200);
    expectHeadersNotSigned(await http(url, { headers: { 'x-amz-meta-x': '1' } }), 'x-amz-meta-x');
  });

  it('our own presignUrl (used by `bucketfront presign`) signs host and still works', async () => {
    const url = presignUrl({ method: 'GET', url: `${stack.origin.url}/${SITE}/shared.txt`, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    expect((await http(url)).status).toBe(200);
  });
});

describe('the edge control API binds the same way', () => {
  const listPath = () => `${stack.controlUrl}/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation`;
  const body = (ref: string): string =>
    `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>${ref}</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/index.html</Path></Items></Paths></InvalidationBatch>`;

  it('a signed CreateInvalidation + an unsigned x-amz-* header → 403', async () => {
    const url = listPath();
    const headers = signRequest({ method: 'POST', url, body: body('unsigned-hdr'), credentials: stack.origin.credentials, region: 'us-east-1', service: 'cloudfront' });
    const res = await http(url, { method: 'POST', headers: { ...headers, 'x-amz-meta-x': '1' }, body: body('unsigned-hdr') });
    expect(res.status, res.body).toBe(403);
    expect(res.body).toContain('There were headers present in the request which were not signed: x-amz-meta-x');
  });

  it('a control request signed without host → 403', async () => {
    const url = listPath();
    const now = new Date();
    const amzDate = formatAmzDate(now);
    const scope = `${amzDate.slice(0, 8)}/us-east-1/cloudfront/aws4_request`;
    const payload = sha256Hex('');
    const canonical = ['GET', `/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation`, '', `x-amz-date:${amzDate}\n`, 'x-amz-date', payload].join('\n');
    const key = deriveSigningKey(stack.origin.credentials.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 'cloudfront');
    const signature = createHmac('sha256', key)
      .update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`)
      .digest('hex');
    const res = await http(url, {
      headers: { 'x-amz-date': amzDate, authorization: `AWS4-HMAC-SHA256 Credential=${stack.origin.credentials.accessKeyId}/${scope}, SignedHeaders=x-amz-date, Signature=${signature}` },
    });
    expect(res.status, res.body).toBe(403);
    // Properly signed, the same list is answered.
    expect((await signedHttp(stack, 'GET', url, { service: 'cloudfront' })).status).toBe(200);
  });
});
