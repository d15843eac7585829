/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html — 204. */
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketPolicy: S3Handler<OpOf<'DeleteBucketPolicy'>> = async (ctx) => {
  try {
    await ctx.store.putBucketConfig(ctx.op.bucket, 'policy', null);
  } finally {
  }
  return { status: 204 };
};
