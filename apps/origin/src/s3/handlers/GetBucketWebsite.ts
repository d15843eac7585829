/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketWebsite.html — none → 404 NoSuchWebsiteConfiguration (docs/s3-website-rules.md#configuration). */
import { S3Error } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketWebsite: S3Handler<OpOf<'GetBucketWebsite'>> = async (ctx) => {
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'website');
  if (doc === null) return new S3Error('NoSuchWebsiteConfiguration', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(doc);
};
