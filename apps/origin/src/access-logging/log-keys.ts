/**
 * Log object keys (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html#server-log-keyname-format):
 * - SimplePrefix:      `[TargetPrefix][YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[UniqueString]`
 * - PartitionedPrefix: `[TargetPrefix][SourceAccountId]/[SourceRegion]/[SourceBucket]/[YYYY]/[MM]/[DD]/[YYYY]-[MM]-[DD]-[hh]-[mm]-[ss]-[UniqueString]`
 *   where the date folders are the delivery time or the records' event time (PartitionDateSource).
 */
import { randomBytes } from 'node:crypto';
import type { TargetObjectKeyFormat } from '@bucketfront/s3-protocol';

const two = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD-hh-mm-ss` in UTC. */
export function keyTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}-${two(d.getUTCMinutes())}-${two(d.getUTCSeconds())}`;
}

/** S3's unique strings are 16 upper-case hex characters. */
export function uniqueString(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

export interface LogKeyInput {
  targetPrefix: string;
  format: TargetObjectKeyFormat | undefined;
  /** When the object is written. */
  deliveryMs: number;
  /** The earliest record's time (PartitionDateSource EventTime). */
  eventMs: number;
  sourceAccountId: string;
  sourceRegion: string;
  sourceBucket: string;
  unique?: string;
}

export function logObjectKey(k: LogKeyInput): string {
  const name = `${keyTime(k.deliveryMs)}-${k.unique ?? uniqueString()}`;
  if (k.format?.kind !== 'PartitionedPrefix') return `${k.targetPrefix}${name}`;
  const d = new Date(k.format.partitionDateSource === 'EventTime' ? k.eventMs : k.deliveryMs);
  const folders = `${d.getUTCFullYear()}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}`;
  return `${k.targetPrefix}${k.sourceAccountId}/${k.sourceRegion}/${k.sourceBucket}/${folders}/${name}`;
}
