/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketEncryption.html — 204, also when
 * nothing was configured (docs/encryption.md#default-bucket-encryption).
 */
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketEncryption: S3Handler<OpOf<'DeleteBucketEncryption'>> = async (ctx) => {
  await ctx.store.putBucketConfig(ctx.op.bucket, 'encryption', null);
  return { status: 204 };
};
