/**
 * Object Lock is not implemented (docs/versioning.md#mfa-delete-and-object-lock). A request that
 * asks for it is refused, never silently accepted: a client must not believe a version is
 * write-protected when it is not.
 * - CreateBucket with `x-amz-bucket-object-lock-enabled: true`: 501 NotImplemented.
 * - PutObject / CopyObject / CreateMultipartUpload with an `x-amz-object-lock-*` header: what S3
 *   answers on a bucket without Object Lock, 400 InvalidRequest "Bucket is missing
 *   ObjectLockConfiguration" ([Object Lock](https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html),
 *   [PutObject](https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax)).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { IncomingHttpHeaders } from 'node:http';

const OBJECT_LOCK_HEADERS = ['x-amz-object-lock-mode', 'x-amz-object-lock-retain-until-date', 'x-amz-object-lock-legal-hold'] as const;

/** CreateBucket: refused when the bucket is to have Object Lock. */
export function bucketObjectLockRefusal(headers: IncomingHttpHeaders): S3Error | null {
  const enabled = headers['x-amz-bucket-object-lock-enabled'];
  if (typeof enabled === 'string' && enabled.trim().toLowerCase() === 'true') {
    return new S3Error('NotImplemented', 'Object Lock is not implemented by bucketfront: x-amz-bucket-object-lock-enabled cannot be true (docs/versioning.md)');
  }
  return null;
}

/** An object write: refused when it asks for a retention mode, date or legal hold. */
export function objectLockHeadersRefusal(headers: IncomingHttpHeaders): S3Error | null {
  return OBJECT_LOCK_HEADERS.some((h) => headers[h] !== undefined) ? new S3Error('InvalidRequest', 'Bucket is missing ObjectLockConfiguration') : null;
}
