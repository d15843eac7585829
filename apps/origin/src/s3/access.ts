/** Bucket existence and anonymous access checks shared by handlers. */
import type { CannedAcl } from '@bucketfront/object-store';
import { evaluateAnonymousAccess, S3Error, type AnonymousAction } from '@bucketfront/s3-protocol';
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
 * For anonymous callers: may Principal "*" do `action`? Signed callers (the
 * single account) may do anything. https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-policy-language-overview.html
 */
export function isAnonymousAllowed(ctx: S3Context, facts: BucketFacts, action: AnonymousAction, key?: string, objectAcl?: CannedAcl): boolean {
  if (ctx.auth.kind !== 'anonymous') return true;
  const decision = evaluateAnonymousAccess({
    policy: facts.policy,
    bucketAcl: facts.info.acl,
    objectAcl,
    action,
    bucket: facts.info.name,
    key,
  });
  return decision === 'allow';
}

export const accessDenied = (): S3Error => new S3Error('AccessDenied');
