/** Argument checks and small S3 value helpers shared by drivers. */
import { createHash } from 'node:crypto';
import { S3_LIMITS, StoreError, type ObjectMetadata } from './types.js';

/** Any non-empty well-formed string of at most 1024 UTF-8 bytes is a valid key. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StoreError('InvalidArgument', 'Object key must not be empty.');
  }
  if (Buffer.byteLength(key, 'utf8') > S3_LIMITS.maxKeyBytes) {
    throw new StoreError('KeyTooLongError', 'Your key is too long', {
      MaxSizeAllowed: String(S3_LIMITS.maxKeyBytes),
      Size: String(Buffer.byteLength(key, 'utf8')),
    });
  }
  // A lone surrogate cannot be encoded in UTF-8, so it would not round-trip.
  if (LONE_SURROGATE.test(key)) {
    throw new StoreError('InvalidArgument', 'Object key is not valid UTF-8.');
  }
}

/** In `u` mode a paired surrogate is one code point, so this matches only lone ones. */
const LONE_SURROGATE = /\p{Cs}/u;

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > S3_LIMITS.maxParts) {
    throw new StoreError('InvalidArgument', `Part number must be an integer between 1 and ${S3_LIMITS.maxParts}, inclusive`, {
      ArgumentName: 'partNumber',
      ArgumentValue: String(partNumber),
    });
  }
}

/**
 * A version id given to a write (a replica keeps its source's, PutObjectOptions.versionId): ids
 * every store makes fit, radosgw's and the fs store's, and each is safe as a file name and in a URL.
 */
export const GIVEN_VERSION_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function checkGivenVersionId(versionId: string): void {
  if (!GIVEN_VERSION_ID.test(versionId)) throw new StoreError('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
}

/** System document names (see SystemDocuments in types.ts). */
export function checkSystemDocumentName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new StoreError('InvalidArgument', `Invalid system document name ${JSON.stringify(name)}`);
  }
}

/** Outbox partition names (see EventOutbox in types.ts): an origin node id, safe as a file or key name. */
export function isOutboxPartition(partition: string): boolean {
  return typeof partition === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(partition);
}

export function checkOutboxPartition(partition: string): void {
  if (!isOutboxPartition(partition)) {
    throw new StoreError('InvalidArgument', `Invalid outbox partition ${JSON.stringify(partition)}`);
  }
}

/** Outbox batch ids as `newOutboxBatchId` makes them (also what a driver accepts back). */
export function isOutboxBatchId(id: string): boolean {
  return /^[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{8}$/.test(id);
}

export function quoteEtag(hex: string): string {
  return `"${hex}"`;
}

/** ETags compared tolerant of surrounding quotes (clients send both forms). */
export function sameEtag(a: string, b: string): boolean {
  return unquote(a) === unquote(b);
}

function unquote(etag: string): string {
  const t = etag.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/**
 * Multipart ETag: MD5 of the concatenated binary part MD5s, then `-N`.
 * (Not documented by AWS but relied upon by every client; see
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums)
 */
export function multipartEtag(partMd5s: Buffer[]): string {
  const h = createHash('md5');
  for (const m of partMd5s) h.update(m);
  return quoteEtag(`${h.digest('hex')}-${partMd5s.length}`);
}

/** A defensive copy with only the known fields, `undefined`s dropped, then deep-frozen. */
export function freezeMetadata(m: ObjectMetadata): ObjectMetadata {
  const out: ObjectMetadata = { userMetadata: Object.freeze({ ...(m.userMetadata ?? {}) }) };
  const simple = [
    'contentType',
    'cacheControl',
    'contentEncoding',
    'contentDisposition',
    'contentLanguage',
    'expires',
    'websiteRedirectLocation',
    'acl',
    'sealed',
    'tagging',
    'storageClass',
    'owner',
    'grants',
    'replicationStatus',
  ] as const;
  for (const f of simple) {
    const v = m[f];
    // The union of the field types is string | CannedAcl; assigning through the key keeps each one's type.
    if (v !== undefined) (out as unknown as Record<string, unknown>)[f] = v;
  }
  if (m.checksum !== undefined) out.checksum = Object.freeze({ ...m.checksum });
  if (m.partSizes !== undefined) out.partSizes = Object.freeze([...m.partSizes]) as number[];
  if (m.partChecksums !== undefined) out.partChecksums = Object.freeze([...m.partChecksums]) as string[];
  return Object.freeze(out);
}
