/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html: a canned ACL, grant
 * headers or an AccessControlPolicy document replaces the object's grants (its owner stays).
 * Deviation from S3: the store has no ACL-only update, so the object is
 * copied onto itself with the new ACL (its Last-Modified changes; ETag stays).
 */
import type { ObjectMetadata } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { aclInput, objectAcl } from '../acl.js';
import { bucketAclOf } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';
import { aclWriteOf, refuseAclWrite } from '../object-acl-input.js';

export const PutObjectAcl: S3Handler<OpOf<'PutObjectAcl'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const info = await ctx.store.headObject(bucket, key);
  const bucketOwner = bucketAclOf(facts, ctx.users).owner;
  const owner = info === null ? bucketOwner : objectAcl(info.metadata, bucketOwner, ctx.users).owner;
  const input = await aclInput(ctx, owner, bucketOwner);
  if (input instanceof S3Error) return input;
  if (info === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  const refused = refuseAclWrite(facts, aclWriteOf(input, bucketOwner), input.policy.grants);
  if (refused) return refused;
  const { acl: _acl, grants: _grants, ...rest } = info.metadata;
  const metadata: ObjectMetadata = { ...rest, userMetadata: { ...info.metadata.userMetadata } };
  if (input.canned !== undefined) metadata.acl = input.canned;
  else metadata.grants = JSON.stringify(input.policy.grants);
  await ctx.store.copyObject({ bucket, key }, { bucket, key }, metadata);
  return { status: 200 };
};
