/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketAcl.html (canned ACLs only). */
import { S3Error } from '@bucketfront/s3-protocol';
import { cannedAclInput } from '../acl.js';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketAcl: S3Handler<OpOf<'PutBucketAcl'>> = async (ctx) => {
  const acl = await cannedAclInput(ctx);
  if (acl instanceof S3Error) return acl;
  try {
    await ctx.store.setBucketAcl(ctx.op.bucket, acl);
  } finally {
  }
  return { status: 200 };
};
