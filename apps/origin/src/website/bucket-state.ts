/**
 * What a website request needs to know about its bucket: the facts the S3 API's authorization
 * reads (existence, ACL, policy, Block Public Access, Object Ownership: s3/bucket-facts.ts) and
 * its website configuration. The documents are parsed once per bucket and raw text (hot requests
 * never re-parse), and re-read from the store on every request so a PutBucketWebsite,
 * PutBucketPolicy or PutPublicAccessBlock is seen by the very next request (the store's
 * bucket-facts cache answers without a backend round trip, and stays fresh: bucket-cache.ts).
 */
import { isStoreError, type ObjectStore } from '@bucketfront/object-store';
import type { WebsiteConfiguration } from '@bucketfront/website';
import { parsedWebsiteConfiguration } from '../bucket-documents.js';
import { loadBucketFacts, type BucketFacts } from '../s3/bucket-facts.js';

export type BucketState = { kind: 'no-bucket' } | { kind: 'no-website' } | { kind: 'invalid-website' } | { kind: 'ok'; facts: BucketFacts; config: WebsiteConfiguration };

export async function loadBucketState(store: ObjectStore, name: string): Promise<BucketState> {
  const facts = await loadBucketFacts(store, name);
  if (facts === null) return { kind: 'no-bucket' };
  let websiteRaw: string | null;
  try {
    websiteRaw = await store.getBucketConfig(name, 'website');
  } catch (err) {
    // Deleted since the facts were read.
    if (isStoreError(err, 'NoSuchBucket')) return { kind: 'no-bucket' };
    throw err;
  }
  if (websiteRaw === null) return { kind: 'no-website' };
  const config = parsedWebsiteConfiguration(name, websiteRaw);
  if (!config) return { kind: 'invalid-website' };
  return { kind: 'ok', facts, config };
}
