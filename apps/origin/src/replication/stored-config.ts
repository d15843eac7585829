/**
 * A bucket's replication configuration as the origin stores it (bucket config kind
 * `'replication'`): the validated ReplicationConfiguration plus what PutBucketReplication learnt
 * about its destination (the region of the remote that holds the bucket). Parsed once per bucket
 * and text (bucket-documents.ts's ParsedPerBucket), so a write reads it for free. docs/replication.md.
 */
import type { ObjectStore } from '@bucketfront/object-store';
import type { ReplicationConfiguration } from '@bucketfront/s3-protocol';
import { ParsedPerBucket } from '../bucket-documents.js';

export interface StoredReplication {
  config: ReplicationConfiguration;
  /** The region of the remote holding `config`'s destination bucket (remotes.ts). */
  destinationRegion: string;
}

const parsed = new ParsedPerBucket<StoredReplication | null>((raw) => {
  try {
    const doc = JSON.parse(raw) as Partial<StoredReplication>;
    return doc.config !== undefined && typeof doc.destinationRegion === 'string' ? (doc as StoredReplication) : null;
  } catch {
    return null;
  }
});

export function encodeStoredReplication(doc: StoredReplication): string {
  return JSON.stringify(doc);
}

/** The bucket's replication configuration; null when it has none (or the bucket is gone). */
export async function loadReplication(store: ObjectStore, bucket: string): Promise<StoredReplication | null> {
  const raw = await store.getBucketConfig(bucket, 'replication');
  return raw === null ? null : parsed.get(bucket, raw);
}
