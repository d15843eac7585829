/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 * The tag set replaces the object's whole set; see tagging.ts for the checks and setObjectTagging
 * for how it is stored.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { requireBucket } from '../access.js';
import { setObjectTagging, taggingFromXml } from '../tagging.js';

/** A Tagging document of 10 tags of 128 + 256 characters of 4 UTF-8 bytes fits many times. */
const MAX_TAGGING_XML_BYTES = 64 * 1024;

export const PutObjectTagging: S3Handler<OpOf<'PutObjectTagging'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_TAGGING_XML_BYTES);
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const tagging = taggingFromXml(body);
  if (tagging instanceof S3Error) return tagging;
  const done = await setObjectTagging(ctx, bucket, key, tagging);
  if (done instanceof S3Error) return done;
  return { status: 200 };
};
