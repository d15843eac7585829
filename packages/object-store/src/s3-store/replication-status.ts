/**
 * Replication statuses on the s3 driver (docs/replication.md#the-s3-store). A version's metadata
 * lives inside its backend object, which no backend changes in place; so the status written with
 * the version (`PENDING`, metadata.ts) stays there, and what it becomes later (`COMPLETED`,
 * `FAILED`) is a small object in the system bucket, a *sidecar*:
 *
 *   replication-status/<bucket>/<sha256(key), hex>/<versionId, URI-encoded>   body: the status
 *
 * (the key's hash keeps the name within S3's 1,024 bytes whatever the key). Reads overlay the
 * sidecar only on versions whose own status is PENDING: only those pay one more small GET.
 */
import { createHash } from 'node:crypto';
import { freezeMetadata } from '../validate.js';
import type { ObjectInfo, ReplicationStatus } from '../types.js';
import type { SystemBucket } from './system-bucket.js';
import { NULL_VERSION } from './versions.js';

const PREFIX = 'replication-status/';
const SETTLED: ReadonlySet<string> = new Set<ReplicationStatus>(['PENDING', 'COMPLETED', 'FAILED']);

export class ReplicationStatuses {
  constructor(private readonly sys: SystemBucket) {}

  private keyOf(bucket: string, key: string, versionId: string): string {
    return `${PREFIX}${bucket}/${createHash('sha256').update(key, 'utf8').digest('hex')}/${encodeURIComponent(versionId)}`;
  }

  /** Whether the status of this version can live in a sidecar: one with an id, written PENDING. */
  static keepsSidecar(info: ObjectInfo): info is ObjectInfo & { versionId: string } {
    return info.versionId !== undefined && info.versionId !== NULL_VERSION && info.metadata.replicationStatus === 'PENDING';
  }

  /** `info` with its sidecar's status, when it has one (else `info` itself). */
  async overlay(bucket: string, info: ObjectInfo): Promise<ObjectInfo> {
    if (!ReplicationStatuses.keepsSidecar(info)) return info;
    const text = await this.sys.getUncached(this.keyOf(bucket, info.key, info.versionId));
    const status = text?.trim();
    if (status === undefined || !SETTLED.has(status) || status === info.metadata.replicationStatus) return info;
    return withStatus(info, status as ReplicationStatus);
  }

  /** Stores a version's status (durable when the backend acknowledges). */
  write(bucket: string, key: string, versionId: string, status: ReplicationStatus): Promise<void> {
    return this.sys.put(this.keyOf(bucket, key, versionId), status);
  }

  /** Best effort: the sidecar of a version deleted by its id. */
  async remove(bucket: string, key: string, versionId: string): Promise<void> {
    await this.sys.delete(this.keyOf(bucket, key, versionId)).catch(() => {});
  }

  /** Best effort: every sidecar left of a deleted bucket. */
  async clearBucket(bucket: string): Promise<void> {
    const keys = await this.sys.list(`${PREFIX}${bucket}/`);
    if (keys.length > 0) await this.sys.deleteAll(keys);
  }
}

export function withStatus(info: ObjectInfo, status: ReplicationStatus): ObjectInfo {
  return Object.freeze({ ...info, metadata: freezeMetadata({ ...info.metadata, replicationStatus: status }) });
}
