/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';

export const HeadBucket: S3Handler<OpOf<'HeadBucket'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  return { status: 200, headers: ['x-amz-bucket-region', facts.info.region] };
};
