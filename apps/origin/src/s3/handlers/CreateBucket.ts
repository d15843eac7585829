/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html. The caller owns the new
 * bucket; `x-amz-acl` or `x-amz-grant-*` set its ACL and `x-amz-object-ownership` its Object
 * Ownership (bucket-owner.ts, ownership-controls.ts).
 */
import { isStoreError } from '@bucketfront/object-store';
import { CreateBucketConfigurationXml, S3Error, type AccessControlPolicy, type Owner } from '@bucketfront/s3-protocol';
import { aclDocument, aclFromHeaders } from '../acl.js';
import { readSmallBody } from '../body.js';
import { loadBucketAcl, storeBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Context, S3Handler, S3Response } from '../context.js';
import { headerValue } from '../object-headers.js';
import { bucketObjectLockRefusal } from '../object-lock.js';
import { isObjectOwnership } from '../ownership-controls.js';

export const CreateBucket: S3Handler<OpOf<'CreateBucket'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const lockRefused = bucketObjectLockRefusal(ctx.req.headers);
  if (lockRefused) return lockRefused;
  const wanted = aclFromHeaders(ctx.req.headers, ctx.users);
  if (wanted instanceof S3Error) return wanted;
  const ownership = headerValue(ctx.req.headers, 'x-amz-object-ownership');
  if (ownership !== undefined && !isObjectOwnership(ownership)) {
    return new S3Error('InvalidArgument', 'Invalid x-amz-object-ownership header', { ArgumentName: 'x-amz-object-ownership', ArgumentValue: ownership });
  }
  const ownerOnlyAcl = wanted.grants === undefined && (wanted.canned === undefined || wanted.canned === 'private' || wanted.canned === 'bucket-owner-full-control');
  if (ownership === 'BucketOwnerEnforced' && !ownerOnlyAcl) return new S3Error('InvalidBucketAclWithObjectOwnership');
  const body = await readSmallBody(ctx, 64 * 1024);
  if (body instanceof S3Error) return body;
  if (body.length > 0) {
    const conf = CreateBucketConfigurationXml.parse(body);
    if (conf instanceof S3Error) return conf;
    const wantedRegion = conf.locationConstraint;
    // One region per origin: a constraint naming another region is refused as S3's
    // regional endpoints do. (us-east-1 is spelled as an empty constraint.)
    if (wantedRegion !== undefined && wantedRegion !== '' && wantedRegion !== ctx.region) {
      return new S3Error('IllegalLocationConstraintException', `The ${wantedRegion} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
  }
  const acl = wanted.canned;
  const caller: Owner = ctx.caller.kind === 'user' ? { id: ctx.caller.id, displayName: ctx.caller.displayName } : ctx.owner;
  const doc: AccessControlPolicy = wanted.grants !== undefined ? { owner: caller, grants: wanted.grants } : aclDocument(caller, acl ?? 'private');
  const existing = await existingBucketAnswer(ctx, caller, doc);
  if (existing !== null) return existing;
  try {
    await ctx.store.createBucket(bucket, { region: ctx.region, ...(acl ? { acl } : {}) });
  } catch (err) {
    // Created meanwhile by another request: answered as if it had been there first.
    if (isStoreError(err, 'BucketAlreadyOwnedByYou')) return (await existingBucketAnswer(ctx, caller, doc)) ?? created(bucket);
    throw err;
  }
  // The first user with a canned ACL needs no document: that is what a bucket without one means (bucket-owner.ts).
  if (caller.id !== ctx.users.firstUser.id || wanted.grants !== undefined) await storeBucketAcl(ctx.store, bucket, doc);
  if (ownership !== undefined) await ctx.store.putBucketConfig(bucket, 'ownership-controls', ownership);
  return created(bucket);
};

function created(bucket: string): S3Response {
  return { status: 200, headers: ['Location', `/${bucket}`] };
}

/**
 * The answer when the bucket exists (null when it does not). Another user's: 409
 * BucketAlreadyExists. The caller's: in us-east-1, 200 and nothing changed when the request asks
 * for the ACL the bucket has, else 409 BucketAlreadyExists (what ceph/s3-tests
 * test_bucket_create_exists and test_bucket_recreate_*_acl expect of S3); in other regions 409
 * BucketAlreadyOwnedByYou. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html#API_CreateBucket_Errors
 */
async function existingBucketAnswer(ctx: S3Context<OpOf<'CreateBucket'>>, caller: Owner, wanted: AccessControlPolicy): Promise<S3Response | S3Error | null> {
  const { bucket } = ctx.op;
  const current = await loadBucketAcl(ctx.store, bucket, ctx.users);
  if (current === null) return null;
  if (current.owner.id !== caller.id) return new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
  if (ctx.region !== 'us-east-1') return new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: bucket });
  const sameAcl = JSON.stringify(current.grants) === JSON.stringify(wanted.grants);
  return sameAcl ? created(bucket) : new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
}
