/** Object metadata ⇄ HTTP headers (PutObject, CopyObject REPLACE, GetObject, HeadObject). */
import type { IncomingHttpHeaders } from 'node:http';
import type { CannedAcl, ChecksumAlgorithm, ObjectInfo, ObjectMetadata, StoredChecksum } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { storedContentEncoding } from '@bucketfront/sigv4';
import type { HeaderList } from './context.js';
import { tagCount } from './tagging.js';

export const CANNED_ACLS: ReadonlySet<string> = new Set<CannedAcl>([
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'log-delivery-write',
]);

export const CHECKSUM_HEADERS: Record<ChecksumAlgorithm, string> = {
  CRC32: 'x-amz-checksum-crc32',
  CRC32C: 'x-amz-checksum-crc32c',
  CRC64NVME: 'x-amz-checksum-crc64nvme',
  SHA1: 'x-amz-checksum-sha1',
  SHA256: 'x-amz-checksum-sha256',
};
const CHECKSUM_BY_HEADER = new Map(Object.entries(CHECKSUM_HEADERS).map(([alg, h]) => [h, alg as ChecksumAlgorithm]));

/**
 * Storage classes S3 accepts in `x-amz-storage-class`; bucketfront stores and returns them as
 * labels (every object is stored the same way). https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax
 */
export const STORAGE_CLASSES: ReadonlySet<string> = new Set([
  'STANDARD',
  'REDUCED_REDUNDANCY',
  'STANDARD_IA',
  'ONEZONE_IA',
  'INTELLIGENT_TIERING',
  'GLACIER',
  'DEEP_ARCHIVE',
  'GLACIER_IR',
  'OUTPOSTS',
  'SNOW',
  'EXPRESS_ONEZONE',
]);

/** x-amz-storage-class → the label to store (undefined for absent or STANDARD), or InvalidStorageClass. */
export function storageClassFrom(headers: IncomingHttpHeaders): string | undefined | S3Error {
  const sc = headerValue(headers, 'x-amz-storage-class');
  if (sc === undefined) return undefined;
  if (!STORAGE_CLASSES.has(sc)) return new S3Error('InvalidStorageClass', undefined, { StorageClassRequested: sc });
  return sc === 'STANDARD' ? undefined : sc;
}

/** User metadata limit: https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html (2 KB). */
const MAX_USER_METADATA_BYTES = 2048;

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** x-amz-acl → canned ACL; undefined when absent; InvalidArgument when unknown. */
export function cannedAclFrom(headers: IncomingHttpHeaders): CannedAcl | undefined | S3Error {
  const acl = headerValue(headers, 'x-amz-acl');
  if (acl === undefined) return undefined;
  if (!CANNED_ACLS.has(acl)) return new S3Error('InvalidArgument', undefined, { ArgumentName: 'x-amz-acl', ArgumentValue: acl });
  return acl as CannedAcl;
}

/** A checksum sent as a header (value known now); trailer checksums are filled in after the body. */
export function headerChecksum(headers: IncomingHttpHeaders): StoredChecksum | undefined {
  for (const [h, algorithm] of CHECKSUM_BY_HEADER) {
    const v = headerValue(headers, h);
    if (v !== undefined) return { algorithm, value: v.trim(), type: 'FULL_OBJECT' };
  }
  return undefined;
}

/** Metadata a PUT / CreateMultipartUpload / CopyObject(REPLACE) sets, from its headers. */
export function metadataFromHeaders(headers: IncomingHttpHeaders): ObjectMetadata | S3Error {
  const md: ObjectMetadata = { userMetadata: {} };
  const ct = headerValue(headers, 'content-type');
  if (ct !== undefined && ct !== '') md.contentType = ct;
  const cc = headerValue(headers, 'cache-control');
  if (cc !== undefined) md.cacheControl = cc;
  const ce = storedContentEncoding(headerValue(headers, 'content-encoding'));
  if (ce !== undefined) md.contentEncoding = ce;
  const cd = headerValue(headers, 'content-disposition');
  if (cd !== undefined) md.contentDisposition = cd;
  const cl = headerValue(headers, 'content-language');
  if (cl !== undefined) md.contentLanguage = cl;
  const ex = headerValue(headers, 'expires');
  if (ex !== undefined) md.expires = ex;
  const redirect = headerValue(headers, 'x-amz-website-redirect-location');
  if (redirect !== undefined) {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-page-redirect.html
    if (!/^(\/|https?:\/\/)/i.test(redirect)) {
      return new S3Error('InvalidArgument', "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.", {
        ArgumentName: 'x-amz-website-redirect-location',
        ArgumentValue: redirect,
      });
    }
    md.websiteRedirectLocation = redirect;
  }
  let metaBytes = 0;
  for (const name in headers) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const value = headerValue(headers, name) ?? '';
    const short = name.slice('x-amz-meta-'.length);
    metaBytes += Buffer.byteLength(short) + Buffer.byteLength(value);
    md.userMetadata[short] = value;
  }
  if (metaBytes > MAX_USER_METADATA_BYTES) {
    return new S3Error('MetadataTooLarge', undefined, { MaxSizeAllowed: String(MAX_USER_METADATA_BYTES), Size: String(metaBytes) });
  }
  const acl = cannedAclFrom(headers);
  if (acl instanceof S3Error) return acl;
  if (acl !== undefined) md.acl = acl;
  const checksum = headerChecksum(headers);
  if (checksum) md.checksum = checksum;
  const storageClass = storageClassFrom(headers);
  if (storageClass instanceof S3Error) return storageClass;
  if (storageClass !== undefined) md.storageClass = storageClass;
  return md;
}

/** The algorithm a client announced (x-amz-checksum-algorithm on CreateMultipartUpload, x-amz-sdk-checksum-algorithm, a trailer). */
export function announcedChecksumAlgorithm(headers: IncomingHttpHeaders): ChecksumAlgorithm | undefined {
  const named = headerValue(headers, 'x-amz-checksum-algorithm') ?? headerValue(headers, 'x-amz-sdk-checksum-algorithm');
  if (named !== undefined) {
    const up = named.trim().toUpperCase();
    if (up in CHECKSUM_HEADERS) return up as ChecksumAlgorithm;
  }
  const trailer = headerValue(headers, 'x-amz-trailer');
  if (trailer !== undefined) return CHECKSUM_BY_HEADER.get(trailer.trim().toLowerCase());
  return undefined;
}

export interface ObjectHeaderOptions {
  /** The checksum to report (x-amz-checksum-mode: ENABLED): the whole object's, or the part's asked for. */
  checksum: StoredChecksum | undefined;
  /** response-* overrides (signed requests only). */
  overrides?: Map<string, string>;
  /** partNumber GETs report the part count. */
  partsCount?: number;
}

const OVERRIDES: [query: string, header: string][] = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
];

/**
 * response-* query overrides. S3 allows them only on signed requests
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax).
 */
export function responseOverrides(query: ReadonlyMap<string, string>, signed: boolean): Map<string, string> | S3Error | undefined {
  let out: Map<string, string> | undefined;
  for (const [q, h] of OVERRIDES) {
    const v = query.get(q);
    if (v === undefined) continue;
    if (!signed) return new S3Error('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.');
    if (/[^\t\x20-\x7e\x80-\xff]/.test(v)) return new S3Error('InvalidArgument', undefined, { ArgumentName: q, ArgumentValue: v });
    (out ??= new Map()).set(h, v);
  }
  return out;
}

/** Headers describing a stored object (GetObject / HeadObject). */
export function objectHeaders(info: ObjectInfo, opts: ObjectHeaderOptions): HeaderList {
  const md = info.metadata;
  const o = opts.overrides;
  const h: HeaderList = [
    'Content-Type',
    o?.get('Content-Type') ?? md.contentType ?? 'binary/octet-stream',
    'ETag',
    info.etag,
    'Last-Modified',
    info.lastModified.toUTCString(),
    'Accept-Ranges',
    'bytes',
  ];
  const cc = o?.get('Cache-Control') ?? md.cacheControl;
  if (cc !== undefined) h.push('Cache-Control', cc);
  const ce = o?.get('Content-Encoding') ?? md.contentEncoding;
  if (ce !== undefined) h.push('Content-Encoding', ce);
  const cd = o?.get('Content-Disposition') ?? md.contentDisposition;
  if (cd !== undefined) h.push('Content-Disposition', cd);
  const cl = o?.get('Content-Language') ?? md.contentLanguage;
  if (cl !== undefined) h.push('Content-Language', cl);
  const ex = o?.get('Expires') ?? md.expires;
  if (ex !== undefined) h.push('Expires', ex);
  if (md.websiteRedirectLocation !== undefined) h.push('x-amz-website-redirect-location', md.websiteRedirectLocation);
  for (const name in md.userMetadata) h.push('x-amz-meta-' + name, md.userMetadata[name]!);
  const checksum = opts.checksum;
  if (checksum?.value) {
    h.push(CHECKSUM_HEADERS[checksum.algorithm], checksum.value);
    if (checksum.type) h.push('x-amz-checksum-type', checksum.type);
  }
  if (opts.partsCount !== undefined) h.push('x-amz-mp-parts-count', String(opts.partsCount));
  // S3 omits the header for STANDARD objects.
  if (md.storageClass !== undefined && md.storageClass !== 'STANDARD') h.push('x-amz-storage-class', md.storageClass);
  const tags = tagCount(md.tagging);
  if (tags > 0) h.push('x-amz-tagging-count', String(tags));
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-status.html (docs/replication.md#statuses)
  if (md.replicationStatus !== undefined) h.push('x-amz-replication-status', md.replicationStatus);
  return h;
}

/**
 * DeleteObjects and PutBucketCors need Content-MD5 or an x-amz-checksum-* (the payload decoder
 * verifies whichever was sent); without one S3 answers this InvalidRequest.
 */
export function missingContentMd5(headers: IncomingHttpHeaders): S3Error | null {
  if (headerValue(headers, 'content-md5') !== undefined || headerChecksum(headers) || announcedChecksumAlgorithm(headers)) return null;
  return new S3Error('InvalidRequest', 'Missing required header for this request: Content-MD5');
}
