/**
 * Replication metrics for /_bucketfront/metrics (http/metrics.ts): the queue (records pending,
 * those held in memory, their bytes, the age of the oldest), outcomes (completed, failed by error code, dropped,
 * retries) and the write → replicated latency. docs/replication.md#metrics.
 */
import { LatencyHistogram, type PrometheusWriter } from '@bucketfront/http-basics';
import type { CopyOutcome } from './copy-version.js';
import type { ReplicationRecord } from './records.js';

/** What a sender exposes to the metrics. */
export interface QueueView {
  /** The records held in memory. */
  readonly pending: ReadonlySet<{ record: ReplicationRecord }>;
  /** Records appended by this process and still only in the outbox (sender.ts reads it by pages). */
  readonly unread: { readonly records: number; readonly bytes: number };
}

/** Latency buckets for replication: from 50 ms to an hour. */
const LAG_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export class ReplicationStats {
  private readonly queues = new Set<QueueView>();
  completed = 0;
  /** By error code. */
  readonly failed = new Map<string, number>();
  /** Source versions deleted before they were copied. */
  dropped = 0;
  retried = 0;
  completedBytes = 0;
  readonly latency = new LatencyHistogram(LAG_BUCKETS_S);

  constructor(private readonly onFailed: (record: ReplicationRecord, code: string, message: string) => void) {}

  addQueue(q: QueueView): void {
    this.queues.add(q);
  }
  removeQueue(q: QueueView): void {
    this.queues.delete(q);
  }

  settled(record: ReplicationRecord, outcome: CopyOutcome): void {
    if (outcome.kind === 'done') {
      this.completed++;
      this.completedBytes += record.size;
      this.latency.observe(Date.now() - record.enqueuedAt);
    } else if (outcome.kind === 'failed') {
      this.failed.set(outcome.code, (this.failed.get(outcome.code) ?? 0) + 1);
      this.onFailed(record, outcome.code, outcome.message);
    } else if (outcome.kind === 'gone') {
      this.dropped++;
    }
  }

  get failedTotal(): number {
    let n = 0;
    for (const v of this.failed.values()) n += v;
    return n;
  }

  /** Records pending (`held` of them in memory), their bytes, and the oldest one's enqueue time (null when none). */
  queue(): { records: number; held: number; bytes: number; oldest: number | null } {
    let records = 0;
    let held = 0;
    let bytes = 0;
    let oldest: number | null = null;
    for (const q of this.queues) {
      held += q.pending.size;
      records += q.unread.records;
      bytes += q.unread.bytes;
      // The oldest record is held: the outbox is read oldest first.
      for (const job of q.pending) {
        records++;
        bytes += job.record.size;
        if (oldest === null || job.record.enqueuedAt < oldest) oldest = job.record.enqueuedAt;
      }
    }
    return { records, held, bytes, oldest };
  }

  render(w: PrometheusWriter): void {
    const q = this.queue();
    w.single('bucketfront_replication_queue_records', 'gauge', 'Replication records pending on this node (its partition and the ones it adopted).', q.records);
    w.single('bucketfront_replication_queue_held_records', 'gauge', 'Pending replication records held in memory; the rest waits in the outbox, read a page at a time.', q.held);
    w.single('bucketfront_replication_queue_bytes', 'gauge', 'Bytes of the versions pending replication.', q.bytes);
    w.single('bucketfront_replication_lag_seconds', 'gauge', 'Age of the oldest pending replication record (0 when none).', q.oldest === null ? 0 : (Date.now() - q.oldest) / 1000);
    w.single('bucketfront_replication_completed_total', 'counter', 'Versions replicated (COMPLETED).', this.completed);
    w.single('bucketfront_replication_completed_bytes_total', 'counter', 'Bytes of the versions replicated.', this.completedBytes);
    w.metric('bucketfront_replication_failed_total', 'counter', 'Versions whose replication failed for good (FAILED), by the error code.');
    if (this.failed.size === 0) w.sample('bucketfront_replication_failed_total', 0, { code: 'none' });
    for (const [code, n] of [...this.failed].sort(([a], [b]) => (a < b ? -1 : 1))) w.sample('bucketfront_replication_failed_total', n, { code });
    w.single('bucketfront_replication_dropped_total', 'counter', 'Records dropped because their source version was deleted first.', this.dropped);
    w.single('bucketfront_replication_retries_total', 'counter', 'Attempts that failed in a retryable way (the record is tried again).', this.retried);
    w.histogram('bucketfront_replication_latency_seconds', 'From the acknowledged write to the replica written.', this.latency);
  }
}
