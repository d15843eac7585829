/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html: IsPublic is
 * whether the bucket policy grants public access (evaluate.ts isPublicPolicy, per
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status);
 * NoSuchBucketPolicy when the bucket has none. ACLs do not count (AWS reports on the policy only).
 */
import { isPublicPolicy, S3_XMLNS, S3Error, XML_DECLARATION } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketPolicyStatus: S3Handler<OpOf<'GetBucketPolicyStatus'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  if (facts.policy === null) return new S3Error('NoSuchBucketPolicy', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(`${XML_DECLARATION}<PolicyStatus xmlns="${S3_XMLNS}"><IsPublic>${isPublicPolicy(facts.policy)}</IsPublic></PolicyStatus>`);
};
