/** Bucket existence and access checks shared by handlers. */
import { S3Error } from '@bucketfront/s3-protocol';
import { isAllowed, PUT_OBJECT, PUT_OBJECT_ACL_ON_WRITE } from './authorize.js';
import { loadBucketFacts, type BucketFacts } from './bucket-facts.js';
import type { S3Context } from './context.js';

export function noSuchBucket(bucket: string): S3Error {
  return new S3Error('NoSuchBucket', undefined, { BucketName: bucket });
}

/** The bucket's facts, or NoSuchBucket. */
export async function requireBucket(ctx: S3Context, bucket: string): Promise<BucketFacts | S3Error> {
  const facts = await loadBucketFacts(ctx.store, bucket);
  return facts ?? noSuchBucket(bucket);
}

/**
 * A POST form without a signed policy is an anonymous write: may everyone write (and set the new
 * object's ACL) here? Signed forms are authorized by their policy. The decision is authorize.ts's.
 */
export function isAnonymousAllowed(ctx: S3Context, facts: BucketFacts, action: 's3:PutObject' | 's3:PutObjectAcl', key: string): boolean {
  if (ctx.auth.kind !== 'anonymous') return true;
  return isAllowed(ctx, facts, action === 's3:PutObject' ? PUT_OBJECT : PUT_OBJECT_ACL_ON_WRITE, key);
}

export const accessDenied = (): S3Error => new S3Error('AccessDenied');
