/**
 * How the scans (backfill.ts, crash-scan.ts) put versions into this node's replication queue:
 * first marked PENDING in place where asked (so a crash from here on leaves what the scan after an
 * unclean stop finds), then their records appended in one durable batch, the same records live
 * writes append (service.ts recordOf). A scan waits while the queue is full, so a bucket of millions
 * of versions never sits in memory. docs/replication.md#existing-objects.
 */
import { isStoreError, type ObjectStore } from '@bucketfront/object-store';
import type { OutboxGroupCommit } from '../notifications/group-commit.js';
import { encodeRecord } from './records.js';
import { recordOf, type QueuedVersion, type ReplicationMatch } from './service.js';

export interface ScanQueueDeps {
  /** The driver's in-place version updates (OpenedStore.versionUpdates). */
  statusStore: Pick<ObjectStore, 'updateVersionMetadata'>;
  queue: OutboxGroupCommit;
  /** Records this node's sender holds and has not settled. */
  queueDepth: () => number;
  /** A scan waits before its next page while the queue holds this many records. */
  maxQueued: number;
}

export interface Queued {
  version: QueuedVersion;
  match: ReplicationMatch;
  /** Set PENDING first (a version without status yet); delete markers carry no status. */
  markPending: boolean;
}

const MARK_PARALLEL = 8;
const ROOM_POLL_MS = 100;

/** Queues the versions; resolves to how many were queued (a version deleted meanwhile is not). */
export async function queueVersions(deps: ScanQueueDeps, items: readonly Queued[]): Promise<number> {
  const kept: Queued[] = [];
  let next = 0;
  // Settled, not all-or-nothing: the versions already marked PENDING get their records even when
  // marking another one failed (else they would stay PENDING with no record), then the error is raised.
  const marking = await Promise.allSettled(
    Array.from({ length: Math.min(MARK_PARALLEL, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        if (item.markPending) {
          try {
            await deps.statusStore.updateVersionMetadata(item.version.bucket, item.version.key, item.version.versionId, { replicationStatus: 'PENDING' });
          } catch (err) {
            // Deleted since it was listed: nothing to copy.
            if (isStoreError(err, 'NoSuchVersion') || isStoreError(err, 'NoSuchKey') || isStoreError(err, 'NoSuchBucket')) continue;
            throw err;
          }
        }
        kept.push(item);
      }
    }),
  );
  if (kept.length > 0) await deps.queue.append(kept.map((q) => encodeRecord(recordOf(q.match, q.version))));
  const failed = marking.find((m): m is PromiseRejectedResult => m.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return kept.length;
}

/** Resolves once the queue has room (or `stopped()` says the scan ends); true when it has room. */
export async function roomInQueue(deps: ScanQueueDeps, stopped: () => boolean): Promise<boolean> {
  while (deps.queueDepth() >= deps.maxQueued) {
    if (stopped()) return false;
    await new Promise((r) => setTimeout(r, ROOM_POLL_MS));
  }
  return !stopped();
}
