/**
 * Replication statuses on the s3 driver (docs/replication.md#the-s3-store). A version's metadata
 * lives inside its backend object, which no backend changes in place; so the status written with
 * the version (`PENDING`, metadata.ts) stays there, and what it becomes later (`COMPLETED`,
 * `FAILED`) is a small object in the system bucket, a *sidecar*:
 *
 *   replication-status/<bucket>/<sha256(key), hex>/<versionId, URI-encoded>   body: the status
 *
 * (the key's hash keeps the name within S3's 1,024 bytes whatever the key). Reads overlay the
 * sidecar on versions whose own status is PENDING: they pay one more small GET.
 *
 * A version written without a status gets one when the replication of existing objects queues it
 * (PENDING, then COMPLETED or FAILED), in a sidecar too. Its bucket is marked first (the system
 * document `repl-sidecars.<bucket>`, create-only, so every node sees it before the first such
 * sidecar exists), and only in marked buckets do reads of versions without a status look for a
 * sidecar: a bucket never backfilled pays nothing more, apart from looking for its mark at most
 * every 2 s (the listing enricher's way, encryption/listing-enricher.ts).
 */
import { createHash } from 'node:crypto';
import { freezeMetadata } from '../validate.js';
import type { ObjectInfo, ReplicationStatus } from '../types.js';
import type { SystemBucket } from './system-bucket.js';
import { NULL_VERSION } from './versions.js';

const PREFIX = 'replication-status/';
const SETTLED: ReadonlySet<string> = new Set<ReplicationStatus>(['PENDING', 'COMPLETED', 'FAILED']);
const MARK_PREFIX = 'repl-sidecars.';
/** How long "not marked" is believed before the mark is looked for again. */
const UNMARKED_TTL_MS = 2000;

export class ReplicationStatuses {
  /** bucket → true (marked), or when it was last found unmarked; a look-up in flight is shared. */
  private readonly marks = new Map<string, true | number | Promise<boolean>>();

  constructor(private readonly sys: SystemBucket) {}

  private keyOf(bucket: string, key: string, versionId: string): string {
    return `${PREFIX}${bucket}/${createHash('sha256').update(key, 'utf8').digest('hex')}/${encodeURIComponent(versionId)}`;
  }

  /**
   * Whether the status of this version can live in a sidecar: one with an id, written PENDING or
   * without a status (not a REPLICA, whose status never changes).
   */
  static keepsSidecar(info: ObjectInfo): info is ObjectInfo & { versionId: string } {
    const own = info.metadata.replicationStatus;
    return info.versionId !== undefined && info.versionId !== NULL_VERSION && (own === 'PENDING' || own === undefined);
  }

  /** `info` with its sidecar's status, when it has one (else `info` itself). */
  async overlay(bucket: string, info: ObjectInfo): Promise<ObjectInfo> {
    if (!ReplicationStatuses.keepsSidecar(info)) return info;
    if (info.metadata.replicationStatus === undefined && !(await this.isMarked(bucket))) return info;
    const text = await this.sys.getUncached(this.keyOf(bucket, info.key, info.versionId));
    const status = text?.trim();
    if (status === undefined || !SETTLED.has(status) || status === info.metadata.replicationStatus) return info;
    return withStatus(info, status as ReplicationStatus);
  }

  /**
   * Stores a version's status (durable when the backend acknowledges). A PENDING sidecar is only
   * ever written for a version without a status of its own (one written PENDING has it already):
   * its bucket is marked first, so reads look for it.
   */
  async write(bucket: string, key: string, versionId: string, status: ReplicationStatus): Promise<void> {
    if (status === 'PENDING' && this.marks.get(bucket) !== true) {
      await this.sys.createSystemDocument(`${MARK_PREFIX}${bucket}`, '1');
      this.marks.set(bucket, true);
    }
    await this.sys.put(this.keyOf(bucket, key, versionId), status);
  }

  /** Whether versions of the bucket without a status of their own may have a sidecar. */
  private async isMarked(bucket: string): Promise<boolean> {
    const m = this.marks.get(bucket);
    if (m === true) return true;
    if (m instanceof Promise) return m;
    if (m !== undefined && Date.now() - m < UNMARKED_TTL_MS) return false;
    const looking = this.sys.getSystemDocument(`${MARK_PREFIX}${bucket}`).then(
      (doc) => {
        this.marks.set(bucket, doc !== null ? true : Date.now());
        return doc !== null;
      },
      (err: unknown) => {
        this.marks.delete(bucket);
        throw err;
      },
    );
    this.marks.set(bucket, looking);
    return looking;
  }

  /** Best effort: the sidecar of a version deleted by its id. */
  async remove(bucket: string, key: string, versionId: string): Promise<void> {
    await this.sys.delete(this.keyOf(bucket, key, versionId)).catch(() => {});
  }

  /** Best effort: every sidecar left of a deleted bucket, and its mark (a bucket made again under its name starts unmarked). */
  async clearBucket(bucket: string): Promise<void> {
    this.marks.delete(bucket);
    const keys = await this.sys.list(`${PREFIX}${bucket}/`);
    if (keys.length > 0) await this.sys.deleteAll(keys);
    await this.sys.removeSystemDocument(`${MARK_PREFIX}${bucket}`);
  }
}

export function withStatus(info: ObjectInfo, status: ReplicationStatus): ObjectInfo {
  return Object.freeze({ ...info, metadata: freezeMetadata({ ...info.metadata, replicationStatus: status }) });
}
