/**
 * The scan after an unclean stop (running-marker.ts found the last process's marker). A crash
 * between a version's durable write (PENDING) and its record's append leaves a PENDING version
 * that no queue holds. This scan reads every record of the replication partitions (`repl.*`, this
 * node's and others') into a set, then walks the versions of every bucket with a replication
 * configuration (version-scan.ts) and queues again each PENDING version without a record, under
 * the rule that replicates it now. Versions written since this process started have their record.
 * Delivery is at least once and replica writes are idempotent: a record queued twice costs a copy.
 * docs/replication.md#after-an-unclean-stop.
 */
import { NULL_VERSION } from '@bucketfront/s3-protocol';
import type { EventOutbox } from '@bucketfront/object-store';
import type { BackfillStats } from './backfill-stats.js';
import { decodeRecord, REPLICATION_PARTITION_PREFIX } from './records.js';
import { queueVersions, roomInQueue, type Queued, type ScanQueueDeps } from './scan-queue.js';
import { matchIn, tagsOf } from './service.js';
import { loadReplication } from './stored-config.js';
import { scanVersions, type ScannedStore } from './version-scan.js';

export interface CrashScanOptions extends ScanQueueDeps, ScannedStore {
  outbox: EventOutbox;
  stats: BackfillStats;
  pageSize: number;
  /** When this process started (ms): what it wrote since has its record. */
  startedAt: number;
  stopped: () => boolean;
  log: (line: string) => void;
}

const READ_PAGE = 100;
/**
 * Records held in the set at most (some tens of MiB). A queue holding more (a long outage) is not
 * read into memory: every PENDING version is queued again instead, which costs a duplicate record
 * each (settled without a copy once the first one completed: copy-version.ts).
 */
const MAX_RECORDS_HELD = 200_000;
const idOf = (bucket: string, key: string, versionId: string): string => `${bucket}\0${key}\0${versionId}`;

/** Every version some replication partition holds a record of; null when they are more than MAX_RECORDS_HELD. */
async function recordedVersions(outbox: EventOutbox): Promise<Set<string> | null> {
  const out = new Set<string>();
  for (const partition of await outbox.listOutboxPartitions()) {
    if (!partition.startsWith(REPLICATION_PARTITION_PREFIX)) continue;
    let after: string | undefined;
    for (;;) {
      const page = await outbox.readOutbox(partition, READ_PAGE, after);
      for (const batch of page) {
        for (const text of batch.records) {
          const r = decodeRecord(text);
          if (r !== null) out.add(idOf(r.bucket, r.key, r.versionId));
        }
        if (out.size > MAX_RECORDS_HELD) return null;
      }
      if (page.length < READ_PAGE) break;
      after = page[page.length - 1]!.id;
    }
  }
  return out;
}

/** Resolves true once every bucket was walked, false when stopped first. */
export async function crashScan(opts: CrashScanOptions): Promise<boolean> {
  const { store, stats, log } = opts;
  stats.running.recovery++;
  try {
    const recorded = await recordedVersions(opts.outbox);
    log(
      recorded === null
        ? `the last process of this node did not stop cleanly: the queue holds over ${MAX_RECORDS_HELD} records, so every PENDING version is queued again`
        : `the last process of this node did not stop cleanly: looking for PENDING versions without a queue record (${recorded.size} records queued)`,
    );
    let scanned = 0;
    let queued = 0;
    for (const b of await store.listBuckets()) {
      if (opts.stopped()) return false;
      if ((await loadReplication(store, b.name)) === null) continue;
      let stoppedHere = false as boolean;
      await scanVersions(opts, b.name, {}, opts.pageSize, async (versions) => {
        if (!(await roomInQueue(opts, opts.stopped))) {
          stoppedHere = true;
          return false;
        }
        const stored = await loadReplication(store, b.name);
        if (stored === null) return false;
        const items: Queued[] = [];
        for (const v of versions) {
          const o = v.object;
          if (o === undefined || o.metadata.replicationStatus !== 'PENDING' || v.versionId === NULL_VERSION) continue;
          if (v.lastModified.getTime() >= opts.startedAt || recorded?.has(idOf(b.name, v.key, v.versionId))) continue;
          const match = matchIn(stored, v.key, tagsOf(o.metadata.tagging), false);
          if (match === null) {
            log(`s3://${b.name}/${v.key} version ${v.versionId} is PENDING without a record, and no rule replicates it any more: left as it is`);
            continue;
          }
          items.push({ version: { bucket: b.name, key: v.key, versionId: v.versionId, kind: 'object', size: o.size }, match, markPending: false });
        }
        const n = await queueVersions(opts, items);
        scanned += versions.length;
        queued += n;
        stats.scanned.recovery += versions.length;
        stats.queued.recovery += n;
        return true;
      });
      if (stoppedHere) return false;
    }
    stats.finished.recovery++;
    log(`scan after the unclean stop finished: ${scanned} versions examined, ${queued} PENDING versions without a record queued again`);
    return true;
  } finally {
    stats.running.recovery--;
  }
}
