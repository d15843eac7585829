/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html
 * Versioning is never enabled here: an empty VersioningConfiguration, as S3
 * answers for a bucket that never had versioning (the aws CLI / SDK ask).
 */
import { S3Error, VersioningConfigurationXml } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketVersioning: S3Handler<OpOf<'GetBucketVersioning'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  return xmlResponse(VersioningConfigurationXml.serialize({}));
};
