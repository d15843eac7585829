/** Query-parameter parsing shared by the list operations. */
import { S3Error } from '@bucketfront/s3-protocol';

/** max-keys / max-uploads / max-parts: default and cap 1000, non-negative integer. */
export function parseMaxCount(raw: string | undefined, name: string, cap = 1000): number | S3Error {
  if (raw === undefined || raw === '') return cap;
  if (!/^\d+$/.test(raw.trim())) {
    return new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: name, ArgumentValue: raw });
  }
  return Math.min(Number(raw.trim()), cap);
}

/** encoding-type: only `url` exists. */
export function parseEncodingType(raw: string | undefined): 'url' | undefined | S3Error {
  if (raw === undefined) return undefined;
  if (raw.toLowerCase() === 'url') return 'url';
  return new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: raw });
}

/**
 * encoding-type=url: percent-encode like S3 (RFC 3986 unreserved kept, `/` kept).
 * Clients decode with unquote / decodeURIComponent.
 */
export function urlEncodeKey(s: string): string {
  return encodeURIComponent(s)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function maybeEncode(value: string | undefined, encoding: 'url' | undefined): string | undefined {
  if (value === undefined || encoding === undefined) return value;
  return urlEncodeKey(value);
}

/** ListObjectsV2 continuation tokens are opaque to clients: base64url of the last returned key. */
export function encodeContinuationToken(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string | S3Error {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(token)) {
    return new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  return Buffer.from(token, 'base64url').toString('utf8');
}
