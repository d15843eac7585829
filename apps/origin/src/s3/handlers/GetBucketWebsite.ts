/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketWebsite.html — spec §2: none → 404 NoSuchWebsiteConfiguration. */
import { S3Error } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketWebsite: S3Handler<OpOf<'GetBucketWebsite'>> = async (ctx) => {
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'website');
  if (doc === null) return new S3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(doc);
};
