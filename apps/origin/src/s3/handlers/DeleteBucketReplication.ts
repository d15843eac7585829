/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketReplication.html — 204,
 * configured or not. Versions already queued are still sent (docs/replication.md#the-queue).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketReplication: S3Handler<OpOf<'DeleteBucketReplication'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'replication', null);
  return { status: 204 };
};
