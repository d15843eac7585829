/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
 * An empty VersioningConfiguration for a bucket that never had versioning, else its Status
 * (Enabled or Suspended). MfaDelete is never reported: it cannot be configured here.
 */
import { S3Error, VersioningConfigurationXml } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketVersioning: S3Handler<OpOf<'GetBucketVersioning'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const status = await ctx.store.getBucketVersioning(ctx.op.bucket);
  return xmlResponse(VersioningConfigurationXml.serialize(status === null ? {} : { status }));
};
