/**
 * The replication sender of one outbox partition (this node's `repl.<node id>`, or a dead node's
 * it adopted: notifications/partition-leases.ts). It reads the partition oldest first, copies each
 * record's version (copy-version.ts) with a few in parallel, and settles it: COMPLETED (or FAILED)
 * on the source version, the record done. A retryable failure keeps the record and tries again
 * with exponential backoff (capped, forever: the version stays PENDING). A batch of the outbox is
 * removed once all its records are done. docs/replication.md#the-queue.
 */
import type { EventOutbox } from '@bucketfront/object-store';
import { decodeRecord, type ReplicationRecord } from './records.js';
import type { CopyOutcome } from './copy-version.js';
import type { ReplicationStats } from './stats.js';

export interface BackoffPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialBackoffMs: 500, maxBackoffMs: 30_000 };

export interface ReplicationSenderOptions {
  outbox: EventOutbox;
  partition: string;
  /** Copies one record and marks the source version (start-replication.ts). */
  replicate: (record: ReplicationRecord) => Promise<CopyOutcome>;
  stats: ReplicationStats;
  backoff: BackoffPolicy;
  /** Records copied at once. */
  concurrency: number;
  log: (line: string) => void;
}

export interface Job {
  batchId: string;
  record: ReplicationRecord;
  attempts: number;
}

const READ_PAGE = 100;
const CLOSE_GRACE_MS = 2000;
const RETRY_LOG_EVERY_MS = 10_000;

export class ReplicationSender {
  /** Batches taken, with how many of their records are not done yet. */
  private readonly batches = new Map<string, number>();
  /** Jobs not done (waiting, running or backing off). */
  readonly pending = new Set<Job>();
  private readonly ready: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** When a retry to each destination region was last logged. */
  private readonly loggedAt = new Map<string, number>();

  constructor(private readonly opts: ReplicationSenderOptions) {
    opts.stats.addQueue(this);
  }

  get queueDepth(): number {
    return this.pending.size;
  }

  /** Takes what the partition holds (what a previous process, or a dead node, left there). */
  async start(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      if (this.closed) return;
      const page = await this.opts.outbox.readOutbox(this.opts.partition, READ_PAGE, after);
      for (const b of page) this.offer(b.id, b.records);
      if (page.length < READ_PAGE) return;
      after = page[page.length - 1]!.id;
    }
  }

  /** A batch just appended (or read back); a batch already taken is ignored. */
  offer(batchId: string, texts: readonly string[]): void {
    if (this.closed || this.batches.has(batchId)) return;
    const records: ReplicationRecord[] = [];
    for (const text of texts) {
      const r = decodeRecord(text);
      if (r === null) this.opts.log(`dropped an unreadable record of batch ${batchId} in ${this.opts.partition}`);
      else records.push(r);
    }
    this.batches.set(batchId, records.length);
    if (records.length === 0) {
      void this.removeBatch(batchId);
      return;
    }
    for (const record of records) {
      const job: Job = { batchId, record, attempts: 0 };
      this.pending.add(job);
      this.ready.push(job);
    }
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    // Copies in flight get a moment to finish; one that does not is copied again after a restart
    // (its record is still in the outbox; replica writes are idempotent).
    await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
    this.opts.stats.removeQueue(this);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const run = this.run(job).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: Job): Promise<void> {
    let outcome: CopyOutcome;
    try {
      outcome = await this.opts.replicate(job.record);
    } catch (err) {
      outcome = { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
    }
    if (this.closed) return;
    if (outcome.kind === 'retry') {
      job.attempts++;
      this.opts.stats.retried++;
      const { initialBackoffMs, maxBackoffMs } = this.opts.backoff;
      const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(job.attempts - 1, 30));
      // ±20 % jitter, so records failing together do not come back together.
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      // One line per destination every 10 s at most: an outage must not flood the log.
      const last = this.loggedAt.get(job.record.destinationRegion) ?? 0;
      if (Date.now() - last >= RETRY_LOG_EVERY_MS) {
        this.loggedAt.set(job.record.destinationRegion, Date.now());
        this.opts.log(`${job.record.bucket}/${job.record.key} version ${job.record.versionId} → ${job.record.destinationRegion}: ${outcome.reason}; retry ${job.attempts} in ${delay} ms`);
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.ready.push(job);
        this.pump();
      }, delay);
      this.timers.add(timer);
      return;
    }
    this.pending.delete(job);
    this.opts.stats.settled(job.record, outcome);
    const left = (this.batches.get(job.batchId) ?? 1) - 1;
    this.batches.set(job.batchId, left);
    if (left === 0) await this.removeBatch(job.batchId);
  }

  private async removeBatch(batchId: string): Promise<void> {
    try {
      await this.opts.outbox.removeOutbox(this.opts.partition, [batchId]);
    } catch (err) {
      // Left in place: a restart copies its records again (replica writes are idempotent).
      this.opts.log(`could not remove batch ${batchId} of ${this.opts.partition}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
