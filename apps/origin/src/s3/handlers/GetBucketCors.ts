/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html
 * CORS configuration is not supported: every bucket has none.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const GetBucketCors: S3Handler<OpOf<'GetBucketCors'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  return new S3Error('NoSuchCORSConfiguration', undefined, { BucketName: ctx.op.bucket });
};
