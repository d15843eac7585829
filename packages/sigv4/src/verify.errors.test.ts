import type { IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presignUrl, signRequest, signRequestDetailed, splitUrl } from './sign.js';
import type { VerifyOptions } from './types.js';
import { verifyRequest } from './verify.js';

const CREDS = { accessKeyId: 'AKIDERR', secretAccessKey: 'err-secret' };
const NOW = new Date('2026-11-25T12:00:00Z');
const opts = (extra: Partial<VerifyOptions> = {}): VerifyOptions => ({
  lookupSecret: (id) => (id === CREDS.accessKeyId ? CREDS.secretAccessKey : undefined),
  now: NOW,
  service: 's3',
  ...extra,
});

/** A correctly signed S3 GET, as headers, to be mutated per case. */
function signedGet(url = 'http://127.0.0.1:9000/bucket/key', now = NOW): { path: string; query: string; headers: IncomingHttpHeaders } {
  const headers = signRequest({ method: 'GET', url, credentials: CREDS, region: 'us-east-1', service: 's3', now });
  const { path, query } = splitUrl(url);
  return { path, query, headers };
}

const credential = `Credential=${CREDS.accessKeyId}/20261125/us-east-1/s3/aws4_request`;
const goodSig = 'Signature=' + 'a'.repeat(64);

describe('verifyRequest header-auth failures use S3 codes, statuses and wording', () => {
  const base = signedGet();
  const withAuth = (authorization: string, more: IncomingHttpHeaders = {}) =>
    verifyRequest({ method: 'GET', path: base.path, query: base.query, headers: { ...base.headers, ...more, authorization } }, opts());

  it('the untouched request verifies', () => {
    expect(verifyRequest({ method: 'GET', ...base }, opts())).toMatchObject({ kind: 'signed', via: 'header' });
  });

  it.each([
    [
      'missing Signature',
      `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=host`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.',
    ],
    [
      'component without =',
      `AWS4-HMAC-SHA256 ${credential}, SignedHeaders, ${goodSig}`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; the authorization component "SignedHeaders" is malformed.',
    ],
    [
      'credential too short',
      `AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1, SignedHeaders=host, ${goodSig}`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
    ],
    [
      'wrong service',
      `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, ${goodSig}`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; incorrect service "ec2". This endpoint belongs to "s3".',
    ],
    [
      'wrong terminator',
      `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/20261125/us-east-1/s3/aws5_request, SignedHeaders=host, ${goodSig}`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; incorrect terminal "aws5_request". This endpoint uses "aws4_request".',
    ],
    [
      'scope date ≠ x-amz-date',
      `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/20261124/us-east-1/s3/aws4_request, SignedHeaders=host, ${goodSig}`,
      'AuthorizationHeaderMalformed',
      400,
      'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.',
    ],
    ['unknown algorithm', `AWS4-HMAC-SHA512 ${credential}, SignedHeaders=host, ${goodSig}`, 'InvalidArgument', 400, 'Unsupported Authorization Type'],
    [
      'unknown key',
      `AWS4-HMAC-SHA256 Credential=AKIDNOPE/20261125/us-east-1/s3/aws4_request, SignedHeaders=host, ${goodSig}`,
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    ],
    [
      'bad signature',
      `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, ${goodSig}`,
      'SignatureDoesNotMatch',
      403,
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ],
    ['non-hex signature', `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=zz`, 'SignatureDoesNotMatch', 403, expect.any(String)],
    ['x-amz-* headers left unsigned', `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=host, ${goodSig}`, 'AccessDenied', 403, 'There were headers present in the request which were not signed'],
    [
      'host left unsigned',
      `AWS4-HMAC-SHA256 ${credential}, SignedHeaders=x-amz-content-sha256;x-amz-date, ${goodSig}`,
      'AccessDenied',
      403,
      'There were headers present in the request which were not signed',
    ],
  ])('%s → %s', (_name, authorization, code, status, message) => {
    expect(withAuth(authorization)).toMatchObject({ kind: 'error', code, status, message });
  });

  it('region is enforced only when opts.region is set', () => {
    const r = verifyRequest({ method: 'GET', ...base }, opts({ region: 'eu-west-1' }));
    expect(r).toMatchObject({
      code: 'AuthorizationHeaderMalformed',
      message: "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
      detail: { Region: 'eu-west-1' },
    });
  });

  it('missing or malformed x-amz-date (and no Date) → 403 AccessDenied', () => {
    for (const date of [undefined, 'yesterday', '20261325T120000Z', '20261125T120000']) {
      const headers: IncomingHttpHeaders = { ...base.headers };
      if (date === undefined) delete headers['x-amz-date'];
      else headers['x-amz-date'] = date;
      expect(verifyRequest({ method: 'GET', path: base.path, query: '', headers }, opts())).toMatchObject({
        code: 'AccessDenied',
        status: 403,
        message: 'AWS authentication requires a valid Date or x-amz-date header',
      });
    }
  });

  it('clock skew beyond 15 minutes → RequestTimeTooSkewed with detail; within → ok', () => {
    const skewed = signedGet(undefined, new Date(NOW.getTime() - 16 * 60_000));
    expect(verifyRequest({ method: 'GET', ...skewed }, opts())).toMatchObject({
      code: 'RequestTimeTooSkewed',
      status: 403,
      detail: { RequestTime: '20261125T114400Z', ServerTime: '2026-11-25T12:00:00Z', MaxAllowedSkewMilliseconds: '900000' },
    });
    const fine = signedGet(undefined, new Date(NOW.getTime() + 14 * 60_000));
    expect(verifyRequest({ method: 'GET', ...fine }, opts()).kind).toBe('signed');
  });

  it('missing x-amz-content-sha256 → 400 InvalidRequest; a bogus value → 400 InvalidArgument', () => {
    const headers: IncomingHttpHeaders = { ...base.headers };
    delete headers['x-amz-content-sha256'];
    expect(verifyRequest({ method: 'GET', path: base.path, query: '', headers }, opts())).toMatchObject({
      code: 'InvalidRequest',
      status: 400,
      message: 'Missing required header for this request: x-amz-content-sha256',
    });
    expect(verifyRequest({ method: 'GET', path: base.path, query: '', headers: { ...base.headers, 'x-amz-content-sha256': 'nope' } }, opts())).toMatchObject({
      code: 'InvalidArgument',
      status: 400,
    });
  });

  it('SignatureDoesNotMatch detail carries AWSAccessKeyId, StringToSign, SignatureProvided', () => {
    const d = signRequestDetailed({ method: 'GET', url: 'http://h/bucket/key', credentials: CREDS, region: 'us-east-1', service: 's3', now: NOW });
    const r = verifyRequest({ method: 'GET', path: '/bucket/other', query: '', headers: { ...d.headers } }, opts());
    expect(r).toMatchObject({
      code: 'SignatureDoesNotMatch',
      detail: { AWSAccessKeyId: CREDS.accessKeyId, SignatureProvided: d.signature },
    });
    if (r.kind === 'error') expect(r.detail?.StringToSign?.split('\n').slice(0, 3)).toEqual(d.stringToSign.split('\n').slice(0, 3));
  });

  it('both an Authorization header and X-Amz-Algorithm → InvalidArgument', () => {
    expect(verifyRequest({ method: 'GET', path: base.path, query: 'X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: base.headers }, opts())).toMatchObject({ code: 'InvalidArgument', status: 400 });
  });

  it('tampering with any signed part is detected', () => {
    const d = signedGet('http://127.0.0.1:9000/bucket/key?prefix=a&list-type=2');
    expect(verifyRequest({ method: 'GET', ...d }, opts()).kind).toBe('signed');
    expect(verifyRequest({ method: 'PUT', ...d }, opts())).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifyRequest({ method: 'GET', ...d, query: 'prefix=b&list-type=2' }, opts())).toMatchObject({ code: 'SignatureDoesNotMatch' });
    expect(verifyRequest({ method: 'GET', ...d, headers: { ...d.headers, host: 'evil:9000' } }, opts())).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('S3 paths are signed raw (no normalisation): /a/../b is not /b', () => {
    const raw = signedGet('http://127.0.0.1:9000/bucket/a/../b//c');
    expect(verifyRequest({ method: 'GET', ...raw }, opts()).kind).toBe('signed');
    expect(verifyRequest({ method: 'GET', ...raw, path: '/bucket/b/c' }, opts())).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('a client that signed the canonical encoding but sent a looser one is accepted (S3)', () => {
    const d = signedGet('http://127.0.0.1:9000/bucket/a%21b%24');
    expect(verifyRequest({ method: 'GET', ...d, path: '/bucket/a!b$' }, opts()).kind).toBe('signed');
  });
});

describe('verifyRequest presigned failures', () => {
  const url = (expiresIn = 300, now = NOW) => presignUrl({ method: 'GET', url: 'http://127.0.0.1:9000/bucket/k', credentials: CREDS, region: 'us-east-1', service: 's3', expiresIn, now });
  const req = (u: string) => {
    const { path, query } = splitUrl(u);
    return { method: 'GET', path, query, headers: { host: '127.0.0.1:9000' } };
  };

  it('valid → signed via presigned, UNSIGNED-PAYLOAD', () => {
    expect(verifyRequest(req(url()), opts())).toMatchObject({ kind: 'signed', via: 'presigned', payload: { kind: 'unsigned' } });
  });

  it.each([
    [
      'X-Amz-Expires=604801',
      (q: string) => q.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'),
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is 604800 seconds',
    ],
    ['X-Amz-Expires=-1', (q: string) => q.replace('X-Amz-Expires=300', 'X-Amz-Expires=-1'), 'AuthorizationQueryParametersError', 'X-Amz-Expires must be non-negative'],
    [
      'missing X-Amz-Date',
      (q: string) => q.replace(/X-Amz-Date=[^&]*&/, ''),
      'AuthorizationQueryParametersError',
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    ],
    [
      'bad algorithm',
      (q: string) => q.replace('X-Amz-Algorithm=AWS4-HMAC-SHA256', 'X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256'),
      'AuthorizationQueryParametersError',
      'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
    ],
    [
      'malformed date',
      (q: string) => q.replace(/X-Amz-Date=\d{8}T\d{6}Z/, 'X-Amz-Date=2026-11-25'),
      'AuthorizationQueryParametersError',
      `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`,
    ],
    ['tampered signature', (q: string) => q.replace(/X-Amz-Signature=./, 'X-Amz-Signature=0').replace(/X-Amz-Signature=00/, 'X-Amz-Signature=01'), 'SignatureDoesNotMatch', expect.any(String)],
  ])('%s → %s', (_name, mutate, code, message) => {
    const u = url();
    const [base, query] = u.split('?') as [string, string];
    expect(verifyRequest(req(`${base}?${mutate(query)}`), opts())).toMatchObject({ kind: 'error', code, message });
  });

  it('expired → AccessDenied "Request has expired"; far future → "Request is not valid yet"', () => {
    expect(verifyRequest(req(url(60, new Date(NOW.getTime() - 61_000))), opts())).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      message: 'Request has expired',
      detail: { 'X-Amz-Expires': '60' },
    });
    expect(verifyRequest(req(url(60, new Date(NOW.getTime() - 59_000))), opts()).kind).toBe('signed');
    expect(verifyRequest(req(url(60, new Date(NOW.getTime() + 3600_000))), opts())).toMatchObject({
      code: 'AccessDenied',
      message: 'Request is not valid yet',
    });
  });
});

describe('verifyRequest never throws', () => {
  it('on arbitrary method, path, query and headers', () => {
    const headerValue = fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.string(),
        fc.dictionary(fc.constantFrom('authorization', 'x-amz-date', 'x-amz-content-sha256', 'date', 'host', 'x-amz-security-token'), headerValue),
        fc.constantFrom('s3', 'cloudfront'),
        (method, path, query, headers, service) => {
          const r = verifyRequest({ method, path, query, headers: headers as IncomingHttpHeaders }, opts({ service }));
          expect(['anonymous', 'signed', 'error']).toContain(r.kind);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on garbage Authorization headers and presigned queries built from real fragments', () => {
    const fragment = fc.constantFrom(
      'AWS4-HMAC-SHA256 ',
      'Credential=',
      `${CREDS.accessKeyId}/`,
      '20261125/',
      'us-east-1/',
      's3/',
      'aws4_request',
      ', ',
      'SignedHeaders=',
      'host;',
      'Signature=',
      '%',
      '%zz',
      '=',
      '&',
      'X-Amz-Credential=',
      'X-Amz-Algorithm=',
      'X-Amz-Expires=',
      '\u0000',
      '\ud800',
    );
    const garbage = fc.array(fragment, { maxLength: 14 }).map((a) => a.join(''));
    fc.assert(
      fc.property(garbage, garbage, (authorization, query) => {
        const headers = { host: 'h', 'x-amz-date': '20261125T120000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', authorization };
        const r1 = verifyRequest({ method: 'GET', path: '/b/k', query: '', headers }, opts());
        const r2 = verifyRequest({ method: 'GET', path: '/b/k', query, headers: { host: 'h' } }, opts());
        expect(r1.kind).not.toBe('signed');
        expect(r2.kind).not.toBe('signed');
      }),
      { numRuns: 500 },
    );
  });
});
