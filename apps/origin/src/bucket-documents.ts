/**
 * Bucket documents parsed once per bucket and text: the website configuration
 * and the bucket policy. A hot request compares the stored text with the last
 * one parsed (the store hands back the same string while a document is
 * unchanged, so that is usually a pointer comparison) and never re-parses.
 */
import { validateBucketPolicy, type BucketPolicy } from '@bucketfront/s3-protocol';
import { parseWebsiteConfiguration, type WebsiteConfiguration } from '@bucketfront/website';

const MAX_CACHED_BUCKETS = 4096;

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

/** The stored website configuration, parsed; null when it no longer parses. */
export function parsedWebsiteConfiguration(bucket: string, raw: string): WebsiteConfiguration | null {
  return websiteConfigs.get(bucket, raw);
}

/** The stored bucket policy, parsed; null when it no longer validates. */
export function parsedBucketPolicy(bucket: string, raw: string): BucketPolicy | null {
  return policies.get(bucket, raw);
}
