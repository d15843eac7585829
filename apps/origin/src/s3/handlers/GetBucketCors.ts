/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketCors.html — none → 404 NoSuchCORSConfiguration. */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketCors: S3Handler<OpOf<'GetBucketCors'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'cors');
  if (doc === null) return new S3Error('NoSuchCORSConfiguration', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(doc);
};
