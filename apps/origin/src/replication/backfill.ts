/**
 * Replication of existing objects: a rule with `ExistingObjectReplication` `Enabled`
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ExistingObjectReplication.html; on S3 the
 * job of Batch Replication, https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html)
 * also replicates the versions that were in the bucket before, and have no replication status.
 *
 * One job per bucket, started by PutBucketReplication and run in the background: it walks the
 * bucket's versions page by page (version-scan.ts), queues the ones such a rule matches
 * (scan-queue.ts: PENDING in place, then the same records as live writes) and after each page saves
 * where it is in the bucket's `replication-backfill` document, so a restart resumes there. The
 * document goes when the job is done (or the bucket goes). docs/replication.md#existing-objects.
 */
import { randomUUID } from 'node:crypto';
import { NULL_VERSION, replicatesExistingObjects } from '@bucketfront/s3-protocol';
import type { ObjectVersionInfo } from '@bucketfront/object-store';
import type { BackfillStats } from './backfill-stats.js';
import { queueVersions, roomInQueue, type Queued, type ScanQueueDeps } from './scan-queue.js';
import { matchIn, tagsOf } from './service.js';
import { loadReplication, type StoredReplication } from './stored-config.js';
import { scanVersions, type ScannedStore, type ScanPosition } from './version-scan.js';

const DOC = 'replication-backfill';

/** The job's document (bucket config `replication-backfill`). */
interface BackfillJob extends ScanPosition {
  id: string;
  /** When PutBucketReplication asked for it (ms): a delete marker made since was queued by its own delete. */
  startedAt: number;
  scanned: number;
  queued: number;
}

interface Running {
  id: string;
  stop: boolean;
  done: Promise<void>;
}

export interface BackfillOptions extends ScanQueueDeps, ScannedStore {
  stats: BackfillStats;
  /** Versions listed per page (ListObjectVersions max-keys). */
  pageSize: number;
  log: (line: string) => void;
}

function parseJob(raw: string | null): BackfillJob | null {
  if (raw === null) return null;
  try {
    const j = JSON.parse(raw) as Partial<BackfillJob>;
    return typeof j.id === 'string' && typeof j.startedAt === 'number' ? ({ scanned: 0, queued: 0, ...j } as BackfillJob) : null;
  } catch {
    return null;
  }
}

/** What the rule replicating `v` under `stored` asks of a version that existed before: queue it or not. */
export function existingVersionToQueue(stored: StoredReplication, bucket: string, v: ObjectVersionInfo, startedAt: number): Queued | null {
  // The null version (written before versioning was Enabled) cannot keep its id on the destination.
  if (v.versionId === NULL_VERSION) return null;
  const deleteMarker = v.deleteMarker === true;
  if (!deleteMarker && (v.object === undefined || v.object.metadata.replicationStatus !== undefined)) return null;
  // Delete markers carry no status: the ones made since the job started were queued by their delete.
  if (deleteMarker && v.lastModified.getTime() >= startedAt) return null;
  const match = matchIn(stored, v.key, tagsOf(v.object?.metadata.tagging), deleteMarker);
  if (match === null || match.rule.existingObjectReplication !== 'Enabled') return null;
  return {
    version: deleteMarker
      ? { bucket, key: v.key, versionId: v.versionId, kind: 'deleteMarker', size: 0, markerTime: v.lastModified.getTime() }
      : { bucket, key: v.key, versionId: v.versionId, kind: 'object', size: v.object?.size ?? 0 },
    match,
    markPending: !deleteMarker,
  };
}

/** A job stopped by an error is tried again after 5 s, doubling up to 5 min. */
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 300_000;

export class Backfill {
  private readonly running = new Map<string, Running>();
  /** Jobs that stopped on an error, waiting to be tried again in this process (by bucket). */
  private readonly retries = new Map<string, { timer: NodeJS.Timeout; failures: number }>();
  private closed = false;

  constructor(private readonly opts: BackfillOptions) {}

  /** A new job for the bucket (replacing one in progress), durable before this resolves. */
  async start(bucket: string): Promise<void> {
    const prev = this.running.get(bucket);
    if (prev !== undefined) {
      prev.stop = true;
      await prev.done;
    }
    const job: BackfillJob = { id: randomUUID(), startedAt: Date.now(), scanned: 0, queued: 0 };
    await this.opts.store.putBucketConfig(bucket, DOC, JSON.stringify(job));
    this.run(bucket, job, false);
  }

  /** At start: the jobs a previous process of the store left unfinished. */
  async resumeAll(): Promise<void> {
    for (const b of await this.opts.store.listBuckets()) {
      if (this.closed) return;
      const job = parseJob(await this.opts.store.getBucketConfig(b.name, DOC));
      if (job !== null && !this.running.has(b.name)) this.run(b.name, job, true);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    for (const r of this.running.values()) r.stop = true;
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private run(bucket: string, job: BackfillJob, resumed: boolean): void {
    if (this.closed) return;
    const entry: Running = { id: job.id, stop: false, done: Promise.resolve() };
    this.running.set(bucket, entry);
    this.opts.stats.running.existing++;
    entry.done = this.walk(bucket, job, entry, resumed)
      .then(() => void this.retries.delete(bucket))
      .catch((err: unknown) => this.retryLater(bucket, err))
      .finally(() => {
        this.opts.stats.running.existing--;
        if (this.running.get(bucket) === entry) this.running.delete(bucket);
      });
  }

  /** A job stopped by an error (the store failing, say) resumes from its document after a backoff. */
  private retryLater(bucket: string, err: unknown): void {
    if (this.closed) return;
    const failures = (this.retries.get(bucket)?.failures ?? 0) + 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 20));
    this.opts.log(`backfill of s3://${bucket} stopped: ${err instanceof Error ? err.message : String(err)} (it resumes in ${Math.round(delay / 1000)} s, or at the next start)`);
    const timer = setTimeout(() => {
      void (async () => {
        if (this.closed || this.running.has(bucket)) return;
        const job = parseJob(await this.opts.store.getBucketConfig(bucket, DOC));
        if (job !== null) this.run(bucket, job, true);
        else this.retries.delete(bucket);
      })().catch((e: unknown) => this.retryLater(bucket, e));
    }, delay);
    timer.unref();
    this.retries.set(bucket, { timer, failures });
  }

  private async walk(bucket: string, job: BackfillJob, entry: Running, resumed: boolean): Promise<void> {
    const { store, stats, log } = this.opts;
    const stopped = (): boolean => entry.stop || this.closed;
    log(
      resumed
        ? `backfill of existing objects of s3://${bucket} resumed at key-marker ${JSON.stringify(job.keyMarker ?? '')} version-id-marker ${JSON.stringify(job.versionIdMarker ?? '')} (${job.scanned} versions examined, ${job.queued} queued so far)`
        : `backfill of existing objects of s3://${bucket} started`,
    );
    // Set by the page callback: why the job ends (null: stopped, to resume at the next start).
    let ended = null as string | null;
    const exists = await scanVersions(this.opts, bucket, job, this.opts.pageSize, async (versions, next) => {
      if (!(await roomInQueue(this.opts, stopped))) return false;
      const stored = await loadReplication(store, bucket);
      if (stored === null || !replicatesExistingObjects(stored.config)) {
        ended = 'its replication configuration no longer asks for existing objects';
        return false;
      }
      const items: Queued[] = [];
      for (const v of versions) {
        const q = existingVersionToQueue(stored, bucket, v, job.startedAt);
        if (q !== null) items.push(q);
      }
      const queued = await queueVersions(this.opts, items);
      job.scanned += versions.length;
      job.queued += queued;
      stats.scanned.existing += versions.length;
      stats.queued.existing += queued;
      if (next === null) {
        ended = 'done';
        return false;
      }
      job.keyMarker = next.keyMarker;
      if (next.versionIdMarker !== undefined) job.versionIdMarker = next.versionIdMarker;
      else delete job.versionIdMarker;
      await store.putBucketConfig(bucket, DOC, JSON.stringify(job));
      return !stopped();
    });
    if (!exists) {
      log(`backfill of existing objects of s3://${bucket} ended: the bucket is gone`);
      return;
    }
    if (ended === null) return; // stopped: the document says where to resume
    await store.putBucketConfig(bucket, DOC, null);
    if (ended === 'done') stats.finished.existing++;
    log(`backfill of existing objects of s3://${bucket} ${ended === 'done' ? 'finished' : `ended: ${ended}`}: ${job.scanned} versions examined, ${job.queued} queued`);
  }
}
