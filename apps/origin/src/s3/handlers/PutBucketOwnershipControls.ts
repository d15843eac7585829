/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html (200).
 * BucketOwnerEnforced is refused while the bucket ACL grants anyone but the owner
 * (InvalidBucketAclWithObjectOwnership), as S3 does.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import { bucketAclOf } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';
import { parseOwnershipControlsXml } from '../ownership-controls.js';

export const PutBucketOwnershipControls: S3Handler<OpOf<'PutBucketOwnershipControls'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, 64 * 1024);
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const ownership = parseOwnershipControlsXml(body);
  if (ownership instanceof S3Error) return ownership;
  if (ownership === 'BucketOwnerEnforced') {
    const acl = bucketAclOf(facts, ctx.users);
    if (acl.grants.some((g) => !(g.grantee.type === 'CanonicalUser' && g.grantee.id === acl.owner.id))) return new S3Error('InvalidBucketAclWithObjectOwnership');
  }
  await ctx.store.putBucketConfig(ctx.op.bucket, 'ownership-controls', ownership);
  return { status: 200 };
};
