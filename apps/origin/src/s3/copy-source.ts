/** x-amz-copy-source and its conditions (CopyObject, UploadPartCopy). */
import type { IncomingHttpHeaders } from 'node:http';
import { isStoreError, type CustomerKey, type ObjectInfo } from '@bucketfront/object-store';
import { emptyVersionId, invalidBucketName, isValidBucketName, NULL_VERSION, S3Error, validateObjectKey } from '@bucketfront/s3-protocol';
import { evaluateConditions } from './conditional.js';
import type { S3Context, S3Response } from './context.js';
import { headerValue } from './object-headers.js';
import { missingWithMarker } from './versions.js';

export interface CopySource {
  bucket: string;
  key: string;
  /** `?versionId=…`: copy that version (else the current one). */
  versionId?: string;
}

/**
 * `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=…` (empty: InvalidArgument).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
 */
export function parseCopySource(raw: string): CopySource | S3Error {
  let value = raw.trim();
  let versionId: string | undefined;
  const q = value.indexOf('?');
  if (q !== -1) {
    const params = new URLSearchParams(value.slice(q + 1));
    const v = params.get('versionId');
    if (v === '') return emptyVersionId('x-amz-copy-source');
    if (v !== null) versionId = v;
    value = value.slice(0, q);
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return new S3Error('InvalidArgument', 'Invalid copy source encoding', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  }
  if (decoded.startsWith('/')) decoded = decoded.slice(1);
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    return new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey', {
      ArgumentName: 'x-amz-copy-source',
      ArgumentValue: raw,
    });
  }
  const bucket = decoded.slice(0, slash);
  const key = decoded.slice(slash + 1);
  if (!isValidBucketName(bucket)) return invalidBucketName(bucket);
  const bad = validateObjectKey(key);
  if (bad) return bad;
  return versionId === undefined ? { bucket, key } : { bucket, key, versionId };
}

/**
 * The source object (the version named, else the current one), or what S3 answers instead: a
 * version id in a bucket that never had versioning (other than `null`) → InvalidArgument; an
 * unknown id → 404 NoSuchVersion; a delete marker's id → 400 InvalidRequest; a key whose latest
 * entry is a delete marker → 404 NoSuchKey with `x-amz-delete-marker` and the marker's id.
 */
export async function headCopySource(ctx: S3Context, src: CopySource, raw: string, customerKey: CustomerKey | undefined): Promise<ObjectInfo | S3Response | S3Error> {
  const { bucket, key, versionId } = src;
  if (versionId !== undefined && versionId !== NULL_VERSION && (await ctx.store.getBucketVersioning(bucket)) === null) {
    return new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
  }
  let info: ObjectInfo | null;
  try {
    info = await ctx.store.headObject(bucket, key, { ...(customerKey !== undefined ? { customerKey } : {}), ...(versionId !== undefined ? { versionId } : {}) });
  } catch (err) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html (x-amz-copy-source: "you can't copy a delete marker")
    if (isStoreError(err, 'MethodNotAllowed')) return new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
    if (isStoreError(err, 'NoSuchVersion')) return new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId ?? '' });
    throw err;
  }
  if (info === null) return missingWithMarker(ctx.store, bucket, key, new S3Error('NoSuchKey', undefined, { Key: key }));
  return info;
}

/** headCopySource's refusals (an ObjectInfo has a key; an answer does not). */
export function isCopySourceRefusal(r: ObjectInfo | S3Response | S3Error): r is S3Response | S3Error {
  return r instanceof S3Error || !('key' in r);
}

/** x-amz-copy-source-if-*: any failing condition is 412 PreconditionFailed. */
export function checkCopySourceConditions(headers: IncomingHttpHeaders, src: ObjectInfo): S3Error | null {
  const outcome = evaluateConditions(
    {
      ifMatch: headerValue(headers, 'x-amz-copy-source-if-match'),
      ifNoneMatch: headerValue(headers, 'x-amz-copy-source-if-none-match'),
      ifModifiedSince: headerValue(headers, 'x-amz-copy-source-if-modified-since'),
      ifUnmodifiedSince: headerValue(headers, 'x-amz-copy-source-if-unmodified-since'),
    },
    src,
  );
  if (outcome.kind === 'proceed') return null;
  const condition = outcome.kind === 'precondition-failed' ? `x-amz-copy-source-${outcome.condition}` : 'x-amz-copy-source-If-None-Match';
  return new S3Error('PreconditionFailed', undefined, { Condition: condition });
}
