/**
 * In-memory view of bucket facts the hot path needs (existence, ACL, parsed
 * policy), so anonymous GETs cost no store round-trips. The origin process
 * owns its data directory, so every change goes through the handlers, which
 * call `invalidate(bucket)`.
 */
import type { BucketInfo, ObjectStore } from '@bucketfront/object-store';
import { validateBucketPolicy, type BucketPolicy } from '@bucketfront/s3-protocol';

export interface BucketFacts {
  info: BucketInfo;
  policy: BucketPolicy | null;
}

export class BucketCache {
  private readonly facts = new Map<string, Promise<BucketFacts | null>>();

  constructor(private readonly store: ObjectStore) {}

  /** null when the bucket does not exist. */
  get(bucket: string): Promise<BucketFacts | null> {
    let p = this.facts.get(bucket);
    if (p === undefined) {
      p = this.load(bucket);
      this.facts.set(bucket, p);
      // A failed load is not cached.
      p.catch(() => this.facts.delete(bucket));
    }
    return p;
  }

  invalidate(bucket: string): void {
    this.facts.delete(bucket);
  }

  private async load(bucket: string): Promise<BucketFacts | null> {
    const info = await this.store.headBucket(bucket);
    if (info === null) return null;
    const doc = await this.store.getBucketConfig(bucket, 'policy').catch(() => null);
    let policy: BucketPolicy | null = null;
    if (doc !== null) {
      const parsed = validateBucketPolicy(doc, bucket);
      policy = parsed.ok ? parsed.policy : null;
    }
    return { info, policy };
  }
}
