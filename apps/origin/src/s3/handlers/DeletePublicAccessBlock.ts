/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletePublicAccessBlock.html (204, also when none was set). */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const DeletePublicAccessBlock: S3Handler<OpOf<'DeletePublicAccessBlock'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'public-access-block', null);
  return { status: 204 };
};
