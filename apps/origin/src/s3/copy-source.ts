/** x-amz-copy-source and its conditions (CopyObject, UploadPartCopy). */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectInfo } from '@bucketfront/object-store';
import { invalidBucketName, isValidBucketName, S3Error, validateObjectKey } from '@bucketfront/s3-protocol';
import { evaluateConditions } from './conditional.js';
import { headerValue } from './object-headers.js';

/**
 * `bucket/key` or `/bucket/key`, URL-encoded, optionally `?versionId=…`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax
 */
export function parseCopySource(raw: string): { bucket: string; key: string } | S3Error {
  let value = raw.trim();
  const q = value.indexOf('?');
  if (q !== -1) {
    const params = new URLSearchParams(value.slice(q + 1));
    const versionId = params.get('versionId');
    // Deviation from S3: no versioning, so only the "null" version exists.
    if (versionId !== null && versionId !== 'null') {
      return new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'x-amz-copy-source', ArgumentValue: raw });
    }
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
  return { bucket, key };
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
