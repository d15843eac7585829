/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html */
import { CreateBucketConfigurationXml, S3Error } from '@bucketfront/s3-protocol';
import { readSmallBody } from '../body.js';
import { isStoreError, type CannedAcl } from '@bucketfront/object-store';
import type { Owner } from '@bucketfront/s3-protocol';
import { aclDocument } from '../acl.js';
import { loadBucketAcl, storeBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Context, S3Handler, S3Response } from '../context.js';
import { cannedAclFrom } from '../object-headers.js';

export const CreateBucket: S3Handler<OpOf<'CreateBucket'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const acl = cannedAclFrom(ctx.req.headers);
  if (acl instanceof S3Error) return acl;
  const body = await readSmallBody(ctx, 64 * 1024);
  if (body instanceof S3Error) return body;
  if (body.length > 0) {
    const conf = CreateBucketConfigurationXml.parse(body);
    if (conf instanceof S3Error) return conf;
    const wanted = conf.locationConstraint;
    // One region per origin: a constraint naming another region is refused as S3's
    // regional endpoints do. (us-east-1 is spelled as an empty constraint.)
    if (wanted !== undefined && wanted !== '' && wanted !== ctx.region) {
      return new S3Error('IllegalLocationConstraintException', `The ${wanted} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
  }
  const owner = ctx.caller.kind === 'user' ? { id: ctx.caller.id, displayName: ctx.caller.displayName } : ctx.owner;
  const existing = await existingBucketAnswer(ctx, owner, acl ?? 'private');
  if (existing !== null) return existing;
  try {
    await ctx.store.createBucket(bucket, { region: ctx.region, ...(acl ? { acl } : {}) });
  } catch (err) {
    // Created meanwhile by another request: answered as if it had been there first.
    if (isStoreError(err) && err.code === 'BucketAlreadyOwnedByYou') return (await existingBucketAnswer(ctx, owner, acl ?? 'private')) ?? created(bucket);
    throw err;
  }
  await storeBucketAcl(ctx.store, bucket, aclDocument(owner, acl ?? 'private'));
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
async function existingBucketAnswer(ctx: S3Context<OpOf<'CreateBucket'>>, caller: Owner, acl: CannedAcl): Promise<S3Response | S3Error | null> {
  const { bucket } = ctx.op;
  const current = await loadBucketAcl(ctx.store, bucket, ctx.users);
  if (current === null) return null;
  if (current.owner.id !== caller.id) return new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
  if (ctx.region !== 'us-east-1') return new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: bucket });
  const sameAcl = JSON.stringify(current.grants) === JSON.stringify(aclDocument(current.owner, acl).grants);
  return sameAcl ? created(bucket) : new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
}
