/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetPublicAccessBlock.html */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { publicAccessBlockXml } from '../public-access-block.js';

export const GetPublicAccessBlock: S3Handler<OpOf<'GetPublicAccessBlock'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  if (facts.publicAccessBlock === null) return new S3Error('NoSuchPublicAccessBlockConfiguration', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(publicAccessBlockXml(facts.publicAccessBlock));
};
