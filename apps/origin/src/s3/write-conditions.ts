/**
 * Conditional writes: If-None-Match: * (only if absent) and If-Match: <etag>
 * (only if unchanged) on PutObject / CompleteMultipartUpload.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 * Deviation from S3: checked before the write starts, not atomically with it.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { etagListMatches } from './conditional.js';
import type { S3Context } from './context.js';
import { headerValue } from './object-headers.js';

export async function checkWritePreconditions(ctx: S3Context, bucket: string, key: string): Promise<S3Error | null> {
  const ifNoneMatch = headerValue(ctx.req.headers, 'if-none-match');
  const ifMatch = headerValue(ctx.req.headers, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return null;
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    return new S3Error('NotImplemented', 'If-None-Match on writes supports only *');
  }
  const existing = await ctx.store.headObject(bucket, key);
  if (ifNoneMatch !== undefined && existing !== null) return new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  if (ifMatch !== undefined) {
    if (existing === null) return new S3Error('NoSuchKey', undefined, { Key: key });
    if (!etagListMatches(ifMatch, existing.etag)) return new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
  return null;
}
