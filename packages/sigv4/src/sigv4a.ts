/**
 * Signature Version 4A (`AWS4-ECDSA-P256-SHA256`): the multi-region variant of SigV4 that
 * e.g. CloudFront KeyValueStore requires. The request is canonicalised exactly as for SigV4;
 * the scope has no region (`date/service/aws4_request`, the regions travel signed in
 * `x-amz-region-set`), and the signature is an ECDSA P-256 / SHA-256 signature (DER, hex) made
 * with a key pair derived from the access key id and secret.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-sigv4a-signing-key
 * Key derivation: NIST SP 800-108 counter-mode KDF with HMAC-SHA256 (as in aws-c-auth's
 * `aws_ecc_key_pair_new_ecdsa_p256_key_from_aws_credentials`), written here from that description.
 */
import { createECDH, createHmac, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { formatIsoSeconds, parseAmzDate } from './amz-date.js';
import { canonicalQueryString, canonicalRequest, canonicalUriNormalized, parseQuery, sha256Hex } from './canonical.js';
import { parseAuthorizationComponents, parseSignedHeaders } from './credential.js';
import { authFailure, type AuthFailure } from './errors.js';
import { unsignedHeadersFailure } from './signed-headers.js';
import type { SigV4Request } from './types.js';
import { DEFAULT_MAX_SKEW_MS } from './verify.js';

export const SIGV4A_ALGORITHM = 'AWS4-ECDSA-P256-SHA256';

/** Order of the P-256 group, minus 2: derived scalars above it are rejected (next counter). */
const N_MINUS_2 = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551') - 2n;

/**
 * The private scalar (32 bytes, big-endian) SigV4A signs with for these credentials.
 * For counter = 1..254: k0 = HMAC-SHA256("AWS4A" + secret, be32(1) ‖ label ‖ 0x00 ‖ accessKeyId ‖
 * counter ‖ be32(256)); the first k0 ≤ n−2 gives d = k0 + 1.
 */
export function deriveSigV4aPrivateKey(accessKeyId: string, secretAccessKey: string): Buffer {
  const key = Buffer.from(`AWS4A${secretAccessKey}`, 'utf8');
  for (let counter = 1; counter <= 254; counter++) {
    const fixedInput = Buffer.concat([
      Buffer.from([0, 0, 0, 1]),
      Buffer.from(SIGV4A_ALGORITHM, 'ascii'),
      Buffer.from([0]),
      Buffer.from(accessKeyId, 'utf8'),
      Buffer.from([counter]),
      Buffer.from([0, 0, 1, 0]),
    ]);
    const k0 = BigInt(`0x${createHmac('sha256', key).update(fixedInput).digest('hex')}`);
    if (k0 > N_MINUS_2) continue;
    return Buffer.from((k0 + 1n).toString(16).padStart(64, '0'), 'hex');
  }
  throw new Error('SigV4A: no signing key after 254 attempts');
}

const publicKeys = new Map<string, KeyObject>();

/** The public key matching deriveSigV4aPrivateKey (cached per credentials pair). */
export function sigV4aPublicKey(accessKeyId: string, secretAccessKey: string): KeyObject {
  const cacheKey = `${accessKeyId}\n${secretAccessKey}`;
  let key = publicKeys.get(cacheKey);
  if (key === undefined) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(deriveSigV4aPrivateKey(accessKeyId, secretAccessKey));
    const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
    key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
    if (publicKeys.size > 64) publicKeys.clear();
    publicKeys.set(cacheKey, key);
  }
  return key;
}

export interface VerifySigV4aOptions {
  lookupSecret(accessKeyId: string): string | undefined;
  now: Date;
  /** The credential scope's service must equal it (e.g. `cloudfront-keyvaluestore`). */
  service: string;
  /** SHA-256 (hex) of the body as received: the signed payload hash must match it. */
  payloadSha256Hex: string;
  maxSkewMs?: number;
}

export type SigV4aResult = { kind: 'anonymous' } | { kind: 'signed'; accessKeyId: string; regionSet: string } | AuthFailure;

const CREDENTIAL = /^([^/]+)\/(\d{8})\/([^/]+)\/aws4_request$/;

/** True when the Authorization header is a SigV4A one (the caller picks the verifier). */
export function isSigV4aAuthorization(authorization: string | undefined): boolean {
  return authorization?.trimStart().startsWith(`${SIGV4A_ALGORITHM} `) === true;
}

/** Verifies a SigV4A header-signed request (presigned SigV4A URLs are not supported). */
export function verifySigV4aRequest(req: SigV4Request, opts: VerifySigV4aOptions): SigV4aResult {
  const authorization = single(req.headers.authorization);
  if (authorization === undefined) return { kind: 'anonymous' };
  const prefix = 'The authorization header is malformed;';
  const m = /^AWS4-ECDSA-P256-SHA256[ \t]+(.*)$/s.exec(authorization.trim());
  if (!m) return authFailure('IncompleteSignature', 400, `${prefix} the algorithm must be ${SIGV4A_ALGORITHM}.`);
  const parsed = parseAuthorizationComponents(m[1] ?? '');
  if (!parsed.ok) return authFailure('IncompleteSignature', 400, `${prefix} the component "${parsed.component}" is malformed.`);
  const credential = parsed.values.get('Credential');
  const signedHeadersValue = parsed.values.get('SignedHeaders');
  const signature = parsed.values.get('Signature');
  if (credential === undefined || signedHeadersValue === undefined || signature === undefined) {
    return authFailure('IncompleteSignature', 400, `${prefix} Credential, SignedHeaders and Signature are required.`);
  }
  const cred = CREDENTIAL.exec(credential);
  if (!cred) return authFailure('IncompleteSignature', 400, `${prefix} the Credential must be <AccessKeyId>/<YYYYMMDD>/<service>/aws4_request.`);
  const [, accessKeyId, date, service] = cred as unknown as [string, string, string, string];
  if (service !== opts.service) return authFailure('IncompleteSignature', 400, `${prefix} the Credential's service must be ${opts.service}.`);
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) return authFailure('IncompleteSignature', 400, `${prefix} SignedHeaders "${signedHeadersValue}" is malformed.`);
  if (!signedHeaders.includes('x-amz-region-set')) return authFailure('IncompleteSignature', 400, 'SigV4A requests must sign x-amz-region-set.');
  const regionSet = single(req.headers['x-amz-region-set'])?.trim() ?? '';

  const amzDate = single(req.headers['x-amz-date'])?.trim() ?? '';
  const requestTime = parseAmzDate(amzDate);
  if (!requestTime) return authFailure('AccessDenied', 403, 'SigV4A requires a valid x-amz-date header.');
  if (amzDate.slice(0, 8) !== date) return authFailure('IncompleteSignature', 400, `${prefix} the Credential date is not the date of X-Amz-Date.`);
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(opts.now.getTime() - requestTime.getTime()) > maxSkew) {
    return authFailure('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', {
      RequestTime: amzDate,
      ServerTime: formatIsoSeconds(opts.now),
    });
  }
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) return authFailure('InvalidAccessKeyId', 403, 'The security token included in the request is invalid.');

  const claimedPayload = single(req.headers['x-amz-content-sha256'])?.trim();
  if (claimedPayload !== undefined && claimedPayload !== opts.payloadSha256Hex) {
    return authFailure('SignatureDoesNotMatch', 403, 'The x-amz-content-sha256 header does not match the body.');
  }
  const unsigned = unsignedHeadersFailure(req.headers, signedHeaders, 'header');
  if (unsigned) return unsigned;

  const canonical = canonicalRequest({
    method: req.method.toUpperCase(),
    canonicalUri: canonicalUriNormalized(req.path),
    canonicalQuery: canonicalQueryString(parseQuery(req.query)),
    headers: req.headers,
    signedHeaders,
    payloadHash: opts.payloadSha256Hex,
  });
  const stringToSign = `${SIGV4A_ALGORITHM}\n${amzDate}\n${date}/${service}/aws4_request\n${sha256Hex(canonical)}`;
  let ok = false;
  if (/^(?:[0-9a-f]{2})+$/i.test(signature)) {
    try {
      ok = verifySignature('sha256', Buffer.from(stringToSign, 'utf8'), { key: sigV4aPublicKey(accessKeyId, secret), dsaEncoding: 'der' }, Buffer.from(signature, 'hex'));
    } catch {
      ok = false; // not a DER signature
    }
  }
  if (!ok) {
    return authFailure('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided.', {
      StringToSign: stringToSign,
    });
  }
  return { kind: 'signed', accessKeyId, regionSet };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
