/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html (200, empty body). */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { parsePublicAccessBlockXml } from '../public-access-block.js';

export const PutPublicAccessBlock: S3Handler<OpOf<'PutPublicAccessBlock'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, 64 * 1024);
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const config = parsePublicAccessBlockXml(body);
  if (config instanceof S3Error) return config;
  await ctx.store.putBucketConfig(ctx.op.bucket, 'public-access-block', JSON.stringify(config));
  return { status: 200 };
};
