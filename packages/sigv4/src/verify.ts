/**
 * SigV4 request verification: Authorization header, presigned query, or anonymous.
 * Header auth: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 * Presigned:   https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
 * Error codes: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { parseHttpDate } from '@bucketfront/http-basics';
import { formatAmzDate, formatIsoSeconds, parseAmzDate } from './amz-date.js';
import {
  ALGORITHM,
  EMPTY_SHA256,
  canonicalQueryString,
  canonicalRequest,
  canonicalUriNormalized,
  canonicalUriS3,
  canonicalUriS3Reencoded,
  parseQuery,
  stringToSign,
  type QueryParam,
} from './canonical.js';
import { parseAuthorizationComponents, parseCredential, parseSignedHeaders, scopeOf, type Credential } from './credential.js';
import { authFailure, type AuthFailure } from './errors.js';
import { INVALID_CONTENT_SHA256_MESSAGE, UNSIGNED_PAYLOAD, payloadModeOf } from './payload-mode.js';
import { deriveSigningKey, signHex, signaturesEqual } from './signing-key.js';
import type { SigV4Request, SignedResult, VerifyOptions, VerifyResult } from './types.js';
import { unsignedHeadersFailure } from './signed-headers.js';
import { verifyHeaderV2, verifyPresignedV2 } from './sigv2.js';
import { decodeQueryComponent } from './uri-encoding.js';

export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604800;

const SIGNATURE_MISMATCH_MESSAGE = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';
const CREDENTIAL_FORMAT = 'expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".';

/** Never throws: garbage input yields an error value. */
export function verifyRequest(req: SigV4Request, opts: VerifyOptions): VerifyResult {
  try {
    return verify(req, opts);
  } catch {
    return authFailure('InvalidRequest', 400, 'The request could not be authenticated.');
  }
}

function headerString(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

function verify(req: SigV4Request, opts: VerifyOptions): VerifyResult {
  const authorization = headerString(req.headers.authorization);
  const params = parseQuery(req.query);
  const names = new Set(params.map((p) => decodeQueryComponent(p.rawName)));
  const hasQueryV4 = names.has('X-Amz-Algorithm') || names.has('X-Amz-Signature') || names.has('X-Amz-Credential');
  const hasQueryV2 = names.has('Signature') && names.has('AWSAccessKeyId');

  if (authorization !== undefined && (hasQueryV4 || hasQueryV2)) {
    return authFailure(
      'InvalidArgument',
      400,
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      { ArgumentName: 'Authorization', ArgumentValue: authorization },
    );
  }
  if (authorization !== undefined) return verifyHeaderAuth(req, opts, authorization, params);
  if (hasQueryV4) return verifyPresigned(req, opts, params);
  if (hasQueryV2) return verifyPresignedV2(req, opts, params);
  return { kind: 'anonymous' };
}

/** Checks shared by both mechanisms: terminator, service and region of the scope. */
function checkScope(cred: Credential, opts: VerifyOptions, prefix: string, code: AuthFailure['code']): AuthFailure | undefined {
  if (cred.terminator !== 'aws4_request') {
    return authFailure(code, 400, `${prefix} incorrect terminal "${cred.terminator}". This endpoint uses "aws4_request".`);
  }
  if (cred.service !== opts.service) {
    return authFailure(code, 400, `${prefix} incorrect service "${cred.service}". This endpoint belongs to "${opts.service}".`);
  }
  if (opts.region !== undefined && cred.region !== opts.region) {
    return authFailure(code, 400, `${prefix} the region '${cred.region}' is wrong; expecting '${opts.region}'`, {
      Region: opts.region,
    });
  }
  return undefined;
}

function verifyHeaderAuth(req: SigV4Request, opts: VerifyOptions, authorization: string, params: QueryParam[]): VerifyResult {
  const prefix = 'The authorization header is malformed;';
  const match = /^AWS4-HMAC-SHA256[ \t]+(.*)$/s.exec(authorization.trim());
  if (!match) {
    if (/^AWS /.test(authorization)) return verifyHeaderV2(req, opts, params, authorization);
    return authFailure('InvalidArgument', 400, 'Unsupported Authorization Type', {
      ArgumentName: 'Authorization',
      ArgumentValue: authorization.slice(0, 256),
    });
  }
  const parsed = parseAuthorizationComponents(match[1] ?? '');
  if (!parsed.ok) {
    return authFailure('AuthorizationHeaderMalformed', 400, `${prefix} the authorization component "${parsed.component}" is malformed.`);
  }
  const credentialValue = parsed.values.get('Credential');
  const signedHeadersValue = parsed.values.get('SignedHeaders');
  const signature = parsed.values.get('Signature');
  if (credentialValue === undefined || signedHeadersValue === undefined || signature === undefined) {
    return authFailure('AuthorizationHeaderMalformed', 400, `${prefix} the authorization header requires three components: Credential, SignedHeaders, and Signature.`);
  }
  const cred = parseCredential(credentialValue);
  if (!cred) return authFailure('AuthorizationHeaderMalformed', 400, `${prefix} the Credential is mal-formed; ${CREDENTIAL_FORMAT}`);
  const scopeError = checkScope(cred, opts, prefix, 'AuthorizationHeaderMalformed');
  if (scopeError) return scopeError;
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) {
    return authFailure('AuthorizationHeaderMalformed', 400, `${prefix} the authorization component "SignedHeaders=${signedHeadersValue}" is malformed.`);
  }

  // x-amz-date wins over Date; the string to sign always uses the ISO basic form.
  const amzDateHeader = headerString(req.headers['x-amz-date']);
  const dateHeader = headerString(req.headers.date);
  let requestTime: Date | undefined;
  let amzDate: string;
  let requestTimeText: string;
  if (amzDateHeader !== undefined) {
    requestTime = parseAmzDate(amzDateHeader.trim());
    amzDate = amzDateHeader.trim();
    requestTimeText = amzDate;
  } else if (dateHeader !== undefined) {
    // The RFC 1123 Date header fallback: IMF-fixdate only.
    const ms = parseHttpDate(dateHeader, { strict: true });
    requestTime = ms === undefined ? undefined : new Date(ms);
    amzDate = requestTime ? formatAmzDate(requestTime) : '';
    requestTimeText = dateHeader;
  } else {
    amzDate = '';
    requestTimeText = '';
  }
  if (!requestTime) return authFailure('AccessDenied', 403, 'AWS authentication requires a valid Date or x-amz-date header');
  if (cred.date !== amzDate.slice(0, 8)) {
    return authFailure('AuthorizationHeaderMalformed', 400, `${prefix} Invalid credential date. Date is not the same as X-Amz-Date.`);
  }

  const secret = opts.lookupSecret(cred.accessKeyId);
  if (secret === undefined) return invalidAccessKey(cred.accessKeyId);

  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(opts.now.getTime() - requestTime.getTime()) > maxSkew) {
    return authFailure('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.', {
      RequestTime: requestTimeText,
      ServerTime: formatIsoSeconds(opts.now),
      MaxAllowedSkewMilliseconds: String(maxSkew),
    });
  }

  let payloadHash: string;
  const contentSha = headerString(req.headers['x-amz-content-sha256'])?.trim();
  if (opts.service === 's3') {
    if (contentSha === undefined) {
      return authFailure('InvalidRequest', 400, 'Missing required header for this request: x-amz-content-sha256');
    }
    payloadHash = contentSha;
  } else {
    payloadHash = opts.payloadSha256Hex ?? contentSha ?? EMPTY_SHA256;
  }
  const payload = payloadModeOf(payloadHash);
  if (!payload) return invalidContentSha256('x-amz-content-sha256', payloadHash);
  return checkSignature({
    req,
    opts,
    cred,
    secret,
    amzDate,
    signedHeaders,
    signature,
    payloadHash,
    canonicalQuery: canonicalQueryString(params),
    via: 'header',
    sessionToken: headerString(req.headers['x-amz-security-token']),
  });
}

function invalidAccessKey(accessKeyId: string): AuthFailure {
  return authFailure('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', {
    AWSAccessKeyId: accessKeyId,
  });
}

function firstParam(params: QueryParam[], name: string): string | undefined {
  for (const p of params) if (decodeQueryComponent(p.rawName) === name) return decodeQueryComponent(p.rawValue);
  return undefined;
}

function verifyPresigned(req: SigV4Request, opts: VerifyOptions, params: QueryParam[]): VerifyResult {
  const code = 'AuthorizationQueryParametersError';
  const algorithm = firstParam(params, 'X-Amz-Algorithm');
  const credentialValue = firstParam(params, 'X-Amz-Credential');
  const dateValue = firstParam(params, 'X-Amz-Date');
  const expiresValue = firstParam(params, 'X-Amz-Expires');
  const signedHeadersValue = firstParam(params, 'X-Amz-SignedHeaders');
  const signature = firstParam(params, 'X-Amz-Signature');
  if (algorithm === undefined || credentialValue === undefined || dateValue === undefined || expiresValue === undefined || signedHeadersValue === undefined || signature === undefined) {
    return authFailure(
      code,
      400,
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (algorithm !== ALGORITHM) return authFailure(code, 400, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const prefix = 'Error parsing the X-Amz-Credential parameter;';
  const cred = parseCredential(credentialValue);
  if (!cred) return authFailure(code, 400, `${prefix} the Credential is mal-formed; ${CREDENTIAL_FORMAT}`);
  const scopeError = checkScope(cred, opts, prefix, code);
  if (scopeError) return scopeError;
  const requestTime = parseAmzDate(dateValue);
  if (!requestTime) return authFailure(code, 400, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (!/^-?\d+$/.test(expiresValue)) return authFailure(code, 400, 'X-Amz-Expires should be a number');
  const expires = Number(expiresValue);
  if (expires < 0) return authFailure(code, 400, 'X-Amz-Expires must be non-negative');
  if (expires > MAX_PRESIGNED_EXPIRES_SECONDS) {
    return authFailure(code, 400, 'X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is 604800 seconds');
  }
  if (cred.date !== dateValue.slice(0, 8)) {
    return authFailure(code, 400, `${prefix} Invalid credential date. Date is not the same as X-Amz-Date.`);
  }
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) return authFailure(code, 400, 'X-Amz-SignedHeaders is malformed');

  const secret = opts.lookupSecret(cred.accessKeyId);
  if (secret === undefined) return invalidAccessKey(cred.accessKeyId);

  const now = opts.now.getTime();
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (requestTime.getTime() - now > maxSkew) return authFailure('AccessDenied', 403, 'Request is not valid yet');
  const expiresAt = requestTime.getTime() + expires * 1000;
  if (now > expiresAt) {
    return authFailure('AccessDenied', 403, 'Request has expired', {
      'X-Amz-Expires': String(expires),
      Expires: formatIsoSeconds(new Date(expiresAt)),
      ServerTime: formatIsoSeconds(opts.now),
    });
  }

  // Presigned S3 URLs sign UNSIGNED-PAYLOAD unless the URL carries its own hash; an
  // x-amz-content-sha256 header, signed or not, is the hash the request claims (S3 then
  // answers SignatureDoesNotMatch for any value the signer did not use).
  const queryHash = firstParam(params, 'X-Amz-Content-Sha256') ?? firstParam(params, 'x-amz-content-sha256');
  const headerHash = headerString(req.headers['x-amz-content-sha256'])?.trim();
  const claimedHash = queryHash ?? headerHash;
  const payloadHash = opts.service === 's3' ? (claimedHash ?? UNSIGNED_PAYLOAD) : (opts.payloadSha256Hex ?? claimedHash ?? UNSIGNED_PAYLOAD);
  if (!payloadModeOf(payloadHash)) return invalidContentSha256('X-Amz-Content-Sha256', payloadHash);
  return checkSignature({
    req,
    opts,
    cred,
    secret,
    amzDate: dateValue,
    signedHeaders,
    signature,
    payloadHash,
    canonicalQuery: canonicalQueryString(params, 'X-Amz-Signature'),
    via: 'presigned',
    sessionToken: firstParam(params, 'X-Amz-Security-Token'),
  });
}

interface SignatureCheck {
  req: SigV4Request;
  opts: VerifyOptions;
  cred: Credential;
  secret: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
  canonicalQuery: string;
  via: 'header' | 'presigned';
  sessionToken: string | undefined;
}

/** The claimed payload hash (named `argumentName` where the request carries it) is none S3 knows. */
function invalidContentSha256(argumentName: string, payloadHash: string): AuthFailure {
  return authFailure('InvalidArgument', 400, INVALID_CONTENT_SHA256_MESSAGE, {
    ArgumentName: argumentName,
    ArgumentValue: payloadHash.slice(0, 256),
  });
}

/** Refuses headers that must be signed but are not, then checks the signature itself. */
function checkSignature(c: SignatureCheck): VerifyResult {
  const unsigned = unsignedHeadersFailure(c.req.headers, c.signedHeaders, c.via);
  if (unsigned) return unsigned;
  const scope = scopeOf(c.cred);
  const signingKey = deriveSigningKey(c.secret, c.cred.date, c.cred.region, c.cred.service);
  const uris = c.opts.service === 's3' ? [canonicalUriS3(c.req.path), canonicalUriS3Reencoded(c.req.path)] : [canonicalUriNormalized(c.req.path)];
  let firstStringToSign = '';
  for (let i = 0; i < uris.length; i++) {
    const uri = uris[i] as string;
    if (i > 0 && uri === uris[0]) break;
    const canonical = canonicalRequest({
      method: c.req.method.toUpperCase(),
      canonicalUri: uri,
      canonicalQuery: c.canonicalQuery,
      headers: c.req.headers,
      signedHeaders: c.signedHeaders,
      payloadHash: c.payloadHash,
    });
    const toSign = stringToSign(c.amzDate, scope, canonical);
    if (i === 0) firstStringToSign = toSign;
    if (signaturesEqual(signHex(signingKey, toSign), c.signature)) return signed(c, scope, signingKey);
  }
  return authFailure('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH_MESSAGE, {
    AWSAccessKeyId: c.cred.accessKeyId,
    StringToSign: firstStringToSign,
    SignatureProvided: c.signature,
  });
}

function signed(c: SignatureCheck, scope: string, signingKey: Buffer): SignedResult {
  const payload = payloadModeOf(c.payloadHash) ?? { kind: 'unsigned' as const };
  return {
    kind: 'signed',
    accessKeyId: c.cred.accessKeyId,
    via: c.via,
    payload,
    context: {
      signatureVersion: 4,
      accessKeyId: c.cred.accessKeyId,
      amzDate: c.amzDate,
      scope,
      region: c.cred.region,
      service: c.cred.service,
      signingKey,
      seedSignature: c.signature,
      payloadHash: c.payloadHash,
      signedHeaders: c.signedHeaders,
      ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}),
    },
  };
}
