/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html: a canned ACL, grant
 * headers or an AccessControlPolicy document replaces the grants of the version `versionId` names
 * (else the current one); its owner stays. In place: no new version, Last-Modified unchanged
 * (versions.ts updateSubresource).
 */
import type { VersionMetadataPatch } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { aclInput, objectAcl } from '../acl.js';
import { bucketAclOf } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';
import { aclWriteOf, refuseAclWrite } from '../object-acl-input.js';
import { isObjectInfo, objectForSubresource, updateSubresource } from '../versions.js';

export const PutObjectAcl: S3Handler<OpOf<'PutObjectAcl'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const found = await objectForSubresource(ctx.store, bucket, key, ctx.op.query, 'PUT');
  const bucketOwner = bucketAclOf(facts, ctx.users).owner;
  const owner = isObjectInfo(found) ? objectAcl(found.metadata, bucketOwner, ctx.users).owner : bucketOwner;
  // The request is checked before the object's absence is reported, as before versions.
  const input = await aclInput(ctx, owner, bucketOwner);
  if (input instanceof S3Error) return input;
  if (!isObjectInfo(found)) return found;
  const refused = refuseAclWrite(facts, aclWriteOf(input, bucketOwner), input.policy.grants);
  if (refused) return refused;
  const patch: VersionMetadataPatch = input.canned !== undefined ? { acl: input.canned, grants: null } : { acl: null, grants: JSON.stringify(input.policy.grants) };
  const updated = await updateSubresource(ctx, bucket, key, 'PUT', patch);
  return isObjectInfo(updated) ? { status: 200 } : updated;
};
