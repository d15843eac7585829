/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAcl.html */
import { AccessControlPolicyXml, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { bucketAclOf } from '../bucket-owner.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketAcl: S3Handler<OpOf<'GetBucketAcl'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  return xmlResponse(AccessControlPolicyXml.serialize(bucketAclOf(facts, ctx.users)));
};
