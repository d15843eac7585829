import { describe, expect, it } from 'vitest';
import { S3Error } from './errors.js';
import { authorizationClass } from './operation.js';
import { parseQuery, parseS3Request, virtualHostBucket } from './parse-request.js';

const opts = { websiteDomain: 'localhost', region: 'us-east-1' };

function parse(method: string, url: string, host = '127.0.0.1:9000', headers: Record<string, string> = {}) {
  const q = url.indexOf('?');
  return parseS3Request({ method, host, rawPath: q === -1 ? url : url.slice(0, q), rawQuery: q === -1 ? '' : url.slice(q + 1), headers }, opts);
}

// URLs from the AWS API reference "Request Syntax" sections (path-style form).
const table: [method: string, url: string, op: string, auth: 'anonymous-read' | 'signed' | 'form-policy' | 'preflight', extra?: Record<string, unknown>][] = [
  ['GET', '/', 'ListBuckets', 'signed'],
  ['GET', '/?max-buckets=10', 'ListBuckets', 'signed'],
  ['PUT', '/my-bucket', 'CreateBucket', 'signed', { bucket: 'my-bucket' }],
  ['DELETE', '/my-bucket', 'DeleteBucket', 'signed'],
  ['HEAD', '/my-bucket', 'HeadBucket', 'signed'],
  ['GET', '/my-bucket?location', 'GetBucketLocation', 'signed'],
  ['GET', '/my-bucket?list-type=2&prefix=a%2Fb&delimiter=%2F', 'ListObjectsV2', 'anonymous-read'],
  ['GET', '/my-bucket/', 'ListObjects', 'anonymous-read'],
  ['GET', '/my-bucket?prefix=x&marker=y', 'ListObjects', 'anonymous-read'],
  ['GET', '/my-bucket?uploads', 'ListMultipartUploads', 'signed'],
  ['POST', '/my-bucket?delete', 'DeleteObjects', 'signed'],
  ['PUT', '/my-bucket?website', 'PutBucketWebsite', 'signed'],
  ['GET', '/my-bucket?website', 'GetBucketWebsite', 'signed'],
  ['DELETE', '/my-bucket?website', 'DeleteBucketWebsite', 'signed'],
  ['PUT', '/my-bucket?policy', 'PutBucketPolicy', 'signed'],
  ['GET', '/my-bucket?policy', 'GetBucketPolicy', 'signed'],
  ['DELETE', '/my-bucket?policy', 'DeleteBucketPolicy', 'signed'],
  ['PUT', '/my-bucket?encryption', 'PutBucketEncryption', 'signed'],
  ['GET', '/my-bucket?encryption', 'GetBucketEncryption', 'signed'],
  ['DELETE', '/my-bucket?encryption', 'DeleteBucketEncryption', 'signed'],
  ['PUT', '/my-bucket?notification', 'PutBucketNotificationConfiguration', 'signed'],
  ['GET', '/my-bucket?notification', 'GetBucketNotificationConfiguration', 'signed'],
  ['PUT', '/my-bucket?acl', 'PutBucketAcl', 'signed'],
  ['GET', '/my-bucket?acl', 'GetBucketAcl', 'signed'],
  ['GET', '/my-bucket?versioning', 'GetBucketVersioning', 'signed'],
  ['PUT', '/my-bucket?versioning', 'PutBucketVersioning', 'signed'],
  ['GET', '/my-bucket?versions&key-marker=k&version-id-marker=v1', 'ListObjectVersions', 'anonymous-read'],
  ['GET', '/my-bucket/k?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY', 'GetObject', 'anonymous-read', { key: 'k', query: new Map([['versionId', '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY']]) }],
  ['HEAD', '/my-bucket/k?versionId=v1', 'HeadObject', 'anonymous-read'],
  ['DELETE', '/my-bucket/k?versionId=v1', 'DeleteObject', 'signed'],
  ['GET', '/my-bucket?cors', 'GetBucketCors', 'signed'],
  ['PUT', '/my-bucket/photos/cat.jpg', 'PutObject', 'signed', { key: 'photos/cat.jpg' }],
  ['PUT', '/my-bucket/dst', 'CopyObject', 'signed', { key: 'dst' }],
  ['GET', '/my-bucket/a%20b%2Bc', 'GetObject', 'anonymous-read', { key: 'a b+c' }],
  ['GET', '/my-bucket/a+b', 'GetObject', 'anonymous-read', { key: 'a+b' }],
  ['GET', '/my-bucket/k?response-content-type=text%2Fplain&versionId=null', 'GetObject', 'anonymous-read'],
  ['GET', '/my-bucket/k?partNumber=2', 'GetObject', 'anonymous-read'],
  ['HEAD', '/my-bucket/k', 'HeadObject', 'anonymous-read'],
  ['DELETE', '/my-bucket/k', 'DeleteObject', 'signed'],
  ['POST', '/my-bucket/k?uploads', 'CreateMultipartUpload', 'signed'],
  ['PUT', '/my-bucket/k?partNumber=3&uploadId=abc', 'UploadPart', 'signed', { uploadId: 'abc', partNumber: 3 }],
  ['PUT', '/my-bucket/k2?partNumber=1&uploadId=abc', 'UploadPartCopy', 'signed'],
  ['POST', '/my-bucket/k?uploadId=abc', 'CompleteMultipartUpload', 'signed', { uploadId: 'abc' }],
  ['DELETE', '/my-bucket/k?uploadId=abc', 'AbortMultipartUpload', 'signed'],
  ['GET', '/my-bucket/k?uploadId=abc&max-parts=2', 'ListParts', 'signed'],
  ['PUT', '/my-bucket/k?acl', 'PutObjectAcl', 'signed'],
  ['GET', '/my-bucket/k?acl', 'GetObjectAcl', 'signed'],
  ['PUT', '/my-bucket/k?tagging', 'PutObjectTagging', 'signed'],
  ['GET', '/my-bucket/k?attributes', 'GetObjectAttributes', 'signed'],
  ['GET', '/my-bucket/..', 'GetObject', 'anonymous-read', { key: '..' }],
  ['GET', '/my-bucket/a/../b', 'GetObject', 'anonymous-read', { key: 'a/../b' }],
  ['GET', '/my-bucket//lead', 'GetObject', 'anonymous-read', { key: '/lead' }],
  // Sub-resources we do not implement.
  ['GET', '/my-bucket?tagging', 'NotImplemented', 'signed', { name: 'GetBucketTagging' }],
  ['PUT', '/my-bucket?lifecycle', 'NotImplemented', 'signed', { name: 'PutBucketLifecycle' }],
  ['GET', '/my-bucket?versions', 'ListObjectVersions', 'anonymous-read'],
  ['PUT', '/my-bucket?publicAccessBlock', 'PutPublicAccessBlock', 'signed'],
  ['GET', '/my-bucket?policyStatus', 'GetBucketPolicyStatus', 'signed'],
  ['OPTIONS', '/my-bucket/k', 'OptionsObject', 'preflight'],
  ['OPTIONS', '/my-bucket', 'OptionsBucket', 'preflight'],
  ['POST', '/my-bucket/k?restore', 'NotImplemented', 'signed', { name: 'PostObjectRestore' }],
  ['GET', '/my-bucket/k?legal-hold', 'NotImplemented', 'signed', { name: 'GetObjectLegalHold' }],
];

describe('parseS3Request', () => {
  it.each(table)('%s %s → %s (%s)', (method, url, opName, auth, extra) => {
    const headers: Record<string, string> = url.includes('/dst') || url.includes('/k2') ? { 'x-amz-copy-source': '/b/src' } : {};
    const op = parse(method, url, '127.0.0.1:9000', headers);
    expect(op).not.toBeInstanceOf(S3Error);
    if (op instanceof S3Error) return;
    expect(op.op).toBe(opName);
    expect(authorizationClass(op)).toBe(auth);
    if (extra) expect(op).toMatchObject(extra);
  });

  it('addresses buckets by virtual host', () => {
    for (const host of ['my-bucket.s3.localhost:9000', 'my-bucket.s3.us-east-1.localhost', 'MY-BUCKET.S3.LOCALHOST']) {
      const op = parse('GET', '/dir/file.txt', host);
      expect(op).toMatchObject({ op: 'GetObject', bucket: 'my-bucket', key: 'dir/file.txt' });
    }
    expect(parse('GET', '/', 'www.example.com.s3.localhost')).toMatchObject({ op: 'ListObjects', bucket: 'www.example.com' });
    // The service endpoint itself and foreign hosts are path-style.
    expect(parse('GET', '/b1b/k', 's3.localhost')).toMatchObject({ bucket: 'b1b', key: 'k' });
    expect(parse('GET', '/b1b/k', 's3.eu-west-1.localhost:80')).toMatchObject({ bucket: 'b1b', key: 'k' });
    expect(parse('GET', '/b1b/k', 'example.org')).toMatchObject({ bucket: 'b1b', key: 'k' });
    expect(virtualHostBucket('x.s3.other.domain', 'localhost')).toBeNull();
    // An SDK pointed at http://localhost:PORT without path-style sends BUCKET.localhost.
    expect(parse('GET', '/k', 'my-bucket.localhost:9000')).toMatchObject({ op: 'GetObject', bucket: 'my-bucket', key: 'k' });
    expect(virtualHostBucket('localhost:9000', 'localhost')).toBeNull();
    expect(virtualHostBucket('s3.us-west-2.localhost', 'localhost')).toBeNull();
    expect(virtualHostBucket('a.b.s3.us-west-2.localhost', 'localhost')).toBe('a.b');
    expect(virtualHostBucket('site.example.com', 'example.com')).toBe('site');
  });

  it.each([
    ['GET', '/AB/k', 'InvalidBucketName'],
    ['PUT', '/ab', 'InvalidBucketName'],
    ['PUT', '/bad_name', 'InvalidBucketName'],
    ['PUT', '/192.168.1.1', 'InvalidBucketName'],
    ['PUT', '/a..b', 'InvalidBucketName'],
    ['PUT', '/-abc', 'InvalidBucketName'],
    ['PUT', '/xn--abc', 'InvalidBucketName'],
    ['PUT', `/${'a'.repeat(64)}`, 'InvalidBucketName'],
    ['GET', `/bucket/${'k'.repeat(1025)}`, 'KeyTooLongError'],
    ['GET', `/bucket/${'%C3%A9'.repeat(513)}`, 'KeyTooLongError'],
    ['PUT', '/bucket/a%00b', 'InvalidArgument'],
    ['PUT', '/bucket/a%01b', 'InvalidArgument'],
    ['GET', '/bucket/%E0%A4%A', 'InvalidURI'],
    ['GET', '/bucket/k?x=%ZZ', 'InvalidURI'],
    ['PUT', '/bucket/k?partNumber=0&uploadId=u', 'InvalidArgument'],
    ['PUT', '/bucket/k?partNumber=10001&uploadId=u', 'InvalidArgument'],
    ['PUT', '/bucket/k?partNumber=abc&uploadId=u', 'InvalidArgument'],
    ['PATCH', '/bucket/k', 'MethodNotAllowed'],
    ['PUT', '/', 'MethodNotAllowed'],
  ])('%s %s → %s', (method, url, code) => {
    const err = parse(method, url);
    expect(err).toBeInstanceOf(S3Error);
    expect((err as S3Error).code).toBe(code);
  });

  it('POST /bucket with a form body is PostObject (path-style and virtual-hosted); any other body is 412 PreconditionFailed', () => {
    const form = { 'content-type': 'Multipart/Form-Data; boundary=----x' };
    for (const [url, host] of [
      ['/my-bucket', '127.0.0.1:9000'],
      ['/my-bucket/', '127.0.0.1:9000'],
      ['/', 'my-bucket.s3.localhost:9000'],
    ] as const) {
      const op = parse('POST', url, host, form);
      expect(op).toMatchObject({ op: 'PostObject', bucket: 'my-bucket' });
      expect(authorizationClass(op as Exclude<typeof op, S3Error>)).toBe('form-policy');
    }
    for (const headers of [{} as Record<string, string>, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const err = parse('POST', '/my-bucket', '127.0.0.1:9000', headers);
      expect(err).toBeInstanceOf(S3Error);
      expect(err).toMatchObject({ code: 'PreconditionFailed', status: 412, detail: { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' } });
    }
    // ?delete keeps its meaning whatever the body.
    expect(parse('POST', '/my-bucket?delete', '127.0.0.1:9000', form)).toMatchObject({ op: 'DeleteObjects' });
  });

  it('accepts a key of exactly 1024 bytes', () => {
    expect(parse('GET', `/bucket/${'k'.repeat(1024)}`)).toMatchObject({ op: 'GetObject' });
  });
});

describe("parseQuery uses the verifier's decoding rule", () => {
  it('`+` is a space, %2B a plus; a malformed escape → InvalidURI', () => {
    const q = parseQuery('prefix=a+b&delimiter=%2B');
    expect(q).not.toBeInstanceOf(S3Error);
    expect((q as Map<string, string>).get('prefix')).toBe('a b');
    expect((q as Map<string, string>).get('delimiter')).toBe('+');
    expect(parseQuery('prefix=%zz')).toBeInstanceOf(S3Error);
  });
});
