/**
 * Bucket documents parsed once per bucket and text: the website configuration,
 * the bucket policy, the default encryption and the notification configuration. A hot request compares the stored text with the last
 * one parsed (the store hands back the same string while a document is
 * unchanged, so that is usually a pointer comparison) and never re-parses.
 */
import type { ObjectStore } from '@bucketfront/object-store';
import {
  parseCorsConfiguration,
  parseNotificationConfiguration,
  parseServerSideEncryptionConfiguration,
  S3Error,
  validateBucketPolicy,
  type BucketEncryptionRule,
  type BucketPolicy,
  type CorsConfiguration,
  type NotificationConfiguration,
} from '@bucketfront/s3-protocol';
import { parseWebsiteConfiguration, type WebsiteConfiguration } from '@bucketfront/website';

const MAX_CACHED_BUCKETS = 4096;

export class ParsedPerBucket<T> {
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

// Stored configurations were validated when they were put; one that no longer parses is kept as
// null here and refused by loadBucketEncryption (fail closed: never store in the clear by mistake).
const encryptionRules = new ParsedPerBucket<BucketEncryptionRule | null>((raw) => {
  const result = parseServerSideEncryptionConfiguration(raw);
  return result instanceof S3Error ? null : (result.rules[0] ?? null);
});

// Stored configurations were validated (and given their Ids) when they were put.
const notificationConfigs = new ParsedPerBucket<NotificationConfiguration | null>((raw) => {
  const result = parseNotificationConfiguration(raw);
  return result instanceof S3Error ? null : result;
});

// Stored configurations were validated when they were put.
const corsConfigs = new ParsedPerBucket<CorsConfiguration | null>((raw) => {
  const result = parseCorsConfiguration(raw);
  return result instanceof S3Error ? null : result;
});

/** The stored CORS configuration, parsed; null when it no longer parses. */
export function parsedCorsConfiguration(bucket: string, raw: string): CorsConfiguration | null {
  return corsConfigs.get(bucket, raw);
}

/** The stored notification configuration, parsed; null when it no longer parses. */
export function loadBucketNotification(bucket: string, raw: string): NotificationConfiguration | null {
  return notificationConfigs.get(bucket, raw);
}

/** The stored website configuration, parsed; null when it no longer parses. */
export function parsedWebsiteConfiguration(bucket: string, raw: string): WebsiteConfiguration | null {
  return websiteConfigs.get(bucket, raw);
}

/** The stored bucket policy, parsed; null when it no longer validates. */
export function parsedBucketPolicy(bucket: string, raw: string): BucketPolicy | null {
  return policies.get(bucket, raw);
}

/**
 * The bucket's default encryption rule (PutBucketEncryption), or null when none is configured:
 * what PutObject, CreateMultipartUpload and CopyObject apply when the request names no
 * server-side encryption (docs/encryption.md#default-bucket-encryption).
 * Throws the store's NoSuchBucket, and InternalError when the stored document no longer parses.
 */
export async function loadBucketEncryption(store: ObjectStore, bucket: string): Promise<BucketEncryptionRule | null> {
  const raw = await store.getBucketConfig(bucket, 'encryption');
  if (raw === null) return null;
  const rule = encryptionRules.get(bucket, raw);
  if (rule === null) throw new S3Error('InternalError');
  return rule;
}
