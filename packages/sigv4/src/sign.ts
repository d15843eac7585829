/**
 * A small SigV4 signer for our own outgoing requests (edge → peer edges) and tests.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { formatAmzDate } from './amz-date.js';
import { ALGORITHM, canonicalQueryString, canonicalRequest, canonicalUriNormalized, canonicalUriS3, parseQuery, sha256Hex, stringToSign } from './canonical.js';
import { scopeOf } from './credential.js';
import { deriveSigningKey, signHex } from './signing-key.js';
import type { SigningContext } from './types.js';
import { uriEncode } from './uri-encoding.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignRequestInput {
  method: string;
  /** absolute URL; its path and query are signed exactly as written (already percent-encoded) */
  url: string | URL;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  credentials: Credentials;
  region: string;
  service: string;
  now?: Date;
  /** overrides the payload hash (UNSIGNED-PAYLOAD, STREAMING-…); default sha256 of body */
  payloadHash?: string;
}

export interface SignedRequestDetail {
  /** headers to add to the request (lower-case names) */
  headers: Record<string, string>;
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
  context: SigningContext;
}

// Headers the AWS SDKs never sign (they are changed by proxies or the transport).
const UNSIGNABLE = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

interface RawUrl {
  host: string;
  path: string;
  query: string;
}

/** Splits a URL without normalising its path (new URL() would resolve dot segments). */
export function splitUrl(url: string | URL): RawUrl {
  if (typeof url !== 'string') return { host: url.host, path: url.pathname, query: url.search.replace(/^\?/, '') };
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) throw new TypeError(`not an absolute URL: ${url}`);
  return { host: m[1] ?? '', path: m[2] || '/', query: m[3] ?? '' };
}

function canonicalUriFor(service: string, path: string): string {
  return service === 's3' ? canonicalUriS3(path) : canonicalUriNormalized(path);
}

export function signRequestDetailed(input: SignRequestInput): SignedRequestDetail {
  const { host, path, query } = splitUrl(input.url);
  const now = input.now ?? new Date();
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const scope = scopeOf({ date, region: input.region, service: input.service });
  const payloadHash = input.payloadHash ?? sha256Hex(input.body ?? '');

  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) all[k.toLowerCase()] = v;
  const added: Record<string, string> = {};
  if (all.host === undefined) added.host = host;
  added['x-amz-date'] = amzDate;
  if (input.service === 's3' || input.payloadHash !== undefined) added['x-amz-content-sha256'] = payloadHash;
  if (input.credentials.sessionToken) added['x-amz-security-token'] = input.credentials.sessionToken;
  Object.assign(all, added);

  const signedHeaders = Object.keys(all)
    .filter((n) => !UNSIGNABLE.has(n))
    .sort();
  const canonical = canonicalRequest({
    method: input.method.toUpperCase(),
    canonicalUri: canonicalUriFor(input.service, path),
    canonicalQuery: canonicalQueryString(parseQuery(query)),
    headers: all,
    signedHeaders,
    payloadHash,
  });
  const toSign = stringToSign(amzDate, scope, canonical);
  const signingKey = deriveSigningKey(input.credentials.secretAccessKey, date, input.region, input.service);
  const signature = signHex(signingKey, toSign);
  added.authorization = `${ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}, ` + `SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return {
    headers: added,
    signature,
    canonicalRequest: canonical,
    stringToSign: toSign,
    context: {
      signatureVersion: 4,
      accessKeyId: input.credentials.accessKeyId,
      amzDate,
      scope,
      region: input.region,
      service: input.service,
      signingKey,
      seedSignature: signature,
      payloadHash,
      signedHeaders,
      ...(input.credentials.sessionToken ? { sessionToken: input.credentials.sessionToken } : {}),
    },
  };
}

/** Signs a request; returns the headers to add (host, x-amz-date, x-amz-content-sha256, authorization…). */
export function signRequest(input: SignRequestInput): Record<string, string> {
  return signRequestDetailed(input).headers;
}

export interface PresignInput {
  method: string;
  url: string | URL;
  credentials: Credentials;
  region: string;
  service: string;
  /** seconds, 1…604800; default 900 */
  expiresIn?: number;
  now?: Date;
  /** extra headers the request will carry and that are signed */
  headers?: Record<string, string>;
}

/** A presigned URL (query-string auth, UNSIGNED-PAYLOAD for s3). */
export function presignUrl(input: PresignInput): string {
  const { host, path, query } = splitUrl(input.url);
  const urlText = typeof input.url === 'string' ? input.url : input.url.toString();
  const base = urlText.replace(/[?#].*$/s, '');
  const now = input.now ?? new Date();
  const amzDate = formatAmzDate(now);
  const date = amzDate.slice(0, 8);
  const scope = scopeOf({ date, region: input.region, service: input.service });

  const headers: Record<string, string> = { host };
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const signedHeaders = Object.keys(headers)
    .filter((n) => !UNSIGNABLE.has(n))
    .sort();

  const authParams: Array<[string, string]> = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${input.credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(input.expiresIn ?? 900)],
  ];
  if (input.credentials.sessionToken) authParams.push(['X-Amz-Security-Token', input.credentials.sessionToken]);
  authParams.push(['X-Amz-SignedHeaders', signedHeaders.join(';')]);
  const extra = authParams.map(([n, v]) => `${n}=${uriEncode(v)}`).join('&');
  const fullQuery = query === '' ? extra : `${query}&${extra}`;

  const canonical = canonicalRequest({
    method: input.method.toUpperCase(),
    canonicalUri: canonicalUriFor(input.service, path),
    canonicalQuery: canonicalQueryString(parseQuery(fullQuery)),
    headers,
    signedHeaders,
    payloadHash: input.service === 's3' ? 'UNSIGNED-PAYLOAD' : sha256Hex(''),
  });
  const signingKey = deriveSigningKey(input.credentials.secretAccessKey, date, input.region, input.service);
  const signature = signHex(signingKey, stringToSign(amzDate, scope, canonical));
  return `${base}?${fullQuery}&X-Amz-Signature=${signature}`;
}
