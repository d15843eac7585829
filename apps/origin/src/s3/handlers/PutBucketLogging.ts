/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html — 200 with an empty
 * body. Enables server access logging to a target bucket (docs/access-logs.md), or disables it
 * with an empty BucketLoggingStatus. The target must exist and have the same owner (one region
 * here, so "same region" always holds): else InvalidTargetBucketForLogging, nothing changed.
 */
import { MAX_LOGGING_STATUS_BYTES, parseBucketLoggingStatus, S3Error, serializeBucketLoggingStatus } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import { loadBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketLogging: S3Handler<OpOf<'PutBucketLogging'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_LOGGING_STATUS_BYTES, 'MaxMessageLengthExceeded');
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const parsed = parseBucketLoggingStatus(body);
  if (parsed instanceof S3Error) return parsed;
  const le = parsed.loggingEnabled;
  if (le === null) {
    await ctx.store.putBucketConfig(bucket, 'logging', null);
    return { status: 200 };
  }
  const firstUser = { firstUser: { id: ctx.owner.id, displayName: ctx.owner.displayName ?? '' } };
  const target = await loadBucketAcl(ctx.store, le.targetBucket, firstUser);
  if (target === null) return new S3Error('InvalidTargetBucketForLogging', undefined, { TargetBucket: le.targetBucket });
  const source = await loadBucketAcl(ctx.store, bucket, firstUser);
  if (source !== null && source.owner.id !== target.owner.id) {
    return new S3Error('InvalidTargetBucketForLogging', 'The owner for the bucket to be logged and the target bucket must be the same.', { TargetBucket: le.targetBucket });
  }
  await ctx.store.putBucketConfig(bucket, 'logging', serializeBucketLoggingStatus(parsed));
  return { status: 200 };
};
