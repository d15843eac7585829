/**
 * Legacy Signature Version 2 for S3, which botocore (aws CLI v1 `aws s3 presign`,
 * boto3 `generate_presigned_url`) still uses for presigned URLs by default.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html
 *
 * StringToSign = VERB \n Content-MD5 \n Content-Type \n (Expires | Date) \n
 *                CanonicalizedAmzHeaders CanonicalizedResource
 * Signature    = Base64(HMAC-SHA1(secret, UTF-8(StringToSign)))
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { formatIsoSeconds } from './amz-date.js';
import type { QueryParam } from './canonical.js';
import { authFailure } from './errors.js';
import type { SigV4Request, SignedResult, VerifyOptions, VerifyResult } from './types.js';
import { decodeQueryComponent } from './uri-encoding.js';

// The sub-resources and response overrides that belong to the canonical resource (botocore's list).
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'legal-hold',
  'select',
  'select-type',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
]);

const SIGNATURE_MISMATCH_MESSAGE = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : v;
}

function canonicalAmzHeaders(headers: IncomingHttpHeaders): string {
  return Object.keys(headers)
    .filter((n) => n.startsWith('x-amz-'))
    .sort()
    .map((n) => `${n}:${headerValue(headers, n).trim()}\n`)
    .join('');
}

function canonicalResource(path: string, params: QueryParam[], virtualHostedBucket: string | undefined): string {
  let resource = (virtualHostedBucket !== undefined ? `/${virtualHostedBucket}` : '') + (path === '' ? '/' : path);
  const sub = params
    .map((p) => ({ name: decodeQueryComponent(p.rawName), raw: p }))
    .filter((p) => SUBRESOURCES.has(p.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((p) => (p.raw.hasValue ? `${p.name}=${decodeQueryComponent(p.raw.rawValue)}` : p.name));
  if (sub.length > 0) resource += `?${sub.join('&')}`;
  return resource;
}

export function stringToSignV2(req: SigV4Request, params: QueryParam[], dateOrExpires: string, virtualHostedBucket?: string): string {
  return [
    req.method.toUpperCase(),
    headerValue(req.headers, 'content-md5'),
    headerValue(req.headers, 'content-type'),
    dateOrExpires,
    canonicalAmzHeaders(req.headers) + canonicalResource(req.path, params, virtualHostedBucket),
  ].join('\n');
}

export function signV2(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

function equalBase64(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signedV2(accessKeyId: string, via: 'header' | 'presigned', signature: string): SignedResult {
  return {
    kind: 'signed',
    accessKeyId,
    via,
    payload: { kind: 'unsigned' },
    context: {
      signatureVersion: 2,
      accessKeyId,
      amzDate: '',
      scope: '',
      region: '',
      service: 's3',
      signingKey: Buffer.alloc(0),
      seedSignature: signature,
      payloadHash: 'UNSIGNED-PAYLOAD',
      signedHeaders: [],
    },
  };
}

function firstParam(params: QueryParam[], name: string): string | undefined {
  for (const p of params) if (decodeQueryComponent(p.rawName) === name) return decodeQueryComponent(p.rawValue);
  return undefined;
}

function mismatch(accessKeyId: string, toSign: string, provided: string): VerifyResult {
  return authFailure('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH_MESSAGE, {
    AWSAccessKeyId: accessKeyId,
    StringToSign: toSign,
    SignatureProvided: provided,
  });
}

/** Query-string auth: ?AWSAccessKeyId=…&Expires=<epoch seconds>&Signature=… */
export function verifyPresignedV2(req: SigV4Request, opts: VerifyOptions, params: QueryParam[]): VerifyResult {
  if (opts.service !== 's3') return authFailure('InvalidRequest', 400, 'Signature Version 2 is only supported for S3.');
  const accessKeyId = firstParam(params, 'AWSAccessKeyId') ?? '';
  const signature = firstParam(params, 'Signature') ?? '';
  const expires = firstParam(params, 'Expires');
  if (expires === undefined || !/^\d{1,12}$/.test(expires)) {
    return authFailure('AccessDenied', 403, 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) {
    return authFailure('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  const expiresAt = Number(expires) * 1000;
  if (opts.now.getTime() > expiresAt) {
    return authFailure('AccessDenied', 403, 'Request has expired', {
      Expires: formatIsoSeconds(new Date(expiresAt)),
      ServerTime: formatIsoSeconds(opts.now),
    });
  }
  const toSign = stringToSignV2(req, params, expires, opts.virtualHostedBucket);
  if (!equalBase64(signV2(secret, toSign), signature)) return mismatch(accessKeyId, toSign, signature);
  return signedV2(accessKeyId, 'presigned', signature);
}

/** Header auth: Authorization: AWS AKID:signature, dated by Date or x-amz-date. */
export function verifyHeaderV2(req: SigV4Request, opts: VerifyOptions, params: QueryParam[], authorization: string): VerifyResult {
  if (opts.service !== 's3') return authFailure('InvalidRequest', 400, 'Signature Version 2 is only supported for S3.');
  const m = /^AWS ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!m) {
    return authFailure('InvalidArgument', 400, 'AWS authorization header is invalid.  Expected AwsAccessKeyId:signature', {
      ArgumentName: 'Authorization',
      ArgumentValue: authorization.slice(0, 256),
    });
  }
  const accessKeyId = m[1] as string;
  const signature = m[2] as string;
  const amzDate = headerValue(req.headers, 'x-amz-date');
  const date = headerValue(req.headers, 'date');
  const when = new Date(Date.parse(amzDate !== '' ? amzDate : date));
  if (Number.isNaN(when.getTime())) {
    return authFailure('AccessDenied', 403, 'AWS authentication requires a valid Date or x-amz-date header');
  }
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) {
    return authFailure('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
  const maxSkew = opts.maxSkewMs ?? 15 * 60 * 1000;
  if (Math.abs(opts.now.getTime() - when.getTime()) > maxSkew) {
    return authFailure('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', {
      RequestTime: amzDate !== '' ? amzDate : date,
      ServerTime: formatIsoSeconds(opts.now),
      MaxAllowedSkewMilliseconds: String(maxSkew),
    });
  }
  // With x-amz-date the Date line is empty: x-amz-date is signed among the amz headers.
  const toSign = stringToSignV2(req, params, amzDate !== '' ? '' : date, opts.virtualHostedBucket);
  if (!equalBase64(signV2(secret, toSign), signature)) return mismatch(accessKeyId, toSign, signature);
  return signedV2(accessKeyId, 'header', signature);
}
