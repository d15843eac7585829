/**
 * What the S3 API needs of a bucket on every request: that it exists, its ACL (owner and
 * grants), its parsed policy, its PublicAccessBlock and Object Ownership settings. The store's
 * bucket-facts cache (@bucketfront/object-store bucket-cache.ts) makes this free on the hot path
 * and keeps it fresh, across origin nodes too; nothing here needs invalidating.
 */
import { isStoreError, type BucketInfo, type ObjectStore } from '@bucketfront/object-store';
import type { BucketPolicy } from '@bucketfront/s3-protocol';
import { ParsedPerBucket, parsedBucketPolicy } from '../bucket-documents.js';
import { parseStoredBucketAcl, type StoredBucketAcl } from './bucket-owner.js';
import { storedOwnership, type ObjectOwnership } from './ownership-controls.js';
import { storedPublicAccessBlock, type PublicAccessBlock } from './public-access-block.js';

export interface BucketFacts {
  info: BucketInfo;
  policy: BucketPolicy | null;
  /** The stored owner and grants; null for a bucket created before owners were recorded (bucket-owner.ts). */
  acl: StoredBucketAcl | null;
  publicAccessBlock: PublicAccessBlock | null;
  ownership: ObjectOwnership | null;
}

const acls = new ParsedPerBucket<StoredBucketAcl | null>((raw) => {
  try {
    return parseStoredBucketAcl(raw);
  } catch {
    return null;
  }
});

/** null when the bucket does not exist. */
export async function loadBucketFacts(store: ObjectStore, bucket: string): Promise<BucketFacts | null> {
  const info = await store.headBucket(bucket);
  if (info === null) return null;
  let docs: Array<string | null>;
  try {
    docs = await Promise.all([
      store.getBucketConfig(bucket, 'policy'),
      store.getBucketConfig(bucket, 'acl'),
      store.getBucketConfig(bucket, 'public-access-block'),
      store.getBucketConfig(bucket, 'ownership-controls'),
    ]);
  } catch (err) {
    // Deleted between headBucket and here.
    if (isStoreError(err, 'NoSuchBucket')) return null;
    throw err;
  }
  const [policy, acl, pab, ownership] = docs as [string | null, string | null, string | null, string | null];
  return {
    info,
    policy: policy === null ? null : parsedBucketPolicy(bucket, policy),
    acl: acl === null ? null : acls.get(bucket, acl),
    publicAccessBlock: pab === null ? null : storedPublicAccessBlock(bucket, pab),
    ownership: storedOwnership(ownership),
  };
}
