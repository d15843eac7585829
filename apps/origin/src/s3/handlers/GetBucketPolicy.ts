/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html — the stored JSON verbatim. */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const GetBucketPolicy: S3Handler<OpOf<'GetBucketPolicy'>> = async (ctx) => {
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'policy');
  if (doc === null) return new S3Error('NoSuchBucketPolicy', undefined, { BucketName: ctx.op.bucket });
  return { status: 200, headers: ['Content-Type', 'application/json'], body: doc };
};
