/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketCors.html — 204, configured or not. */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketCors: S3Handler<OpOf<'DeleteBucketCors'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'cors', null);
  return { status: 204 };
};
