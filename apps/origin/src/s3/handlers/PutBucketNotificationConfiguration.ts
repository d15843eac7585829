/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html — 200
 * with an empty body. The document is validated as S3 does (xml/notification.ts); every ARN must name
 * a destination of this origin's configuration (S3 checks it can publish there) unless
 * `x-amz-skip-destination-validation: true`; an empty `<NotificationConfiguration/>` removes the
 * configuration. Once stored, an `s3:TestEvent` goes to each destination (through the outbox).
 * docs/notifications.md#configuration.
 */
import { MAX_NOTIFICATION_CONFIGURATION_BYTES, parseNotificationConfiguration, S3Error, serializeNotificationConfiguration } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { headerValue } from '../object-headers.js';

export const PutBucketNotificationConfiguration: S3Handler<OpOf<'PutBucketNotificationConfiguration'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_NOTIFICATION_CONFIGURATION_BYTES, 'MaxMessageLengthExceeded');
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const config = parseNotificationConfiguration(body);
  if (config instanceof S3Error) return config;
  const skipValidation = headerValue(ctx.req.headers, 'x-amz-skip-destination-validation')?.toLowerCase() === 'true';
  if (!skipValidation) {
    const known = ctx.notifications?.destinations ?? new Set<string>();
    const unknown = config.rules.find((r) => !known.has(r.arn));
    if (unknown !== undefined) {
      return new S3Error('InvalidArgument', 'Unable to validate the following destination configurations', {
        ArgumentName: unknown.arn,
        ArgumentValue: 'The destination is not one of the notifications.destinations of this origin',
      });
    }
  }
  if (config.rules.length === 0) {
    await ctx.store.putBucketConfig(bucket, 'notification', null);
    return { status: 200 };
  }
  await ctx.store.putBucketConfig(bucket, 'notification', serializeNotificationConfiguration(config));
  await ctx.notifications?.testEvent(bucket, config.rules, ctx.requestId, ctx.hostId);
  return { status: 200 };
};
