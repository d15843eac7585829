/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketWebsite.html — 204 always (docs/s3-website-rules.md#configuration). */
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketWebsite: S3Handler<OpOf<'DeleteBucketWebsite'>> = async (ctx) => {
  await ctx.store.putBucketConfig(ctx.op.bucket, 'website', null);
  return { status: 204 };
};
