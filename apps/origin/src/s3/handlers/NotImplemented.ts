/**
 * Real S3 operations bucketfront does not implement: 501 in S3's XML form.
 * Reads of bucket sub-resources that simply do not exist here get S3's own
 * "none configured" answer instead, which tools treat as normal.
 */
import { S3Error, type S3ErrorCode } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

const NONE_CONFIGURED: Record<string, S3ErrorCode> = {
  GetBucketTagging: 'NoSuchTagSet',
  GetBucketLifecycle: 'NoSuchLifecycleConfiguration',
};

export const NotImplemented: S3Handler<OpOf<'NotImplemented'>> = async (ctx) => {
  const none = NONE_CONFIGURED[ctx.op.name];
  if (none !== undefined && ctx.op.bucket !== undefined && ctx.op.key === undefined) {
    const facts = await requireBucket(ctx, ctx.op.bucket);
    if (facts instanceof S3Error) return facts;
    return new S3Error(none, undefined, { BucketName: ctx.op.bucket });
  }
  return new S3Error('NotImplemented', `${ctx.op.name} is not implemented by bucketfront`);
};
