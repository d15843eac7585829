/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html */
import { LocationConstraintXml, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketLocation: S3Handler<OpOf<'GetBucketLocation'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  return xmlResponse(LocationConstraintXml.serialize(facts.info.region));
};
