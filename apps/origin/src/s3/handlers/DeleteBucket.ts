/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html */
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucket: S3Handler<OpOf<'DeleteBucket'>> = async (ctx) => {
  try {
    await ctx.store.deleteBucket(ctx.op.bucket);
  } finally {
  }
  return { status: 204 };
};
