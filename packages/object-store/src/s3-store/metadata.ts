/**
 * ObjectMetadata ⇄ the backend's object headers.
 *
 * - Content-Type, Cache-Control, Content-Encoding, Content-Disposition,
 *   Content-Language, Expires, x-amz-website-redirect-location and the user
 *   metadata (x-amz-meta-*) travel as the backend's own headers.
 * - What the backend does not hold for us travels as reserved user metadata:
 *   `x-amz-meta-bucketfront-acl` (canned ACL), `-checksum`
 *   (`<ALGORITHM>:<F|C|->:<base64 value>`) and `-parts` (part sizes as runs,
 *   `<size>x<count>,…`, e.g. `5242880x99,1024`), `-part-checksums` (each part's base64
 *   checksum, comma-separated, in part order) and `-sse` (an encrypted object's envelope,
 *   encryption/envelope.ts, JSON), `-tagging`, `-storage-class`, `-owner` and `-grants`
 *   (ObjectMetadata's fields of those names, wire-encoded), `-replication-status` (the status written
 *   with the version; replication-status.ts keeps the later ones). Every name starting with
 *   `bucketfront-` is ours: hidden from userMetadata on read and refused on write.
 * - Header values must be printable ASCII on the wire (SigV4 hashes UTF-8 while
 *   node writes Latin-1, and HTTP trims outer whitespace), so any other value
 *   is sent as an RFC 2047 encoded word `=?UTF-8?B?<base64>?=` and decoded on
 *   read — as AWS itself returns non-ASCII metadata. A value that merely looks
 *   like an encoded word is encoded too, so decoding is unambiguous.
 * - The backend's default Content-Type (binary/octet-stream, what S3 stores
 *   when none is given) reads back as unset: the origin renders unset that way.
 * - Budget: S3 allows 2 KB of user metadata (names + values). The caller's own
 *   metadata comes first; the ACL is always added (it is tiny, and dropping it
 *   would change access); the checksum, then the part sizes, then the part checksums are
 *   added only while the total stays within 2048 bytes, else they are not stored (a
 *   radosgw backend does not hand back the part checksums of a completed upload, so they
 *   live here: about 45 SHA-256 parts, 150 CRC32 ones fit beside little user metadata).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError, type CannedAcl, type ChecksumAlgorithm, type ObjectMetadata, type ReplicationStatus, type StoredChecksum } from '../types.js';

export const RESERVED_PREFIX = 'bucketfront-';
const ACL = `${RESERVED_PREFIX}acl`;
const CHECKSUM = `${RESERVED_PREFIX}checksum`;
const PARTS = `${RESERVED_PREFIX}parts`;
const PART_CHECKSUMS = `${RESERVED_PREFIX}part-checksums`;
const SEALED = `${RESERVED_PREFIX}sse`;
/** The replication status written with the version (PENDING, REPLICA); later changes live in sidecars (replication-status.ts). */
const REPLICATION_STATUS = `${RESERVED_PREFIX}replication-status`;
const REPLICATION_STATUSES: ReadonlySet<string> = new Set<ReplicationStatus>(['PENDING', 'COMPLETED', 'FAILED', 'REPLICA']);
/** Fields stored verbatim (wire-encoded) under reserved names, always: each changes what a read may see or do. */
const RESERVED_TEXT = [
  ['tagging', `${RESERVED_PREFIX}tagging`],
  ['storageClass', `${RESERVED_PREFIX}storage-class`],
  ['owner', `${RESERVED_PREFIX}owner`],
  ['grants', `${RESERVED_PREFIX}grants`],
] as const;
const META = 'x-amz-meta-';

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (user-defined metadata ≤ 2 KB). */
export const METADATA_BUDGET = 2048;

/** S3's default Content-Type, which backends return when none was stored. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

const CANNED_ACLS: ReadonlySet<string> = new Set<CannedAcl>(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control']);
const ALGORITHMS: ReadonlySet<string> = new Set<ChecksumAlgorithm>(['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256']);

const STANDARD = [
  ['contentType', 'content-type'],
  ['cacheControl', 'cache-control'],
  ['contentEncoding', 'content-encoding'],
  ['contentDisposition', 'content-disposition'],
  ['contentLanguage', 'content-language'],
  ['expires', 'expires'],
  ['websiteRedirectLocation', 'x-amz-website-redirect-location'],
] as const;

/** RFC 9110 token, lower case (node lower-cases names on read anyway). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

// ---------------------------------------------------------------- values

/** Printable ASCII without outer whitespace, and not itself an encoded word. */
function wireSafe(value: string): boolean {
  return /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/.test(value) && !value.startsWith('=?');
}

export function encodeValue(value: string): string {
  return wireSafe(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

const ENCODED_WORD = /^=\?([A-Za-z0-9_-]+)\?([BbQq])\?([^?]*)\?=$/;

/** RFC 2047 encoded words (B and Q, UTF-8 / ASCII / Latin-1); anything else verbatim. */
export function decodeValue(value: string): string {
  if (!value.startsWith('=?')) return value;
  const m = ENCODED_WORD.exec(value);
  if (m === null) return value;
  const charset = m[1]!.toLowerCase();
  const bytes =
    m[2]!.toUpperCase() === 'B'
      ? Buffer.from(m[3]!, 'base64')
      : Buffer.from(
          m[3]!.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        );
  if (charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii') return bytes.toString('utf8');
  if (charset === 'iso-8859-1' || charset === 'latin1') return bytes.toString('latin1');
  return value;
}

// ---------------------------------------------------------------- reserved fields

export function encodeChecksum(c: StoredChecksum): string {
  const type = c.type === 'FULL_OBJECT' ? 'F' : c.type === 'COMPOSITE' ? 'C' : '-';
  return `${c.algorithm}:${type}:${c.value}`;
}

export function decodeChecksum(v: string): StoredChecksum | undefined {
  const m = /^([A-Z0-9]+):([FC-]):([A-Za-z0-9+/=-]*)$/.exec(v.trim());
  if (m === null || !ALGORITHMS.has(m[1]!)) return undefined;
  const c: StoredChecksum = { algorithm: m[1] as ChecksumAlgorithm, value: m[3]! };
  if (m[2] === 'F') c.type = 'FULL_OBJECT';
  else if (m[2] === 'C') c.type = 'COMPOSITE';
  return c;
}

/** Part sizes as runs of equal sizes: `5242880x3,17` = three parts of 5 MiB, then 17 bytes. */
export function encodePartSizes(sizes: readonly number[]): string {
  const runs: string[] = [];
  let i = 0;
  while (i < sizes.length) {
    let j = i + 1;
    while (j < sizes.length && sizes[j] === sizes[i]) j++;
    runs.push(j - i === 1 ? String(sizes[i]) : `${sizes[i]}x${j - i}`);
    i = j;
  }
  return runs.join(',');
}

export function decodePartSizes(v: string): number[] | undefined {
  if (!/^\d+(x\d+)?(,\d+(x\d+)?)*$/.test(v.trim())) return undefined;
  const out: number[] = [];
  for (const run of v.trim().split(',')) {
    const [size, count] = run.split('x');
    const n = count === undefined ? 1 : Number(count);
    if (n < 1 || out.length + n > 10_000) return undefined;
    for (let k = 0; k < n; k++) out.push(Number(size));
  }
  return out;
}

// ---------------------------------------------------------------- write

export interface EncodedMetadata {
  /** Header name (lower case) → value. */
  headers: Record<string, string>;
  /** What the backend will hold: `metadata` minus the reserved fields that did not fit. */
  stored: ObjectMetadata;
}

/**
 * The headers that store `md` (the fields of ObjectMetadata the store sets
 * itself, `partSizes`, come from `md` too). Throws InvalidArgument for user
 * metadata names that are not HTTP tokens or use our reserved prefix.
 */
export function encodeMetadata(md: ObjectMetadata): EncodedMetadata {
  const headers: Record<string, string> = {};
  const stored: ObjectMetadata = { userMetadata: {} };
  for (const [field, header] of STANDARD) {
    const v = md[field];
    if (v === undefined) continue;
    headers[header] = encodeValue(v);
    stored[field] = v;
  }
  let used = 0;
  for (const [name, value] of Object.entries(md.userMetadata ?? {})) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(lower)) {
      throw new StoreError('InvalidArgument', `Metadata name ${JSON.stringify(name)} is not a valid HTTP header name`);
    }
    if (lower.startsWith(RESERVED_PREFIX)) {
      throw new StoreError('InvalidArgument', `Metadata names starting with ${RESERVED_PREFIX} are reserved`, {
        ArgumentName: `${META}${lower}`,
      });
    }
    const wire = encodeValue(value);
    headers[`${META}${lower}`] = wire;
    stored.userMetadata[lower] = value;
    used += Buffer.byteLength(lower) + Buffer.byteLength(wire);
  }
  const reserve = (name: string, value: string, always: boolean): boolean => {
    const cost = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (!always && used + cost > METADATA_BUDGET) return false;
    headers[`${META}${name}`] = value;
    used += cost;
    return true;
  };
  if (md.acl !== undefined) {
    reserve(ACL, md.acl, true);
    stored.acl = md.acl;
  }
  for (const [field, name] of RESERVED_TEXT) {
    const v = md[field];
    if (v === undefined) continue;
    reserve(name, encodeValue(v), true);
    stored[field] = v;
  }
  if (md.replicationStatus !== undefined) {
    reserve(REPLICATION_STATUS, md.replicationStatus, true);
    stored.replicationStatus = md.replicationStatus;
  }
  // An encrypted object's envelope and part layout are needed to read it at all: always stored.
  if (md.sealed !== undefined) {
    reserve(SEALED, md.sealed, true);
    stored.sealed = md.sealed;
  }
  if (md.checksum !== undefined && reserve(CHECKSUM, encodeChecksum(md.checksum), false)) stored.checksum = { ...md.checksum };
  if (md.partSizes !== undefined && reserve(PARTS, encodePartSizes(md.partSizes), md.sealed !== undefined)) {
    stored.partSizes = [...md.partSizes];
    const sums = md.partChecksums;
    if (stored.checksum !== undefined && sums?.length === md.partSizes.length && reserve(PART_CHECKSUMS, sums.join(','), false)) stored.partChecksums = [...sums];
  }
  return { headers, stored };
}

// ---------------------------------------------------------------- read

function headerText(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** The ObjectMetadata a HEAD / GET answer describes (reserved names removed from userMetadata). */
export function decodeMetadata(headers: IncomingHttpHeaders): ObjectMetadata {
  const md: ObjectMetadata = { userMetadata: {} };
  for (const [field, header] of STANDARD) {
    const v = headerText(headers, header);
    if (v === undefined) continue;
    const decoded = decodeValue(v);
    if (field === 'contentType' && decoded === DEFAULT_CONTENT_TYPE) continue;
    md[field] = decoded;
  }
  for (const name in headers) {
    if (!name.startsWith(META)) continue;
    const short = name.slice(META.length);
    const value = headerText(headers, name) ?? '';
    if (!short.startsWith(RESERVED_PREFIX)) {
      md.userMetadata[short] = decodeValue(value);
      continue;
    }
    if (short === ACL) {
      if (CANNED_ACLS.has(value.trim())) md.acl = value.trim() as CannedAcl;
    } else if (short === CHECKSUM) {
      const c = decodeChecksum(value);
      if (c !== undefined) md.checksum = c;
    } else if (short === PARTS) {
      const p = decodePartSizes(value);
      if (p !== undefined) md.partSizes = p;
    } else if (short === PART_CHECKSUMS) {
      if (/^[A-Za-z0-9+/=]+(,[A-Za-z0-9+/=]+)*$/.test(value.trim())) md.partChecksums = value.trim().split(',');
    } else if (short === SEALED) {
      md.sealed = value;
    } else if (short === REPLICATION_STATUS) {
      if (REPLICATION_STATUSES.has(value.trim())) md.replicationStatus = value.trim() as ReplicationStatus;
    } else {
      const text = RESERVED_TEXT.find(([, n]) => n === short);
      if (text !== undefined) md[text[0]] = decodeValue(value);
    }
  }
  return md;
}
