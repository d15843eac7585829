/**
 * One S3 server access log record, in AWS's format: space-separated fields in AWS's order, `-`
 * for a field with no value, Request-URI / Referer / User-Agent quoted.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html (docs/access-logs.md).
 */

/** What the request path captures (cheap field reads, no formatting). */
export interface AccessRecordInput {
  /** The logged (source) bucket. */
  bucket: string;
  /** ms since the epoch when the request arrived. */
  timeMs: number;
  remoteIp: string | undefined;
  /** Canonical user id, or undefined for an anonymous request. */
  requester: string | undefined;
  requestId: string;
  /** `REST.GET.OBJECT` style (operationName below). */
  operation: string;
  key: string | undefined;
  /** The request's `versionId` parameter ("The version ID in the request"). */
  versionId: string | undefined;
  /** `METHOD target HTTP/x.y` as received. */
  requestUri: string;
  status: number;
  errorCode: string | undefined;
  bytesSent: number;
  objectSize: number | undefined;
  totalTimeMs: number;
  turnAroundMs: number | undefined;
  referer: string | undefined;
  userAgent: string | undefined;
  hostId: string;
  signatureVersion: 'SigV2' | 'SigV4' | undefined;
  cipherSuite: string | undefined;
  authType: 'AuthHeader' | 'QueryString' | undefined;
  hostHeader: string | undefined;
  tlsVersion: string | undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** `[06/Feb/2019:00:00:38 +0000]` (always UTC). */
export function formatLogTime(ms: number): string {
  const d = new Date(ms);
  return `[${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000]`;
}

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));
/** A quoted field: `"-"` when absent; embedded quotes and backslashes escaped. */
const quoted = (v: string | undefined): string => (v === undefined || v === '' ? '"-"' : `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`);
/** Unquoted fields never hold a space (it would shift every later field). */
const bare = (v: string | undefined): string => dash(v?.replace(/\s/g, '+'));

/** The record line (no trailing newline), `bucketOwner` being the bucket owner's canonical id. */
export function formatAccessRecord(r: AccessRecordInput, bucketOwner: string): string {
  return [
    bare(bucketOwner),
    bare(r.bucket),
    formatLogTime(r.timeMs),
    bare(r.remoteIp?.startsWith('::ffff:') ? r.remoteIp.slice(7) : r.remoteIp),
    bare(r.requester),
    bare(r.requestId),
    bare(r.operation),
    // "The key part of the request, URL encoded, or - if the operation doesn't take a key parameter."
    r.key === undefined ? '-' : encodeURIComponent(r.key).replace(/%2F/g, '/'),
    quoted(r.requestUri),
    String(r.status),
    bare(r.errorCode),
    r.bytesSent > 0 ? String(r.bytesSent) : '-',
    dash(r.objectSize),
    String(Math.round(r.totalTimeMs)),
    r.turnAroundMs === undefined ? '-' : String(Math.round(r.turnAroundMs)),
    quoted(r.referer),
    quoted(r.userAgent),
    // "The version ID in the request, or - if the operation doesn't take a versionId parameter."
    bare(r.versionId),
    bare(r.hostId),
    bare(r.signatureVersion),
    bare(r.cipherSuite),
    bare(r.authType),
    bare(r.hostHeader),
    bare(r.tlsVersion),
    '-', // Access Point ARN: no access points
    '-', // aclRequired: "-" when no ACL was required to authorize the request
  ].join(' ');
}

/** The REST.<METHOD>.<RESOURCE> name S3 logs for an operation (LogFormat.html, "Operation"). */
const OPERATION_NAMES: Record<string, string> = {
  GetObject: 'REST.GET.OBJECT',
  HeadObject: 'REST.HEAD.OBJECT',
  PutObject: 'REST.PUT.OBJECT',
  DeleteObject: 'REST.DELETE.OBJECT',
  CopyObject: 'REST.COPY.OBJECT',
  PostObject: 'REST.POST.OBJECT',
  CreateBucket: 'REST.PUT.BUCKET',
  DeleteBucket: 'REST.DELETE.BUCKET',
  HeadBucket: 'REST.HEAD.BUCKET',
  ListObjects: 'REST.GET.BUCKET',
  ListObjectsV2: 'REST.GET.BUCKET',
  GetBucketLocation: 'REST.GET.LOCATION',
  ListMultipartUploads: 'REST.GET.UPLOADS',
  DeleteObjects: 'REST.POST.MULTI_OBJECT_DELETE',
  PutBucketWebsite: 'REST.PUT.WEBSITE',
  GetBucketWebsite: 'REST.GET.WEBSITE',
  DeleteBucketWebsite: 'REST.DELETE.WEBSITE',
  PutBucketPolicy: 'REST.PUT.BUCKETPOLICY',
  GetBucketPolicy: 'REST.GET.BUCKETPOLICY',
  DeleteBucketPolicy: 'REST.DELETE.BUCKETPOLICY',
  GetBucketPolicyStatus: 'REST.GET.POLICY_STATUS',
  PutBucketEncryption: 'REST.PUT.ENCRYPTION',
  GetBucketEncryption: 'REST.GET.ENCRYPTION',
  DeleteBucketEncryption: 'REST.DELETE.ENCRYPTION',
  PutBucketNotificationConfiguration: 'REST.PUT.NOTIFICATION',
  GetBucketNotificationConfiguration: 'REST.GET.NOTIFICATION',
  PutBucketAcl: 'REST.PUT.ACL',
  GetBucketAcl: 'REST.GET.ACL',
  PutObjectAcl: 'REST.PUT.ACL',
  GetObjectAcl: 'REST.GET.ACL',
  GetBucketVersioning: 'REST.GET.VERSIONING',
  PutBucketVersioning: 'REST.PUT.VERSIONING',
  ListObjectVersions: 'REST.GET.BUCKETVERSIONS',
  GetBucketCors: 'REST.GET.CORS',
  PutBucketCors: 'REST.PUT.CORS',
  DeleteBucketCors: 'REST.DELETE.CORS',
  GetPublicAccessBlock: 'REST.GET.PUBLIC_ACCESS_BLOCK',
  PutPublicAccessBlock: 'REST.PUT.PUBLIC_ACCESS_BLOCK',
  DeletePublicAccessBlock: 'REST.DELETE.PUBLIC_ACCESS_BLOCK',
  GetBucketOwnershipControls: 'REST.GET.OWNERSHIP_CONTROLS',
  PutBucketOwnershipControls: 'REST.PUT.OWNERSHIP_CONTROLS',
  DeleteBucketOwnershipControls: 'REST.DELETE.OWNERSHIP_CONTROLS',
  GetBucketLogging: 'REST.GET.LOGGING_STATUS',
  PutBucketLogging: 'REST.PUT.LOGGING_STATUS',
  OptionsBucket: 'REST.OPTIONS.PREFLIGHT',
  OptionsObject: 'REST.OPTIONS.PREFLIGHT',
  GetObjectTagging: 'REST.GET.OBJECT_TAGGING',
  GetObjectTorrent: 'REST.GET.TORRENT',
  PutObjectTagging: 'REST.PUT.OBJECT_TAGGING',
  DeleteObjectTagging: 'REST.DELETE.OBJECT_TAGGING',
  GetObjectAttributes: 'REST.GET.OBJECT_ATTRIBUTES',
  CreateMultipartUpload: 'REST.POST.UPLOADS',
  UploadPart: 'REST.PUT.PART',
  UploadPartCopy: 'REST.COPY.PART',
  CompleteMultipartUpload: 'REST.POST.UPLOAD',
  AbortMultipartUpload: 'REST.DELETE.UPLOAD',
  ListParts: 'REST.GET.UPLOAD',
};

/** `operation` is the origin's name for it (an S3 operation, `Website`, or the parser's error code). */
export function operationName(operation: string, method: string): string {
  if (operation === 'Website') return `WEBSITE.${method}.OBJECT`;
  return OPERATION_NAMES[operation] ?? `REST.${method}.UNKNOWN`;
}
