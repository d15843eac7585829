/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html
 * 200 with an empty body; the body is at most 128 KB (docs/s3-website-rules.md#configuration).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { MAX_WEBSITE_CONFIGURATION_BYTES, parseWebsiteConfiguration, serializeWebsiteConfiguration, WEBSITE_MESSAGES } from '@bucketfront/website';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketWebsite: S3Handler<OpOf<'PutBucketWebsite'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_WEBSITE_CONFIGURATION_BYTES, new S3Error('InvalidRequest', WEBSITE_MESSAGES.tooLarge));
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  let parsed: ReturnType<typeof parseWebsiteConfiguration>;
  try {
    parsed = parseWebsiteConfiguration(body, { allowSpaFallback: ctx.allowSpaFallback });
  } catch {
    return new S3Error('MalformedXML');
  }
  if (!parsed.ok) return S3Error.from(parsed.code, parsed.message, undefined, parsed.status);
  await ctx.store.putBucketConfig(ctx.op.bucket, 'website', serializeWebsiteConfiguration(parsed.config));
  return { status: 200 };
};
