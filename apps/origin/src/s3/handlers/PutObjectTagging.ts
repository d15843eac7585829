/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 * The tag set replaces the whole set of the version `versionId` names (else the current one), in
 * place: no new version, Last-Modified unchanged (versions.ts updateSubresource). tagging.ts has
 * the checks.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { requireBucket } from '../access.js';
import { taggingFromXml } from '../tagging.js';
import { isObjectInfo, updateSubresource, versionIdHeader } from '../versions.js';

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
  const updated = await updateSubresource(ctx, bucket, key, 'PUT', { tagging: tagging ?? null });
  if (!isObjectInfo(updated)) return updated;
  return { status: 200, headers: versionIdHeader(updated) };
};
