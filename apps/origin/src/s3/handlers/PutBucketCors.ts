/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
 * Content-MD5 (or an x-amz-checksum-*) is required; the configuration is validated as S3 does
 * (docs/cors.md#configuration) and nothing is stored when it is refused.
 */
import { MAX_CORS_CONFIGURATION_BYTES, parseCorsConfiguration, S3Error, serializeCorsConfiguration } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { missingContentMd5 } from '../object-headers.js';

export const PutBucketCors: S3Handler<OpOf<'PutBucketCors'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const noDigest = missingContentMd5(ctx.req.headers);
  if (noDigest) return noDigest;
  const body = await readSmallBody(ctx, MAX_CORS_CONFIGURATION_BYTES);
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const config = parseCorsConfiguration(body);
  if (config instanceof S3Error) return config;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'cors', serializeCorsConfiguration(config));
  return { status: 200 };
};
