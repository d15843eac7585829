/**
 * What a website request needs to know about its bucket: that it exists,
 * its ACL, its website configuration and its bucket policy. The documents
 * are parsed once per bucket and raw text (hot requests never re-parse), and
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

const MAX_CACHED_BUCKETS = 4096;

/**
 * The last parsed document per bucket. The store hands back the same string
 * instance while a document is unchanged, so the hot-path check is a pointer
 * comparison; any other text (a new PUT) is parsed once and replaces it.
 */
class ParsedPerBucket<T> {
  private readonly entries = new Map<string, { raw: string; value: T }>();
  constructor(private readonly parse: (raw: string, bucket: string) => T) {}
  get(bucket: string, raw: string): T {
    const entry = this.entries.get(bucket);
    if (entry !== undefined && entry.raw === raw) return entry.value;
    const value = this.parse(raw, bucket);
    if (entry === undefined && this.entries.size >= MAX_CACHED_BUCKETS) this.entries.clear();
    this.entries.set(bucket, { raw, value });
    return value;
  }
}

const websiteConfigs = new ParsedPerBucket<WebsiteConfiguration | null>((raw) => {
  // Stored configurations were validated when they were put (perhaps with the SPA extension on).
  const result = parseWebsiteConfiguration(raw, { allowSpaFallback: true });
  return result.ok ? result.config : null;
});

// The policy's resources are validated against the bucket name.
const policies = new ParsedPerBucket<BucketPolicy | null>((raw, bucket) => {
  const result = validateBucketPolicy(raw, bucket);
  return result.ok ? result.policy : null;
});

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
  const config = websiteConfigs.get(name, websiteRaw);
  if (!config) return { kind: 'invalid-website' };
  const policy = policyRaw === null ? null : policies.get(name, policyRaw);
  return { kind: 'ok', bucket, config, policy };
}
