/**
 * The owner and ACL of an object being written (PutObject, CopyObject, CreateMultipartUpload):
 * from `x-amz-acl` or `x-amz-grant-*`, within the bucket's Object Ownership and
 * BlockPublicAcls settings.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
import type { CannedAcl, ObjectMetadata } from '@bucketfront/object-store';
import { S3Error, type Grant, type Owner } from '@bucketfront/s3-protocol';
import { aclFromHeaders, cannedGrants, isPublicGrant } from './acl.js';
import type { BucketFacts } from './bucket-facts.js';
import { bucketAclOf } from './bucket-owner.js';
import type { S3Context } from './context.js';

/** Sets `md.owner`, `md.acl` and `md.grants` for the new object, or answers S3's error. */
export function applyNewObjectAcl(ctx: S3Context, facts: BucketFacts, md: ObjectMetadata): S3Error | undefined {
  const wanted = aclFromHeaders(ctx.req.headers, ctx.users);
  if (wanted instanceof S3Error) return wanted;
  const refused = refuseAclWrite(facts, wanted);
  if (refused) return refused;
  const bucketOwner = bucketAclOf(facts, ctx.users).owner;
  const writer = ctx.caller.kind === 'user' ? ctx.caller.id : bucketOwner.id;
  const toBucketOwner = facts.ownership === 'BucketOwnerEnforced' || (facts.ownership === 'BucketOwnerPreferred' && wanted.canned === 'bucket-owner-full-control');
  const owner = toBucketOwner ? bucketOwner.id : writer;
  delete md.acl;
  delete md.grants;
  if (owner !== bucketOwner.id) md.owner = owner;
  else delete md.owner;
  if (wanted.grants !== undefined) md.grants = JSON.stringify(wanted.grants);
  else if (wanted.canned !== undefined && !toBucketOwner) md.acl = wanted.canned;
  return undefined;
}

/**
 * A Put*Acl input as refuseAclWrite sees it: a document granting the bucket owner FULL_CONTROL
 * alone is "an equivalent form" of bucket-owner-full-control, which BucketOwnerEnforced accepts
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html).
 */
export function aclWriteOf(input: { policy: { grants: Grant[] }; canned?: CannedAcl }, bucketOwner: Owner): { canned?: CannedAcl; grants?: Grant[] } {
  if (input.canned !== undefined) return { canned: input.canned };
  const [only, ...more] = input.policy.grants;
  const ownerOnly = more.length === 0 && only?.grantee.type === 'CanonicalUser' && only.grantee.id === bucketOwner.id && only.permission === 'FULL_CONTROL';
  return ownerOnly ? { canned: 'bucket-owner-full-control' } : { grants: input.policy.grants };
}

/**
 * What every ACL write must pass: BucketOwnerEnforced accepts only bucket-owner-full-control (or
 * no ACL) and answers AccessControlListNotSupported otherwise; BlockPublicAcls refuses grants to
 * AllUsers / AuthenticatedUsers with AccessDenied.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-options
 */
export function refuseAclWrite(facts: BucketFacts, wanted: { canned?: string; grants?: readonly Grant[] }, grantsOf?: readonly Grant[]): S3Error | undefined {
  if (facts.ownership === 'BucketOwnerEnforced') {
    const fine = wanted.grants === undefined && (wanted.canned === undefined || wanted.canned === 'bucket-owner-full-control');
    if (!fine) return new S3Error('AccessControlListNotSupported');
  }
  if (facts.publicAccessBlock?.BlockPublicAcls === true) {
    const grants = grantsOf ?? wanted.grants ?? (wanted.canned !== undefined ? cannedGrants(wanted.canned as never, { id: '' }) : []);
    if (grants.some(isPublicGrant)) return new S3Error('AccessDenied');
  }
  return undefined;
}
