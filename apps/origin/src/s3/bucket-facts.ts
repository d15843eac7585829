/**
 * What the S3 API needs of a bucket on every request: that it exists, its
 * ACL and its parsed policy. The store's bucket-facts cache
 * (@bucketfront/object-store bucket-cache.ts) makes this free on the hot path
 * and keeps it fresh, across origin nodes too; nothing here needs invalidating.
 */
import { isStoreError, type BucketInfo, type ObjectStore } from '@bucketfront/object-store';
import type { BucketPolicy } from '@bucketfront/s3-protocol';
import { parsedBucketPolicy } from '../bucket-documents.js';

export interface BucketFacts {
  info: BucketInfo;
  policy: BucketPolicy | null;
}

/** null when the bucket does not exist. */
export async function loadBucketFacts(store: ObjectStore, bucket: string): Promise<BucketFacts | null> {
  const info = await store.headBucket(bucket);
  if (info === null) return null;
  let doc: string | null;
  try {
    doc = await store.getBucketConfig(bucket, 'policy');
  } catch (err) {
    // Deleted between headBucket and here.
    if (isStoreError(err, 'NoSuchBucket')) return null;
    throw err;
  }
  return { info, policy: doc === null ? null : parsedBucketPolicy(bucket, doc) };
}
