/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html — 204, also when the object had no tags. */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';
import { setObjectTagging } from '../tagging.js';

export const DeleteObjectTagging: S3Handler<OpOf<'DeleteObjectTagging'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const done = await setObjectTagging(ctx, bucket, key, undefined);
  if (done instanceof S3Error) return done;
  return { status: 204 };
};
