/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html — 204 on success, MalformedPolicy on bad JSON. */
import { isPublicPolicy, MAX_BUCKET_POLICY_BYTES, POLICY_MESSAGES, S3Error, validateBucketPolicy } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketPolicy: S3Handler<OpOf<'PutBucketPolicy'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_BUCKET_POLICY_BYTES, new S3Error('MalformedPolicy', POLICY_MESSAGES.tooLarge));
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const json = body.toString('utf8');
  const result = validateBucketPolicy(json, bucket);
  if (!result.ok) return new S3Error('MalformedPolicy', result.message);
  // BlockPublicPolicy refuses a policy that grants public access (authorize.ts, docs/access-control.md).
  if (facts.publicAccessBlock?.BlockPublicPolicy === true && isPublicPolicy(result.policy)) return new S3Error('AccessDenied');
  try {
    await ctx.store.putBucketConfig(bucket, 'policy', json);
  } finally {
  }
  return { status: 204 };
};
