/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html — 200 with an empty
 * body; the bucket's default encryption (docs/encryption.md#default-bucket-encryption). NoSuchBucket
 * comes before any validation of the body, as in S3. Content-MD5 and x-amz-checksum-* are verified
 * when sent, as for the other bucket configuration documents.
 */
import { MAX_ENCRYPTION_CONFIGURATION_BYTES, parseServerSideEncryptionConfiguration, S3Error, serializeServerSideEncryptionConfiguration } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketEncryption: S3Handler<OpOf<'PutBucketEncryption'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_ENCRYPTION_CONFIGURATION_BYTES, 'MaxMessageLengthExceeded');
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const parsed = parseServerSideEncryptionConfiguration(body);
  if (parsed instanceof S3Error) return parsed;
  // Stored normalised: GetBucketEncryption reports BucketKeyEnabled false when it was not sent, as S3 does.
  const rules = parsed.rules.map((rule) => ({ ...rule, bucketKeyEnabled: rule.bucketKeyEnabled ?? false }));
  await ctx.store.putBucketConfig(bucket, 'encryption', serializeServerSideEncryptionConfiguration({ rules }));
  return { status: 200 };
};
