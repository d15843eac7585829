/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjectTagging.html — 204, also when the
 * object had no tags. Removes the tags of the version `versionId` names (else the current one) in
 * place, as PutObjectTagging sets them.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';
import { isObjectInfo, updateSubresource, versionIdHeader } from '../versions.js';

export const DeleteObjectTagging: S3Handler<OpOf<'DeleteObjectTagging'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const updated = await updateSubresource(ctx, bucket, key, 'DELETE', { tagging: null });
  if (!isObjectInfo(updated)) return updated;
  return { status: 204, headers: versionIdHeader(updated) };
};
