/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html (canned ACLs only).
 * Deviation from S3: the store has no ACL-only update, so the object is
 * copied onto itself with the new ACL (its Last-Modified changes; ETag stays).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { cannedAclInput } from '../acl.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutObjectAcl: S3Handler<OpOf<'PutObjectAcl'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const acl = await cannedAclInput(ctx);
  if (acl instanceof S3Error) return acl;
  const info = await ctx.store.headObject(bucket, key);
  if (info === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  const metadata = { ...info.metadata, userMetadata: { ...info.metadata.userMetadata }, acl };
  await ctx.store.copyObject({ bucket, key }, { bucket, key }, metadata);
  return { status: 200 };
};
