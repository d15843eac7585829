/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html: a canned ACL, grant
 * headers or an AccessControlPolicy document replaces the bucket's grants (its owner stays).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { aclInput } from '../acl.js';
import { bucketAclOf, storeBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';
import { aclWriteOf, refuseAclWrite } from '../object-acl-input.js';

export const PutBucketAcl: S3Handler<OpOf<'PutBucketAcl'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const owner = bucketAclOf(facts, ctx.users).owner;
  const input = await aclInput(ctx, owner, owner);
  if (input instanceof S3Error) return input;
  const refused = refuseAclWrite(facts, aclWriteOf(input, owner), input.policy.grants);
  if (refused) return refused;
  // BucketInfo.acl stays the canned summary other readers (website listing) use. A canned ACL of
  // a bucket the first user owns needs no document (bucket-owner.ts).
  await ctx.store.setBucketAcl(bucket, input.canned ?? 'private');
  const legacy = input.canned !== undefined && facts.acl === null && owner.id === ctx.users.firstUser.id;
  if (!legacy) await storeBucketAcl(ctx.store, bucket, input.policy);
  return { status: 200 };
};
