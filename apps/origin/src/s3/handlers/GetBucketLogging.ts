/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLogging.html — the stored
 * BucketLoggingStatus; a bucket without one answers an empty `<BucketLoggingStatus/>` (200), as
 * S3 does. docs/access-logs.md.
 */
import { S3Error, serializeBucketLoggingStatus } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketLogging: S3Handler<OpOf<'GetBucketLogging'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'logging');
  return xmlResponse(doc ?? serializeBucketLoggingStatus({ loggingEnabled: null }));
};
