/**
 * The outbox sender: delivers the events in one outbox partition (this origin node's) to their
 * destinations, then removes each batch once every record in it was delivered or dead-lettered.
 *
 * - Fresh batches arrive in-process right after their append (`offer`), so there is no polling
 *   latency; `start` also reads what the partition already holds (a crash left it there), so
 *   after a restart those are sent again (at least once: duplicates keep their message id).
 * - Per destination, messages go into lanes by bucket + key: one lane delivers in order, one
 *   deliver() call at a time, several messages per call; lanes run in parallel.
 * - A failed deliver() is retried after exponential backoff with jitter, with half as many messages
 *   (down to one, so a message the destination refuses is isolated); the attempt counts against the
 *   first message; one that failed `maxAttempts` times is appended to the dead-letter partition and
 *   skipped.
 * docs/notifications.md#delivery explains the guarantees.
 */
import type { PrometheusWriter } from '@bucketfront/http-basics';
import type { DeliveryMessage, Destination } from '../types.js';
import { backoffMs, DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './backoff.js';
import { decodeOutboxRecord, messageId } from './outbox-record.js';
import { SenderMetrics } from './sender-metrics.js';

/** What the sender needs of the store's EventOutbox (@bucketfront/object-store types.ts). */
export interface SenderOutbox {
  appendOutbox(partition: string, records: string[]): Promise<string>;
  readOutbox(partition: string, limit: number, after?: string): Promise<Array<{ id: string; records: string[] }>>;
  removeOutbox(partition: string, batchIds: string[]): Promise<void>;
}

/** The outbox partition dead-lettered messages go to (never drained by a sender). */
export const DEAD_LETTER_PARTITION = 'dead-letter';

/** One dead-lettered message, as stored in the dead-letter partition (one record per message). */
export interface DeadLetterRecord {
  arn: string;
  /** Where the message came from: `<partition>`, and its id (`<batch id>:<index>`). */
  partition: string;
  message: DeliveryMessage;
  attempts: number;
  /** The last failure. */
  error: string;
  deadLetteredAt: string;
}

export interface SenderOptions {
  outbox: SenderOutbox;
  partition: string;
  destinations: readonly Destination[];
  policy?: Partial<DeliveryPolicy>;
  /** Parallel in-order lanes per destination. Default 8. */
  lanesPerDestination?: number;
  /** Messages per deliver() call. Default 100. */
  maxMessagesPerDelivery?: number;
  /** Where failures the sender cannot hand to anyone are reported (a lost outbox read, …). Default stderr. */
  log?: (line: string) => void;
}

interface Item {
  batchId: string;
  message: DeliveryMessage;
  arn: string;
  attempts: number;
  /** When the write was acknowledged (ms since the epoch): the delivery latency's start. */
  ackedAt: number;
}

interface Lane {
  queue: Item[];
  running: boolean;
  /** Messages per deliver() call: halved after a failure (to isolate a message the destination refuses), doubled after a success. */
  limit: number;
}

/**
 * Batches per outbox read at start. The fs outbox lists (and sorts) the whole partition on every
 * read, so small pages make recovering N batches cost N²/page: 30,000 batches took 21 s with pages
 * of 100, 9 s with pages of 1,000 (every batch read is queued in memory anyway).
 */
const RECOVERY_PAGE = 1000;

/**
 * Finished batches are removed together, at most this often. A removal is not urgent (a batch
 * removed late is at worst sent again after a crash), and one per finished batch cost the origin's
 * writes a file write on the thread pool per event (docs/notifications.md#what-notifications-cost-a-write).
 */
const REMOVAL_WINDOW_MS = 20;
/** Batch ids per removal call. */
const REMOVAL_MAX_IDS = 1000;

export class OutboxSender {
  readonly metrics = new SenderMetrics();
  private readonly policy: DeliveryPolicy;
  private readonly destinations = new Map<string, { destination: Destination; lanes: Lane[] }>();
  private readonly maxPerDelivery: number;
  /** Batches in flight: records not yet delivered or dead-lettered. */
  private readonly pending = new Map<string, number>();
  /** Batches finished while recovery may still read them (so they are not sent twice). */
  private readonly finished = new Set<string>();
  private recovering = false;
  /**
   * Batches offered while recovery reads the partition: queued after it, so that an event a
   * previous process left undelivered goes out before a newer event of the same key.
   */
  private heldDuringRecovery: Array<{ batchId: string; records: readonly string[]; ackedAt: number }> = [];
  private readonly toRemove: string[] = [];
  private removing: Promise<void> | null = null;
  private closed = false;
  private readonly sleepers = new Set<() => void>();
  private readonly running = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: SenderOptions) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...opts.policy };
    this.maxPerDelivery = opts.maxMessagesPerDelivery ?? 100;
    const laneCount = Math.max(1, opts.lanesPerDestination ?? 8);
    for (const destination of opts.destinations) {
      this.destinations.set(destination.arn, { destination, lanes: Array.from({ length: laneCount }, () => ({ queue: [], running: false, limit: this.maxPerDelivery })) });
    }
    this.log = opts.log ?? ((line) => process.stderr.write(`bucketfront notifications: ${line}\n`));
  }

  /** Reads what the partition already holds (left by a previous process) and sends it; resolves once all of it is queued. */
  async start(): Promise<void> {
    this.recovering = true;
    try {
      let after: string | undefined;
      for (;;) {
        const page = await this.withRetry('read the outbox', () => this.opts.outbox.readOutbox(this.opts.partition, RECOVERY_PAGE, after));
        if (page === null) return;
        for (const batch of page) {
          if (!this.pending.has(batch.id) && !this.finished.has(batch.id)) this.track(batch.id, batch.records, null);
        }
        if (page.length < RECOVERY_PAGE) return;
        after = page[page.length - 1]!.id;
      }
    } finally {
      for (const held of this.heldDuringRecovery.splice(0)) {
        this.metrics.queueDepth -= held.records.length;
        // Recovery may have read it from the partition already.
        if (!this.pending.has(held.batchId) && !this.finished.has(held.batchId) && !this.closed) this.track(held.batchId, held.records, held.ackedAt);
      }
      this.recovering = false;
      this.finished.clear();
    }
  }

  /** A batch this process just appended (durably) to the partition. */
  offer(batchId: string, records: readonly string[]): void {
    if (this.closed || this.pending.has(batchId)) return;
    if (this.recovering) {
      this.heldDuringRecovery.push({ batchId, records, ackedAt: Date.now() });
      this.metrics.queueDepth += records.length;
      return;
    }
    this.track(batchId, records, Date.now());
  }

  /** Messages not yet delivered or dead-lettered. */
  get queueDepth(): number {
    return this.metrics.queueDepth;
  }

  /** Resolves when nothing is pending (tests, orderly shutdown). */
  idle(): Promise<void> {
    if (this.metrics.queueDepth === 0 && this.removing === null) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  renderMetrics(w: PrometheusWriter): void {
    this.metrics.render(w);
  }

  /** Stops delivering (an in-flight deliver() is waited for), then closes the destinations. Undelivered batches stay in the outbox. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.sleepers) wake();
    await Promise.allSettled([...this.running]);
    await this.removing;
    await Promise.allSettled([...this.destinations.values()].map(({ destination }) => destination.close()));
  }

  private track(batchId: string, records: readonly string[], ackedAt: number | null): void {
    if (records.length === 0) {
      this.finish(batchId);
      return;
    }
    this.pending.set(batchId, records.length);
    this.metrics.queueDepth += records.length;
    records.forEach((text, index) => {
      const record = decodeOutboxRecord(text);
      const id = messageId(batchId, index);
      if (record === null) {
        const message: DeliveryMessage = { id, bucket: '', key: '', eventName: 'TestEvent', eventTime: new Date().toISOString(), body: text };
        void this.deadLetter([{ batchId, message, arn: '', attempts: 0, ackedAt: Date.now() }], 'not an outbox record');
        return;
      }
      const message: DeliveryMessage = { id, ...record.message };
      const item: Item = { batchId, message, arn: record.arn, attempts: 0, ackedAt: ackedAt ?? (Date.parse(record.message.eventTime) || Date.now()) };
      const target = this.destinations.get(record.arn);
      if (target === undefined) {
        // The destination was removed from the origin's configuration since the event was recorded.
        void this.deadLetter([item], `destination ${record.arn} is not configured`);
        return;
      }
      const lane = target.lanes[laneOf(message.bucket, message.key, target.lanes.length)]!;
      lane.queue.push(item);
      this.kick(target.destination, lane);
    });
  }

  private kick(destination: Destination, lane: Lane): void {
    if (lane.running || this.closed) return;
    lane.running = true;
    const run = this.drain(destination, lane).finally(() => {
      lane.running = false;
      this.running.delete(run);
      // Offered while the loop was finishing.
      if (lane.queue.length > 0 && !this.closed) this.kick(destination, lane);
    });
    this.running.add(run);
  }

  private async drain(destination: Destination, lane: Lane): Promise<void> {
    while (lane.queue.length > 0 && !this.closed) {
      const items = lane.queue.slice(0, lane.limit);
      try {
        await destination.deliver(items.map((i) => i.message));
      } catch (err) {
        this.metrics.recordFailed(destination.arn);
        const reason = err instanceof Error ? err.message : String(err);
        // A destination delivers in order, so the first message was certainly tried: the attempt
        // counts against it, and the next call carries half as many messages. Only a message that
        // failed alone is dead-lettered: one the destination always refuses ends up alone, while
        // the messages before it get through once the calls are small enough to leave it out.
        const head = items[0]!;
        head.attempts++;
        lane.limit = Math.max(1, Math.ceil(items.length / 2));
        if (items.length === 1 && head.attempts >= this.policy.maxAttempts) {
          lane.queue.shift();
          await this.deadLetter([head], reason);
          continue;
        }
        await this.sleep(backoffMs(this.policy, head.attempts));
        continue;
      }
      lane.limit = Math.min(this.maxPerDelivery, lane.limit * 2);
      lane.queue.splice(0, items.length);
      const now = Date.now();
      this.metrics.recordDelivered(
        destination.arn,
        items.length,
        items.map((i) => now - i.ackedAt),
      );
      for (const i of items) this.settle(i);
    }
  }

  /** Appends the messages to the dead-letter partition (retried until it succeeds or the sender closes), then settles them. */
  private async deadLetter(items: Item[], error: string): Promise<void> {
    const now = new Date().toISOString();
    const records = items.map((i) => JSON.stringify({ arn: i.arn, partition: this.opts.partition, message: i.message, attempts: i.attempts, error, deadLetteredAt: now } satisfies DeadLetterRecord));
    const stored = await this.withRetry('write the dead-letter partition', () => this.opts.outbox.appendOutbox(DEAD_LETTER_PARTITION, records));
    if (stored === null) return; // closing: the batch stays in the outbox and is retried after a restart
    for (const i of items) {
      this.log(`dead-lettered message ${i.message.id} for ${i.arn || '(unreadable record)'} after ${i.attempts} attempts: ${error}`);
      this.metrics.recordDeadLettered(i.arn, 1);
      this.settle(i);
    }
  }

  private settle(item: Item): void {
    this.metrics.queueDepth--;
    const left = (this.pending.get(item.batchId) ?? 1) - 1;
    if (left > 0) {
      this.pending.set(item.batchId, left);
      return;
    }
    this.pending.delete(item.batchId);
    this.finish(item.batchId);
  }

  /** Every record of the batch is settled: remove it (removals are grouped into one call while one runs). */
  private finish(batchId: string): void {
    if (this.recovering) this.finished.add(batchId);
    this.toRemove.push(batchId);
    this.removing ??= this.removeLoop();
  }

  private async removeLoop(): Promise<void> {
    while (this.toRemove.length > 0) {
      // Batches finishing meanwhile join this removal (a full one goes at once).
      if (!this.closed && this.toRemove.length < REMOVAL_MAX_IDS) await this.sleep(REMOVAL_WINDOW_MS);
      const ids = this.toRemove.splice(0, REMOVAL_MAX_IDS);
      const removed = await this.withRetry('remove delivered batches', () => this.opts.outbox.removeOutbox(this.opts.partition, ids));
      if (removed === null) break;
    }
    this.removing = null;
    if (this.metrics.queueDepth === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Retries a store call with backoff until it succeeds; null when the sender closed first. */
  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.closed) return null;
        this.log(`could not ${what} (attempt ${attempt}, retrying): ${err instanceof Error ? err.message : String(err)}`);
        await this.sleep(backoffMs(this.policy, attempt));
        if (this.closed) return null;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** FNV-1a over bucket and key: one key always maps to one lane. */
function laneOf(bucket: string, key: string, lanes: number): number {
  let h = 0x811c9dc5;
  const s = `${bucket}\0${key}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % lanes;
}
