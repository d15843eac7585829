/**
 * Canonical request and string to sign, exactly as SigV4 defines them.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { canonicalQueryComponent, percentDecodeBytes, uriEncode, uriEncodeBytes } from './uri-encoding.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * S3 signs the path exactly as sent: "Do not normalize URI paths for requests to
 * Amazon S3" and the key is encoded once (the wire form already is).
 */
export function canonicalUriS3(rawPath: string): string {
  return rawPath === '' ? '/' : rawPath;
}

/**
 * S3 fallback: each segment decoded and re-encoded once, for clients that sign
 * the canonical encoding but send a looser one (e.g. a literal '!' or '$').
 */
export function canonicalUriS3Reencoded(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath
    .split('/')
    .map((seg) => uriEncodeBytes(percentDecodeBytes(seg)))
    .join('/');
}

/**
 * Every other service: remove empty, '.' and '..' segments, then encode the
 * (already once-encoded) wire path a second time, keeping '/'. Mirrors the AWS
 * SDK's SignatureV4 getCanonicalPath with uriEscapePath = true.
 */
export function canonicalUriNormalized(rawPath: string): string {
  const segments: string[] = [];
  for (const seg of rawPath.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalized = (rawPath.startsWith('/') ? '/' : '') + segments.join('/') + (segments.length > 0 && rawPath.endsWith('/') ? '/' : '');
  return uriEncode(normalized === '' ? '/' : normalized, true);
}

export interface QueryParam {
  /** raw name and value as they appeared in the query string */
  rawName: string;
  rawValue: string;
  /** false for a bare name such as `?acl` */
  hasValue: boolean;
}

/** Splits a raw query string (no '?') into pairs; empty pieces are dropped. */
export function parseQuery(query: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (query === '') return out;
  for (const piece of query.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 0) out.push({ rawName: piece, rawValue: '', hasValue: false });
    else out.push({ rawName: piece.slice(0, eq), rawValue: piece.slice(eq + 1), hasValue: true });
  }
  return out;
}

/** Sorted by encoded name, then encoded value (byte order); `exclude` drops a name (X-Amz-Signature). */
export function canonicalQueryString(params: QueryParam[], exclude?: string): string {
  const encoded: Array<[string, string]> = [];
  for (const p of params) {
    const name = canonicalQueryComponent(p.rawName);
    if (exclude !== undefined && name === exclude) continue;
    encoded.push([name, canonicalQueryComponent(p.rawValue)]);
  }
  encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return encoded.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Trim and collapse sequential whitespace; multiple values are joined with ','. */
export function canonicalHeaderValue(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => v.trim().replace(/\s+/g, ' ')).join(',');
  return value.trim().replace(/\s+/g, ' ');
}

export function canonicalHeaders(headers: IncomingHttpHeaders, signedHeaders: string[]): string {
  let out = '';
  for (const name of signedHeaders) out += `${name}:${canonicalHeaderValue(headers[name])}\n`;
  return out;
}

export function canonicalRequest(parts: { method: string; canonicalUri: string; canonicalQuery: string; headers: IncomingHttpHeaders; signedHeaders: string[]; payloadHash: string }): string {
  return [parts.method, parts.canonicalUri, parts.canonicalQuery, canonicalHeaders(parts.headers, parts.signedHeaders), parts.signedHeaders.join(';'), parts.payloadHash].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestText: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequestText)}`;
}
