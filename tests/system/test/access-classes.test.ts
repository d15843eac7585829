/**
 * The authorization class of every S3 operation: anonymous, wrong access key,
 * wrong secret, and properly signed, against a private bucket; anonymous reads
 * and writes against a public one; and private buckets through the website
 * endpoint and the edge.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-overview.html
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge } from '@bucketfront/edge';
import type { OriginAccessLogEntry } from '@bucketfront/origin/testing';
import { http, signedHttp, SITE, startStack, type HttpResult, type Stack } from './fixture.js';

const PRIVATE = 'acl-private';
const CONTENT = 'private-object-content-91c2';

let stack: Stack;
/** The origin's access log by request id: which operation each request reached. */
const accessLog = new Map<string, OriginAccessLogEntry>();
beforeAll(async () => {
  stack = await startStack({ accessLog: (entry) => accessLog.set(entry.requestId, entry) });
  await stack.s3.send(new CreateBucketCommand({ Bucket: PRIVATE }));
  await stack.s3.send(new PutObjectCommand({ Bucket: PRIVATE, Key: 'k', Body: CONTENT }));
  await stack.s3.send(new PutObjectCommand({ Bucket: PRIVATE, Key: 'index.html', Body: CONTENT, ContentType: 'text/html' }));
  await stack.s3.send(new PutBucketWebsiteCommand({ Bucket: PRIVATE, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
});
afterAll(async () => {
  await stack?.close();
});

interface Operation {
  /** The AWS operation name, optionally followed by a note in parentheses. */
  op: string;
  /** The file in apps/origin/src/s3/handlers/ that serves it; default: the operation name. */
  handler?: string;
  method: Dispatcher.HttpMethod;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** For operations outside the documented scope: the S3 error an authorized request gets. */
  unsupported?: { status: number; code: string };
}

const md5b64 = (s: string): string => createHash('md5').update(s).digest('base64');
const deleteBody = '<Delete><Object><Key>gone</Key></Object></Delete>';
const websiteBody = '<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>';
const policyBody = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${PRIVATE}/nothing/*` }] });
const encryptionBody =
  '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>';
const formBoundary = 'access-classes-form';
const postObjectBody = [
  `--${formBoundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nposted\r\n`,
  `--${formBoundary}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n\r\nform bytes\r\n`,
  `--${formBoundary}--\r\n`,
].join('');
const corsBody = '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>https://example.com</AllowedOrigin></CORSRule></CORSConfiguration>';
const publicAccessBlockBody = '<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>false</BlockPublicAcls></PublicAccessBlockConfiguration>';
const ownershipBody = '<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>';
const completeBody = '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>';

/** Every operation of the origin, aimed at the private bucket; none destroys the fixture. */
const operations: Operation[] = [
  { op: 'ListBuckets', method: 'GET', path: '/' },
  { op: 'CreateBucket', method: 'PUT', path: '/acl-created-bucket' },
  { op: 'DeleteBucket (not empty)', method: 'DELETE', path: `/${PRIVATE}` },
  { op: 'HeadBucket', method: 'HEAD', path: `/${PRIVATE}` },
  { op: 'GetBucketLocation', method: 'GET', path: `/${PRIVATE}?location` },
  { op: 'ListObjects', method: 'GET', path: `/${PRIVATE}` },
  { op: 'ListObjectsV2', method: 'GET', path: `/${PRIVATE}?list-type=2` },
  { op: 'PutObject', method: 'PUT', path: `/${PRIVATE}/written`, body: 'w' },
  {
    op: 'PostObject (a form without policy: the caller needs s3:PutObject)',
    method: 'POST',
    path: `/${PRIVATE}`,
    body: postObjectBody,
    headers: { 'content-type': `multipart/form-data; boundary=${formBoundary}` },
  },
  { op: 'GetObject', method: 'GET', path: `/${PRIVATE}/k` },
  { op: 'HeadObject', method: 'HEAD', path: `/${PRIVATE}/k` },
  { op: 'CopyObject', method: 'PUT', path: `/${PRIVATE}/copied`, headers: { 'x-amz-copy-source': `/${PRIVATE}/k` } },
  { op: 'DeleteObject', method: 'DELETE', path: `/${PRIVATE}/does-not-exist` },
  { op: 'DeleteObjects', method: 'POST', path: `/${PRIVATE}?delete`, body: deleteBody, headers: { 'content-md5': md5b64(deleteBody) } },
  { op: 'CreateMultipartUpload', method: 'POST', path: `/${PRIVATE}/mp?uploads` },
  { op: 'UploadPart', method: 'PUT', path: `/${PRIVATE}/mp?partNumber=1&uploadId=nope`, body: 'p' },
  { op: 'UploadPartCopy', method: 'PUT', path: `/${PRIVATE}/mp?partNumber=1&uploadId=nope`, headers: { 'x-amz-copy-source': `/${PRIVATE}/k` } },
  { op: 'CompleteMultipartUpload', method: 'POST', path: `/${PRIVATE}/mp?uploadId=nope`, body: completeBody },
  { op: 'AbortMultipartUpload', method: 'DELETE', path: `/${PRIVATE}/mp?uploadId=nope` },
  { op: 'ListParts', method: 'GET', path: `/${PRIVATE}/mp?uploadId=nope` },
  { op: 'ListMultipartUploads', method: 'GET', path: `/${PRIVATE}?uploads` },
  // Before PutBucketWebsite: the signed run deletes the private bucket's website configuration
  // and the next row puts it back (the website-endpoint tests below rely on it).
  { op: 'DeleteBucketWebsite', method: 'DELETE', path: `/${PRIVATE}?website` },
  { op: 'PutBucketWebsite', method: 'PUT', path: `/${PRIVATE}?website`, body: websiteBody },
  { op: 'GetBucketWebsite', method: 'GET', path: `/${PRIVATE}?website` },
  { op: 'PutBucketPolicy', method: 'PUT', path: `/${PRIVATE}?policy`, body: policyBody },
  { op: 'GetBucketPolicy', method: 'GET', path: `/${PRIVATE}?policy` },
  { op: 'DeleteBucketPolicy', method: 'DELETE', path: `/${PRIVATE}?policy` },
  { op: 'PutBucketEncryption', method: 'PUT', path: `/${PRIVATE}?encryption`, body: encryptionBody },
  { op: 'GetBucketEncryption', method: 'GET', path: `/${PRIVATE}?encryption` },
  { op: 'DeleteBucketEncryption', method: 'DELETE', path: `/${PRIVATE}?encryption` },
  // An empty configuration: it removes none the fixture has, and names no destination.
  { op: 'PutBucketNotificationConfiguration', method: 'PUT', path: `/${PRIVATE}?notification`, body: '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>' },
  { op: 'GetBucketNotificationConfiguration', method: 'GET', path: `/${PRIVATE}?notification` },
  { op: 'PutBucketAcl', method: 'PUT', path: `/${PRIVATE}?acl`, headers: { 'x-amz-acl': 'private' } },
  { op: 'GetBucketAcl', method: 'GET', path: `/${PRIVATE}?acl` },
  { op: 'GetBucketCors', method: 'GET', path: `/${PRIVATE}?cors` },
  { op: 'GetBucketVersioning', method: 'GET', path: `/${PRIVATE}?versioning` },
  // Without a Status: the fixture's bucket stays never versioned.
  { op: 'PutBucketVersioning', method: 'PUT', path: `/${PRIVATE}?versioning`, body: '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>' },
  { op: 'PutObjectAcl', method: 'PUT', path: `/${PRIVATE}/k?acl`, headers: { 'x-amz-acl': 'private' } },
  { op: 'GetObjectAcl', method: 'GET', path: `/${PRIVATE}/k?acl` },
  { op: 'PutObjectTagging', method: 'PUT', path: `/${PRIVATE}/k?tagging`, body: '<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>' },
  { op: 'GetObjectTagging', method: 'GET', path: `/${PRIVATE}/k?tagging` },
  { op: 'DeleteObjectTagging', method: 'DELETE', path: `/${PRIVATE}/k?tagging` },
  { op: 'GetObjectAttributes', method: 'GET', path: `/${PRIVATE}/k?attributes`, headers: { 'x-amz-object-attributes': 'ETag,ObjectSize' } },
  { op: 'GetObjectTorrent', method: 'GET', path: `/${PRIVATE}/k?torrent` },
  { op: 'ListObjectVersions', method: 'GET', path: `/${PRIVATE}?versions` },
  { op: 'PutBucketCors', method: 'PUT', path: `/${PRIVATE}?cors`, body: corsBody, headers: { 'content-md5': md5b64(corsBody) } },
  { op: 'DeleteBucketCors', method: 'DELETE', path: `/${PRIVATE}?cors` },
  { op: 'PutPublicAccessBlock', method: 'PUT', path: `/${PRIVATE}?publicAccessBlock`, body: publicAccessBlockBody },
  { op: 'GetPublicAccessBlock', method: 'GET', path: `/${PRIVATE}?publicAccessBlock` },
  { op: 'DeletePublicAccessBlock', method: 'DELETE', path: `/${PRIVATE}?publicAccessBlock` },
  { op: 'PutBucketOwnershipControls', method: 'PUT', path: `/${PRIVATE}?ownershipControls`, body: ownershipBody },
  { op: 'GetBucketOwnershipControls', method: 'GET', path: `/${PRIVATE}?ownershipControls` },
  { op: 'DeleteBucketOwnershipControls', method: 'DELETE', path: `/${PRIVATE}?ownershipControls` },
  { op: 'GetBucketPolicyStatus', method: 'GET', path: `/${PRIVATE}?policyStatus` },
  // An empty status: logging stays off.
  { op: 'PutBucketLogging', method: 'PUT', path: `/${PRIVATE}?logging`, body: '<BucketLoggingStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>' },
  { op: 'GetBucketLogging', method: 'GET', path: `/${PRIVATE}?logging` },
  {
    op: 'GetBucketTagging (unsupported by design: no tag set, as AWS for an untagged bucket)',
    handler: 'NotImplemented',
    method: 'GET',
    path: `/${PRIVATE}?tagging`,
    unsupported: { status: 404, code: 'NoSuchTagSet' },
  },
  {
    op: 'PutBucketTagging (unsupported by design: 501, README limits)',
    handler: 'NotImplemented',
    method: 'PUT',
    path: `/${PRIVATE}?tagging`,
    body: '<Tagging><TagSet/></Tagging>',
    unsupported: { status: 501, code: 'NotImplemented' },
  },
];

/**
 * CORS preflights (OPTIONS) are never signed and never AccessDenied: S3 answers them from the
 * bucket's CORS configuration alone (403 AccessForbidden without one). apps/origin/test/cors.test.ts
 * covers them; here only that they leak nothing.
 */
const preflights: Operation[] = [
  { op: 'OptionsObject', method: 'OPTIONS', path: `/${PRIVATE}/k`, headers: { origin: 'https://example.com', 'access-control-request-method': 'GET' } },
  { op: 'OptionsBucket', method: 'OPTIONS', path: `/${PRIVATE}`, headers: { origin: 'https://example.com', 'access-control-request-method': 'GET' } },
];

const operationName = (o: Operation): string => o.op.split(' ')[0]!;
const handlerOf = (o: Operation): string => o.handler ?? operationName(o);
const handlersDir = fileURLToPath(new URL('../../../apps/origin/src/s3/handlers/', import.meta.url));

/** The origin logged this response's request as exactly `o`'s operation (so the row tests what it names). */
async function expectOperation(res: HttpResult, o: Operation): Promise<void> {
  const requestId = String(res.headers['x-amz-request-id'] ?? '');
  expect(requestId, 'x-amz-request-id').not.toBe('');
  // The entry is written when the response finishes, which may be just after the client has it.
  for (let i = 0; i < 100 && !accessLog.has(requestId); i++) await new Promise((r) => setTimeout(r, 10));
  expect(accessLog.get(requestId)?.operation, `${o.method} ${o.path}`).toBe(operationName(o));
}

describe('the operation table', () => {
  it('has a row for every handler in apps/origin/src/s3/handlers/, and no row for a handler that does not exist', () => {
    const handlers = readdirSync(handlersDir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => f.slice(0, -'.ts'.length))
      .sort();
    expect(handlers.length).toBeGreaterThan(30);
    const covered = new Set([...operations, ...preflights].map(handlerOf));
    expect(
      handlers.filter((h) => !covered.has(h)),
      'handlers without a row in `operations`',
    ).toEqual([]);
    expect(
      [...covered].filter((h) => !handlers.includes(h)),
      'rows naming no handler file',
    ).toEqual([]);
  });
});

describe('CORS preflights on a private bucket', () => {
  it.each(preflights)('$op: anonymous, from an origin no rule allows → 403 AccessForbidden, no content', async (o) => {
    const res = await http(`${stack.origin.url}${o.path}`, { method: o.method, headers: o.headers });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>AccessForbidden</Code>');
    expect(res.body).not.toContain(CONTENT);
    await expectOperation(res, o);
  });
});

describe('authorization class of every S3 operation on a private bucket', () => {
  it.each(operations)('$op: anonymous → 403 AccessDenied', async (o) => {
    const res = await http(`${stack.origin.url}${o.path}`, { method: o.method, body: o.body, headers: o.headers });
    expect(res.status).toBe(403);
    if (o.method !== 'HEAD') expect(res.body).toContain('<Code>AccessDenied</Code>');
    expect(res.body).not.toContain(CONTENT);
    await expectOperation(res, o);
  });

  it.each(operations)('$op: unknown access key → 403 InvalidAccessKeyId', async (o) => {
    const res = await signedHttp(stack, o.method, `${stack.origin.url}${o.path}`, {
      body: o.body,
      headers: o.headers,
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: stack.origin.credentials.secretAccessKey },
    });
    expect(res.status).toBe(403);
    if (o.method !== 'HEAD') expect(res.body).toContain('<Code>InvalidAccessKeyId</Code>');
    await expectOperation(res, o);
  });

  it.each(operations)('$op: wrong secret → 403 SignatureDoesNotMatch', async (o) => {
    const res = await signedHttp(stack, o.method, `${stack.origin.url}${o.path}`, {
      body: o.body,
      headers: o.headers,
      credentials: { accessKeyId: stack.origin.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    expect(res.status).toBe(403);
    if (o.method !== 'HEAD') expect(res.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expectOperation(res, o);
  });

  it.each(operations)('$op: signed → authorized (no 403, no 5xx but 501 NotImplemented)', async (o) => {
    const res = await signedHttp(stack, o.method, `${stack.origin.url}${o.path}`, { body: o.body, headers: o.headers });
    expect(res.status, res.body.slice(0, 300)).not.toBe(403);
    if (res.status >= 500) expect(res.status, res.body.slice(0, 300)).toBe(501);
    // Operations outside the documented scope (README limits), once authorized: a read answers
    // what AWS answers for a bucket with nothing configured, a write S3's 501 NotImplemented.
    if (o.unsupported) {
      expect(res.status, res.body.slice(0, 300)).toBe(o.unsupported.status);
      expect(res.body).toContain(`<Code>${o.unsupported.code}</Code>`);
    }
    await expectOperation(res, o);
  });
});

describe('anonymous access to a public website bucket (policy: s3:GetObject + s3:ListBucket)', () => {
  const reads: Operation[] = [
    { op: 'GetObject', method: 'GET', path: `/${SITE}/index.html` },
    { op: 'HeadObject', method: 'HEAD', path: `/${SITE}/index.html` },
    { op: 'ListObjects', method: 'GET', path: `/${SITE}` },
    { op: 'ListObjectsV2', method: 'GET', path: `/${SITE}?list-type=2` },
    // HeadBucket needs s3:ListBucket (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html).
    { op: 'HeadBucket', method: 'HEAD', path: `/${SITE}` },
  ];
  // Aimed at an object that exists: a missing key is 404 to whoever may list the bucket, as on S3.
  const writes = operations
    .filter((o) => !['GetObject', 'HeadObject', 'ListObjects', 'ListObjectsV2', 'ListBuckets', 'HeadBucket'].includes(o.op))
    .map((o) => ({ ...o, path: o.path.replace(`/${PRIVATE}/k?`, `/${SITE}/index.html?`).replaceAll(PRIVATE, SITE) }));

  it.each(reads)('$op is allowed', async (o) => {
    const res = await http(`${stack.origin.url}${o.path}`, { method: o.method });
    expect(res.status).toBe(200);
  });

  it.each(writes)('$op is refused', async (o) => {
    const res = await http(`${stack.origin.url}${o.path}`, { method: o.method, body: o.body, headers: o.headers });
    expect(res.status).toBe(403);
  });
});

describe('a private bucket never leaks through the website endpoint or the edge', () => {
  it('website endpoint (both host forms and the website port) → 403, no content', async () => {
    for (const host of [`${PRIVATE}.s3-website-us-east-1.localhost`, `${PRIVATE}.s3-website.us-east-1.localhost`]) {
      for (const path of ['/', '/k', '/index.html']) {
        const res = await http(`${stack.origin.url}${path}`, { headers: { host } });
        expect(res.status, `${host}${path}`).toBe(403);
        expect(res.body).not.toContain(CONTENT);
      }
    }
    const port = await http(`${stack.origin.websiteUrl}/k`, { headers: { host: PRIVATE } });
    expect(port.status).toBe(403);
    expect(port.body).not.toContain(CONTENT);
  });

  it('an edge in front of the private website → 403, no content, nothing cached that leaks', async () => {
    const edge = await startEdge({
      config: {
        distributions: [
          {
            id: 'EPRIVATE00000001',
            aliases: [],
            origins: [{ id: 'o', url: stack.origin.url, hostHeader: `${PRIVATE}.s3-website-us-east-1.localhost` }],
            defaultCacheBehavior: { targetOriginId: 'o', minTTL: 0, defaultTTL: 60, maxTTL: 3600 },
          },
        ],
      },
      port: 0,
      controlPort: 0,
      workers: 1,
      credentials: stack.origin.credentials,
    });
    try {
      for (const path of ['/', '/k', '/index.html', '/k', '/']) {
        const res = await http(`${edge.url}${path}`);
        expect(res.status, path).toBe(403);
        expect(res.body).not.toContain(CONTENT);
      }
    } finally {
      await edge.close();
    }
  });
});
