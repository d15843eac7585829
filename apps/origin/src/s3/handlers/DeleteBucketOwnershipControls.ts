/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketOwnershipControls.html (204). */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketOwnershipControls: S3Handler<OpOf<'DeleteBucketOwnershipControls'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'ownership-controls', null);
  return { status: 204 };
};
