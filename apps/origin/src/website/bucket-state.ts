/**
 * What a website request needs to know about its bucket: that it exists,
 * its ACL, its website configuration and its bucket policy. The documents
 * are parsed once per distinct raw text (hot requests never re-parse), and
 * re-read from the store on every request so a PutBucketWebsite or
 * PutBucketPolicy is seen by the very next request.
 */
import type { BucketInfo, ObjectStore } from '@bucketfront/object-store';
import { validateBucketPolicy, type BucketPolicy } from '@bucketfront/s3-protocol';
import { parseWebsiteConfiguration, type WebsiteConfiguration } from '@bucketfront/website';

export type BucketState =
  | { kind: 'no-bucket' }
  | { kind: 'no-website' }
  | { kind: 'invalid-website' }
  | { kind: 'ok'; bucket: BucketInfo; config: WebsiteConfiguration; policy: BucketPolicy | null };

const MAX_CACHED_DOCUMENTS = 1024;

/** A small cache keyed by the raw document; cleared wholesale when full. */
class ParseCache<T> {
  private readonly entries = new Map<string, T>();
  get(raw: string, parse: (raw: string) => T): T {
    let value = this.entries.get(raw);
    if (value === undefined && !this.entries.has(raw)) {
      value = parse(raw);
      if (this.entries.size >= MAX_CACHED_DOCUMENTS) this.entries.clear();
      this.entries.set(raw, value);
    }
    return value as T;
  }
}

const websiteConfigs = new ParseCache<WebsiteConfiguration | null>();
const policies = new ParseCache<BucketPolicy | null>();

function parseWebsite(raw: string): WebsiteConfiguration | null {
  const result = parseWebsiteConfiguration(raw);
  return result.ok ? result.config : null;
}

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
  const config = websiteConfigs.get(websiteRaw, parseWebsite);
  if (!config) return { kind: 'invalid-website' };
  // The policy's resources are validated against the bucket name: key the cache by both.
  const policy =
    policyRaw === null
      ? null
      : policies.get(`${name}\0${policyRaw}`, () => {
          const parsed = validateBucketPolicy(policyRaw, name);
          return parsed.ok ? parsed.policy : null;
        });
  return { kind: 'ok', bucket, config, policy };
}
