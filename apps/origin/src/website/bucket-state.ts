/**
 * What a website request needs to know about its bucket: that it exists,
 * its ACL, its website configuration and its bucket policy. The documents
 * are parsed once per bucket and raw text (hot requests never re-parse), and
 * re-read from the store on every request so a PutBucketWebsite or
 * PutBucketPolicy is seen by the very next request (the store's bucket-facts
 * cache answers without a backend round trip, and stays fresh: bucket-cache.ts).
 */
import type { BucketInfo, ObjectStore } from '@bucketfront/object-store';
import type { BucketPolicy } from '@bucketfront/s3-protocol';
import type { WebsiteConfiguration } from '@bucketfront/website';
import { parsedBucketPolicy, parsedWebsiteConfiguration } from '../bucket-documents.js';

export type BucketState = { kind: 'no-bucket' } | { kind: 'no-website' } | { kind: 'invalid-website' } | { kind: 'ok'; bucket: BucketInfo; config: WebsiteConfiguration; policy: BucketPolicy | null };

export async function loadBucketState(store: ObjectStore, name: string): Promise<BucketState> {
  const bucket = await store.headBucket(name);
  if (!bucket) return { kind: 'no-bucket' };
  let websiteRaw: string | null;
  let policyRaw: string | null;
  try {
    [websiteRaw, policyRaw] = await Promise.all([store.getBucketConfig(name, 'website'), store.getBucketConfig(name, 'policy')]);
  } catch (err) {
    // Deleted between headBucket and here.
    if ((err as { code?: unknown }).code === 'NoSuchBucket') return { kind: 'no-bucket' };
    throw err;
  }
  if (websiteRaw === null) return { kind: 'no-website' };
  const config = parsedWebsiteConfiguration(name, websiteRaw);
  if (!config) return { kind: 'invalid-website' };
  const policy = policyRaw === null ? null : parsedBucketPolicy(name, policyRaw);
  return { kind: 'ok', bucket, config, policy };
}
