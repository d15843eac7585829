/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html. The caller owns the new
 * bucket; `x-amz-acl` or `x-amz-grant-*` set its ACL and `x-amz-object-ownership` its Object
 * Ownership (bucket-owner.ts, ownership-controls.ts).
 */
import { CreateBucketConfigurationXml, S3Error } from '@bucketfront/s3-protocol';
import { aclDocument, aclFromHeaders } from '../acl.js';
import { readSmallBody } from '../body.js';
import { storeBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';
import { headerValue } from '../object-headers.js';
import { isObjectOwnership } from '../ownership-controls.js';

export const CreateBucket: S3Handler<OpOf<'CreateBucket'>> = async (ctx) => {
  const { bucket } = ctx.op;
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
  await ctx.store.createBucket(bucket, { region: ctx.region, ...(acl ? { acl } : {}) });
  const caller = ctx.caller.kind === 'user' ? { id: ctx.caller.id, displayName: ctx.caller.displayName } : ctx.owner;
  // The first user with a canned ACL needs no document: that is what a bucket without one means (bucket-owner.ts).
  if (caller.id !== ctx.users.firstUser.id || wanted.grants !== undefined) {
    const doc = wanted.grants !== undefined ? { owner: caller, grants: wanted.grants } : aclDocument(caller, acl ?? 'private');
    await storeBucketAcl(ctx.store, bucket, doc);
  }
  if (ownership !== undefined) await ctx.store.putBucketConfig(bucket, 'ownership-controls', ownership);
  return { status: 200, headers: ['Location', `/${bucket}`] };
};
