/**
 * HTTP request → typed {@link S3Operation}: method + bucket (path-style or
 * virtual-hosted) + key + query sub-resources.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
 */
import { hostWithoutPort } from '@bucketfront/http-basics';
import { decodeQueryComponentStrict } from '@bucketfront/sigv4';
import { S3Error } from './errors.js';
import { invalidBucketName, isValidBucketName, validateObjectKey } from './names.js';
import type { BucketOperationName, QueryParams, S3Operation } from './operation.js';

export interface S3RequestLine {
  method: string;
  /** Host header (port allowed). */
  host?: string;
  /** Raw request path, still percent-encoded, without the query. */
  rawPath: string;
  /** Raw query string without '?', '' when none. */
  rawQuery: string;
  /** Only `x-amz-copy-source` (CopyObject / UploadPartCopy) and `content-type` (PostObject) are consulted. */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

export interface S3AddressingOptions {
  /** The API's base domain; `BUCKET.s3.DOMAIN` and `BUCKET.s3.REGION.DOMAIN` are virtual-hosted. */
  websiteDomain: string;
  region: string;
}

/**
 * Sub-resources that select an operation (from the SigV2 list of signed
 * sub-resources plus newer ones). Any of these we do not map is NotImplemented;
 * other query parameters are ignored, as S3 does.
 */
const SUB_RESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
  'renameObject',
]);

const EMPTY_QUERY: QueryParams = new Map();

/**
 * Splits a raw query string, decoding each name and value by the one rule the signature
 * verifier also uses (`decodeQueryComponentStrict` in @bucketfront/sigv4: `+` is a space).
 * Malformed escapes → InvalidURI.
 */
export function parseQuery(rawQuery: string): QueryParams | S3Error {
  if (rawQuery === '') return EMPTY_QUERY;
  const out = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const name = decodeQueryComponentStrict(rawName);
    const value = decodeQueryComponentStrict(rawValue);
    if (name === null || value === null) return new S3Error('InvalidURI');
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** A path segment: %XX decoded, `+` literal (only queries are form-encoded). */
function decodePathComponent(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/**
 * The bucket named by a virtual-hosted Host (`BUCKET.s3.DOMAIN`,
 * `BUCKET.s3.REGION.DOMAIN`, and `BUCKET.DOMAIN`, which is what SDKs send for
 * an endpoint of `http://DOMAIN:port` without path-style), or null for
 * path-style addressing (`DOMAIN`, `s3.DOMAIN`, `s3.REGION.DOMAIN`, an IP,
 * any other host).
 */
export function virtualHostBucket(host: string | undefined, websiteDomain: string): string | null {
  if (!host) return null;
  let h = hostWithoutPort(host);
  if (h.endsWith('.')) h = h.slice(0, -1);
  const domain = websiteDomain.toLowerCase();
  if (!h.endsWith('.' + domain)) return null;
  const rest = h.slice(0, -(domain.length + 1));
  // `s3` / `s3.REGION` alone is the path-style service endpoint.
  if (/^s3(?:\.[a-z0-9-]+)?$/.test(rest)) return null;
  const m = /^(.+)\.s3(?:\.[a-z0-9-]+)?$/.exec(rest);
  return m?.[1] ?? rest;
}

export function parseS3Request(req: S3RequestLine, opts: S3AddressingOptions): S3Operation | S3Error {
  const query = parseQuery(req.rawQuery);
  if (query instanceof S3Error) return query;

  let bucket: string | null = virtualHostBucket(req.host, opts.websiteDomain);
  let rawKey: string;
  if (bucket !== null) {
    rawKey = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
  } else {
    const path = req.rawPath.startsWith('/') ? req.rawPath.slice(1) : req.rawPath;
    const slash = path.indexOf('/');
    const rawBucket = slash === -1 ? path : path.slice(0, slash);
    rawKey = slash === -1 ? '' : path.slice(slash + 1);
    if (rawBucket !== '') {
      const decoded = decodePathComponent(rawBucket);
      if (decoded === null) return new S3Error('InvalidURI');
      bucket = decoded;
    }
  }
  const key = decodePathComponent(rawKey);
  if (key === null) return new S3Error('InvalidURI');

  const method = req.method.toUpperCase();
  if (bucket === null) {
    if (method === 'GET') return { op: 'ListBuckets', query };
    return new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'SERVICE' });
  }
  if (!isValidBucketName(bucket)) return invalidBucketName(bucket);

  const sub = subResourceOf(query);
  if (key === '') {
    if (method === 'POST' && sub === null) return postToBucket(bucket, query, header(req.headers, 'content-type'));
    return bucketOperation(method, bucket, sub, query);
  }
  const keyError = validateObjectKey(key);
  if (keyError) return keyError;
  return objectOperation(method, bucket, key, sub, query, header(req.headers, 'x-amz-copy-source') !== undefined);
}

function header(headers: S3RequestLine['headers'], name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The first operation-selecting sub-resource in the query, or null. */
function subResourceOf(query: QueryParams): string | null {
  if (query.size === 0) return null;
  for (const name of query.keys()) if (SUB_RESOURCES.has(name)) return name;
  return null;
}

function notImplemented(method: string, level: 'Bucket' | 'Object', sub: string | null, bucket: string, key?: string, query: QueryParams = EMPTY_QUERY): S3Operation {
  const verb = method === 'GET' ? 'Get' : method === 'PUT' ? 'Put' : method === 'DELETE' ? 'Delete' : method === 'HEAD' ? 'Head' : method === 'POST' ? 'Post' : method;
  const what = sub ? sub.charAt(0).toUpperCase() + sub.slice(1).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) : '';
  const op: S3Operation = { op: 'NotImplemented', name: `${verb}${level}${what}`, bucket, query };
  if (key !== undefined) op.key = key;
  return op;
}

/**
 * Bucket operations by method, then by operation-selecting sub-resource ('' when there is none);
 * what is not here is NotImplemented. A POST without sub-resource is PostObject ({@link postToBucket}).
 * GET with no sub-resource (the listings), GET ?versions and HEAD are decided in {@link bucketOperation}.
 */
const BUCKET_OPERATIONS: ReadonlyMap<string, ReadonlyMap<string, BucketOperationName>> = new Map([
  [
    'GET',
    new Map<string, BucketOperationName>([
      ['location', 'GetBucketLocation'],
      ['website', 'GetBucketWebsite'],
      ['policy', 'GetBucketPolicy'],
      ['encryption', 'GetBucketEncryption'],
      ['notification', 'GetBucketNotificationConfiguration'],
      ['acl', 'GetBucketAcl'],
      ['uploads', 'ListMultipartUploads'],
      ['versioning', 'GetBucketVersioning'],
      ['cors', 'GetBucketCors'],
      ['publicAccessBlock', 'GetPublicAccessBlock'],
      ['ownershipControls', 'GetBucketOwnershipControls'],
      ['policyStatus', 'GetBucketPolicyStatus'],
      ['logging', 'GetBucketLogging'],
    ]),
  ],
  [
    'PUT',
    new Map<string, BucketOperationName>([
      ['', 'CreateBucket'],
      ['website', 'PutBucketWebsite'],
      ['policy', 'PutBucketPolicy'],
      ['encryption', 'PutBucketEncryption'],
      ['notification', 'PutBucketNotificationConfiguration'],
      ['acl', 'PutBucketAcl'],
      ['cors', 'PutBucketCors'],
      ['publicAccessBlock', 'PutPublicAccessBlock'],
      ['ownershipControls', 'PutBucketOwnershipControls'],
      ['logging', 'PutBucketLogging'],
      ['versioning', 'PutBucketVersioning'],
    ]),
  ],
  [
    'DELETE',
    new Map<string, BucketOperationName>([
      ['', 'DeleteBucket'],
      ['website', 'DeleteBucketWebsite'],
      ['policy', 'DeleteBucketPolicy'],
      ['encryption', 'DeleteBucketEncryption'],
      ['cors', 'DeleteBucketCors'],
      ['publicAccessBlock', 'DeletePublicAccessBlock'],
      ['ownershipControls', 'DeleteBucketOwnershipControls'],
    ]),
  ],
  ['POST', new Map<string, BucketOperationName>([['delete', 'DeleteObjects']])],
  ['OPTIONS', new Map<string, BucketOperationName>([['', 'OptionsBucket']])],
]);

/**
 * POST /bucket is the browser form upload (PostObject) when the body is multipart/form-data;
 * any other body gets S3's 412 PreconditionFailed with the condition it names.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
function postToBucket(bucket: string, query: QueryParams, contentType: string | undefined): S3Operation | S3Error {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mediaType === 'multipart/form-data') return { op: 'PostObject', bucket, query };
  return new S3Error('PreconditionFailed', undefined, { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' });
}

function bucketOperation(method: string, bucket: string, sub: string | null, query: QueryParams): S3Operation | S3Error {
  if (method === 'HEAD') return { op: 'HeadBucket', bucket, query };
  if (method === 'GET' && sub === null) return query.get('list-type') === '2' ? { op: 'ListObjectsV2', bucket, query } : { op: 'ListObjects', bucket, query };
  if (method === 'GET' && sub === 'versions') return { op: 'ListObjectVersions', bucket, query };
  const bySub = BUCKET_OPERATIONS.get(method);
  if (bySub === undefined) return new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
  const op = bySub.get(sub ?? '');
  return op !== undefined ? { op, bucket, query } : notImplemented(method, 'Bucket', sub, bucket, undefined, query);
}

function objectOperation(method: string, bucket: string, key: string, sub: string | null, query: QueryParams, hasCopySource: boolean): S3Operation | S3Error {
  switch (method) {
    case 'GET':
      if (sub === null) return { op: 'GetObject', bucket, key, query };
      if (sub === 'acl') return { op: 'GetObjectAcl', bucket, key, query };
      if (sub === 'tagging') return { op: 'GetObjectTagging', bucket, key, query };
      if (sub === 'attributes') return { op: 'GetObjectAttributes', bucket, key, query };
      if (sub === 'torrent') return { op: 'GetObjectTorrent', bucket, key, query };
      if (sub === 'uploadId') return { op: 'ListParts', bucket, key, uploadId: query.get('uploadId') ?? '', query };
      return notImplemented(method, 'Object', sub, bucket, key, query);
    case 'HEAD':
      return { op: 'HeadObject', bucket, key, query };
    case 'PUT': {
      if (sub === null) return { op: hasCopySource ? 'CopyObject' : 'PutObject', bucket, key, query };
      if (sub === 'acl') return { op: 'PutObjectAcl', bucket, key, query };
      if (sub === 'tagging') return { op: 'PutObjectTagging', bucket, key, query };
      if (sub === 'uploadId') {
        const partNumber = parsePartNumber(query.get('partNumber'));
        if (partNumber instanceof S3Error) return partNumber;
        return { op: hasCopySource ? 'UploadPartCopy' : 'UploadPart', bucket, key, uploadId: query.get('uploadId') ?? '', partNumber, query };
      }
      return notImplemented(method, 'Object', sub, bucket, key, query);
    }
    case 'POST':
      if (sub === 'uploads') return { op: 'CreateMultipartUpload', bucket, key, query };
      if (sub === 'uploadId') return { op: 'CompleteMultipartUpload', bucket, key, uploadId: query.get('uploadId') ?? '', query };
      return notImplemented(method, 'Object', sub, bucket, key, query);
    case 'DELETE':
      if (sub === null) return { op: 'DeleteObject', bucket, key, query };
      if (sub === 'tagging') return { op: 'DeleteObjectTagging', bucket, key, query };
      if (sub === 'uploadId') return { op: 'AbortMultipartUpload', bucket, key, uploadId: query.get('uploadId') ?? '', query };
      return notImplemented(method, 'Object', sub, bucket, key, query);
    case 'OPTIONS':
      return { op: 'OptionsObject', bucket, key, query };
    default:
      return new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
  }
}

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html — 1…10,000. */
export function parsePartNumber(raw: string | undefined): number | S3Error {
  const n = raw !== undefined && /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 10_000)) {
    return new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', {
      ArgumentName: 'partNumber',
      ArgumentValue: raw ?? '',
    });
  }
  return n;
}
