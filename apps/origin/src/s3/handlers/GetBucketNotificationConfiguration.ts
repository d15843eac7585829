/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html — the
 * stored configuration; a bucket without one answers an empty NotificationConfiguration (200), as S3
 * does. docs/notifications.md#configuration.
 */
import { S3Error, serializeNotificationConfiguration } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketNotificationConfiguration: S3Handler<OpOf<'GetBucketNotificationConfiguration'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'notification');
  return xmlResponse(doc ?? serializeNotificationConfiguration({ rules: [] }));
};
