/**
 * Replication records: one per source version to copy, appended to the shared durable outbox
 * (the notifications' machinery, @bucketfront/object-store EventOutbox) in partitions of their own,
 * `repl.<node id>`, so the notification sender never reads them and replication reads nothing
 * else. docs/replication.md#the-queue.
 */

export const REPLICATION_PARTITION_PREFIX = 'repl.';

export interface ReplicationRecord {
  bucket: string;
  key: string;
  /** The source version (or delete marker) to copy; the replica keeps this id. */
  versionId: string;
  kind: 'object' | 'deleteMarker';
  /** The rule that decided (its ID). */
  ruleId: string;
  destinationBucket: string;
  /** The region of the remote holding `destinationBucket` (remotes.ts). */
  destinationRegion: string;
  /** The destination storage class the rule asks for, when it does. */
  storageClass?: string;
  /** Bytes to copy (0 for a delete marker). */
  size: number;
  /** When the write was acknowledged (ms since the epoch): the lag metrics start there. */
  enqueuedAt: number;
  /**
   * When the source made the delete marker (ms since the epoch), for its place among the key's
   * versions on the destination (REPLICA_SOURCE_TIME_HEADER); absent in older records: `enqueuedAt`.
   */
  markerTime?: number;
}

/** This node's replication partition (a partition name is at most 128 characters, `lease.` + it too). */
export function replicationPartitionOf(nodeId: string): string {
  return `${REPLICATION_PARTITION_PREFIX}${nodeId.slice(0, 116)}`;
}

export function encodeRecord(r: ReplicationRecord): string {
  return JSON.stringify(r);
}

/** null for a record this version cannot read (it is dropped, and logged by the caller). */
export function decodeRecord(text: string): ReplicationRecord | null {
  try {
    const r = JSON.parse(text) as Partial<ReplicationRecord>;
    if (typeof r.bucket !== 'string' || typeof r.key !== 'string' || typeof r.versionId !== 'string') return null;
    if (r.kind !== 'object' && r.kind !== 'deleteMarker') return null;
    if (typeof r.destinationBucket !== 'string' || typeof r.destinationRegion !== 'string') return null;
    return { ruleId: '', size: 0, enqueuedAt: Date.now(), ...r } as ReplicationRecord;
  } catch {
    return null;
  }
}

/**
 * The request header that makes a write on the destination origin a replica of a source version
 * (PutObject, CreateMultipartUpload / CompleteMultipartUpload, DeleteObject): the version keeps
 * this id and the status REPLICA. Allowed to callers with s3:ReplicateObject / s3:ReplicateDelete
 * on the bucket (s3/replica-writes.ts). docs/replication.md#replica-writes.
 */
export const REPLICA_VERSION_HEADER = 'x-bucketfront-replica-version-id';
/**
 * When the source wrote the version (milliseconds since 1970): a destination whose backend orders a
 * key's versions by a number (radosgw, docs/replication.md#the-s3-store) keeps them in source order
 * whatever order the copies arrive in.
 */
export const REPLICA_SOURCE_TIME_HEADER = 'x-bucketfront-replica-source-time';
