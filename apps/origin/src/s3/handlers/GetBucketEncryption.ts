/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketEncryption.html — the stored
 * configuration (docs/encryption.md#default-bucket-encryption).
 * Deviation from S3: since January 2023 S3 answers a bucket without a configuration with the SSE-S3
 * default it applies to every bucket; bucketfront encrypts nothing it was not asked to, so it answers
 * as S3 did before (and as ceph/s3-tests expects): 404 ServerSideEncryptionConfigurationNotFoundError.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetBucketEncryption: S3Handler<OpOf<'GetBucketEncryption'>> = async (ctx) => {
  const doc = await ctx.store.getBucketConfig(ctx.op.bucket, 'encryption');
  if (doc === null) return new S3Error('ServerSideEncryptionConfigurationNotFoundError', undefined, { BucketName: ctx.op.bucket });
  return xmlResponse(doc);
};
