/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketOwnershipControls.html */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { ownershipControlsXml } from '../ownership-controls.js';

export const GetBucketOwnershipControls: S3Handler<OpOf<'GetBucketOwnershipControls'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  if (facts.ownership === null) return new S3Error('OwnershipControlsNotFoundError', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(ownershipControlsXml(facts.ownership));
};
