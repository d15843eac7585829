/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html (canned ACLs only). */
import { S3Error } from '@bucketfront/s3-protocol';
import { cannedAclInput, aclDocument } from '../acl.js';
import { loadBucketOwner, storeBucketAcl } from '../bucket-owner.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketAcl: S3Handler<OpOf<'PutBucketAcl'>> = async (ctx) => {
  const acl = await cannedAclInput(ctx);
  if (acl instanceof S3Error) return acl;
  await ctx.store.setBucketAcl(ctx.op.bucket, acl);
  // The owner stays; the grants are the canned ACL's (bucket-owner.ts).
  const owner = await loadBucketOwner(ctx.store, ctx.op.bucket, ctx.users);
  if (owner !== null) await storeBucketAcl(ctx.store, ctx.op.bucket, aclDocument(owner, acl));
  return { status: 200 };
};
