import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { verifyRequest } from './verify.js';
import type { VerifyOptions } from './types.js';

// AWS SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30): service "service", region us-east-1.
const SUITE_SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const suiteOpts = (body = ''): VerifyOptions => ({
  lookupSecret: (id) => (id === 'AKIDEXAMPLE' ? SUITE_SECRET : undefined),
  now: new Date('2015-08-30T12:36:00Z'),
  service: 'service',
  payloadSha256Hex: createHash('sha256').update(body).digest('hex'),
});

interface SuiteCase {
  name: string;
  method: string;
  path: string;
  query?: string;
  headers?: IncomingHttpHeaders;
  body?: string;
  signedHeaders: string;
  signature: string;
}

const SUITE: SuiteCase[] = [
  { name: 'get-vanilla', method: 'GET', path: '/', signedHeaders: 'host;x-amz-date', signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31' },
  {
    name: 'get-unreserved',
    method: 'GET',
    path: '/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz',
    signedHeaders: 'host;x-amz-date',
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  { name: 'get-slashes (normalised)', method: 'GET', path: '//example//', signedHeaders: 'host;x-amz-date', signature: '9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84' },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    path: '/',
    query: 'Param2=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-order-value',
    method: 'GET',
    path: '/',
    query: 'Param1=value2&Param1=value1',
    signedHeaders: 'host;x-amz-date',
    signature: '5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694',
  },
  { name: 'get-vanilla-utf8-query', method: 'GET', path: '/', query: '%E1%88%B4=bar', signedHeaders: 'host;x-amz-date', signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04' },
  {
    name: 'get-header-value-order',
    method: 'GET',
    path: '/',
    headers: { 'my-header1': ['value4', 'value1', 'value3', 'value2'] as unknown as string },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: '08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01',
  },
  {
    name: 'get-header-key-duplicate',
    method: 'GET',
    path: '/',
    headers: { 'my-header1': ['value2', 'value2', 'value1'] as unknown as string },
    signedHeaders: 'host;my-header1;x-amz-date',
    signature: 'c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    path: '/',
    headers: { 'my-header1': ' value1', 'my-header2': '"a   b   c"' },
    signedHeaders: 'host;my-header1;my-header2;x-amz-date',
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Param1=value1',
    signedHeaders: 'content-type;host;x-amz-date',
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    name: 'get-vanilla-with-session-token',
    method: 'GET',
    path: '/',
    headers: { 'x-amz-security-token': '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267' },
    signedHeaders: 'host;x-amz-date;x-amz-security-token',
    signature: '07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8',
  },
];

describe('AWS SigV4 test suite vectors (header auth)', () => {
  for (const c of SUITE) {
    const headers = (signature: string): IncomingHttpHeaders => ({
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      ...c.headers,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=${c.signedHeaders}, Signature=${signature}`,
    });
    it(`${c.name} verifies`, () => {
      const r = verifyRequest({ method: c.method, path: c.path, query: c.query ?? '', headers: headers(c.signature) }, suiteOpts(c.body));
      expect(r).toMatchObject({ kind: 'signed', accessKeyId: 'AKIDEXAMPLE', via: 'header' });
    });
    it(`${c.name} with one flipped signature nibble is rejected`, () => {
      const bad = (c.signature[0] === '0' ? '1' : '0') + c.signature.slice(1);
      const r = verifyRequest({ method: c.method, path: c.path, query: c.query ?? '', headers: headers(bad) }, suiteOpts(c.body));
      expect(r).toMatchObject({ kind: 'error', code: 'SignatureDoesNotMatch', status: 403 });
    });
  }
});

// S3 documentation examples: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
const S3_KEY = 'AKIAIOSFODNN7EXAMPLE';
const S3_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const s3Opts = (now = '2013-05-24T00:00:00Z'): VerifyOptions => ({
  lookupSecret: (id) => (id === S3_KEY ? S3_SECRET : undefined),
  now: new Date(now),
  service: 's3',
});
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const auth = (signed: string, sig: string): string => `AWS4-HMAC-SHA256 Credential=${S3_KEY}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signed},Signature=${sig}`;

describe('S3 documentation examples', () => {
  it('GET Object with Range', () => {
    const r = verifyRequest(
      {
        method: 'GET',
        path: '/test.txt',
        query: '',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          range: 'bytes=0-9',
          'x-amz-content-sha256': EMPTY,
          'x-amz-date': '20130524T000000Z',
          authorization: auth('host;range;x-amz-content-sha256;x-amz-date', 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'),
        },
      },
      s3Opts(),
    );
    expect(r).toMatchObject({ kind: 'signed', accessKeyId: S3_KEY, payload: { kind: 'sha256', sha256Hex: EMPTY } });
  });

  it('PUT Object (raw path /test%24file.text, Date and x-amz-date both sent)', () => {
    const r = verifyRequest(
      {
        method: 'PUT',
        path: '/test%24file.text',
        query: '',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-date': '20130524T000000Z',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
          authorization: auth('date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class', '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd'),
        },
      },
      s3Opts(),
    );
    expect(r).toMatchObject({ kind: 'signed', payload: { kind: 'sha256' } });
  });

  it('GET Bucket Lifecycle (?lifecycle, a parameter without value)', () => {
    const r = verifyRequest(
      {
        method: 'GET',
        path: '/',
        query: 'lifecycle',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          'x-amz-date': '20130524T000000Z',
          'x-amz-content-sha256': EMPTY,
          authorization: auth('host;x-amz-content-sha256;x-amz-date', 'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543'),
        },
      },
      s3Opts(),
    );
    expect(r.kind).toBe('signed');
  });

  it('GET Bucket (List Objects) ?max-keys=2&prefix=J', () => {
    const r = verifyRequest(
      {
        method: 'GET',
        path: '/',
        query: 'max-keys=2&prefix=J',
        headers: {
          host: 'examplebucket.s3.amazonaws.com',
          'x-amz-date': '20130524T000000Z',
          'x-amz-content-sha256': EMPTY,
          authorization: auth('host;x-amz-content-sha256;x-amz-date', '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7'),
        },
      },
      s3Opts(),
    );
    expect(r.kind).toBe('signed');
  });

  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
  const presignedQuery =
    'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
    '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
    '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
  const presignedReq = (query = presignedQuery) => ({
    method: 'GET',
    path: '/test.txt',
    query,
    headers: { host: 'examplebucket.s3.amazonaws.com' },
  });

  it('presigned GET example verifies within its 86400 s', () => {
    expect(verifyRequest(presignedReq(), s3Opts('2013-05-24T23:59:59Z'))).toMatchObject({
      kind: 'signed',
      via: 'presigned',
      payload: { kind: 'unsigned' },
    });
  });

  it('presigned GET example after expiry → AccessDenied "Request has expired"', () => {
    expect(verifyRequest(presignedReq(), s3Opts('2013-05-25T00:00:01Z'))).toMatchObject({
      kind: 'error',
      code: 'AccessDenied',
      status: 403,
      message: 'Request has expired',
      detail: { 'X-Amz-Expires': '86400', Expires: '2013-05-25T00:00:00Z', ServerTime: '2013-05-25T00:00:01Z' },
    });
  });

  it('presigned GET example with a tampered path → SignatureDoesNotMatch', () => {
    expect(verifyRequest({ ...presignedReq(), path: '/test2.txt' }, s3Opts())).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });
});
