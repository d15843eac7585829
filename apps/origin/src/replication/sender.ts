/**
 * The replication sender of one outbox partition (this node's `repl.<node id>`, or a dead node's
 * it adopted: notifications/partition-leases.ts). It reads the partition oldest first, a page of
 * batches at a time, copies each record's version (copy-version.ts) with a few in parallel, and
 * settles it: COMPLETED (or FAILED) on the source version, the record done. A retryable failure
 * keeps the record and tries again with exponential backoff (capped, forever: the version stays
 * PENDING). A batch of the outbox is removed once all its records are done.
 *
 * Memory is bounded whatever the backlog: at most `maxRecordsInMemory` records (plus one batch) are
 * held; the rest stays in the outbox and is read, after the last batch taken, as records settle. A
 * batch this process just appended is taken at once (no polling) only when nothing older is left
 * unread and there is room; otherwise it is left to the reads, so the order stays oldest first.
 *
 * A destination region that fails in a retryable way (stopped, unreachable, 5xx) is *gated*: its
 * records wait parked instead of each retrying on its own, and one record at a time probes it, with
 * a backoff that doubles up to PROBE_MAX_MS. The first record that settles reopens the region and
 * every parked record goes again at once, each after its own backoff (a record that keeps failing
 * by itself still backs off). So an outage costs one request per probe interval, and the backlog
 * starts draining within a probe interval of the destination's return.
 * docs/replication.md#the-queue.
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

/** Batches per outbox read, and records held in memory before reading stops (docs/replication.md#the-queue). */
export const DEFAULT_READ_PAGE_SIZE = 100;
export const DEFAULT_MAX_RECORDS_IN_MEMORY = 10_000;

export interface ReplicationSenderOptions {
  outbox: EventOutbox;
  partition: string;
  /** Copies one record and marks the source version (start-replication.ts). */
  replicate: (record: ReplicationRecord) => Promise<CopyOutcome>;
  stats: ReplicationStats;
  backoff: BackoffPolicy;
  /** Records copied at once. */
  concurrency: number;
  /** Batches per outbox read (default 100). */
  readPageSize?: number;
  /** No more of the outbox is read while this many records are held (default 10,000). */
  maxRecordsInMemory?: number;
  log: (line: string) => void;
}

export interface Job {
  batchId: string;
  record: ReplicationRecord;
  attempts: number;
  /** Not tried again before this time (ms since the epoch; 0: at once). */
  retryAt: number;
  /** Sent past its region's gate, to find out whether the region is back. */
  probe: boolean;
}

/** A region whose last attempt failed in a retryable way: its records wait here. */
interface Gate {
  parked: Job[];
  /** Probes that failed since the gate closed (the probe backoff's exponent). */
  failures: number;
  timer: NodeJS.Timeout | null;
  probing: boolean;
}

const CLOSE_GRACE_MS = 2000;
/** The longest wait between two probes of a gated region (capped by the backoff's maximum). */
const PROBE_MAX_MS = 5000;
const RETRY_LOG_EVERY_MS = 10_000;

export class ReplicationSender {
  /** Batches taken and not removed yet, with how many of their records are not done. */
  private readonly batches = new Map<string, number>();
  /** Jobs held (waiting, running or backing off). */
  readonly pending = new Set<Job>();
  /** Records this process appended and left in the outbox, not read back yet (the metrics count them). */
  readonly unread = { records: 0, bytes: 0 };
  private readonly ready: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Gated destination regions, by region. */
  private readonly gates = new Map<string, Gate>();
  private closed = false;
  /** When a retry to each destination region was last logged. */
  private readonly loggedAt = new Map<string, number>();
  private readonly pageSize: number;
  private readonly maxInMemory: number;
  /** The newest batch taken: the next read starts after it. */
  private cursor: string | undefined;
  /** Nothing in the outbox after `cursor` but what `offer` will be told of. */
  private caughtUp = false;
  /** The first batch offered and left unread since the reads last caught up. */
  private leftFrom: string | null = null;
  /** Counts offers left unread: one during a read means that read may have missed it. */
  private leftCount = 0;
  private reading: Promise<void> | null = null;
  private readFailures = 0;
  private readRetryPending = false;

  constructor(private readonly opts: ReplicationSenderOptions) {
    this.pageSize = Math.max(1, opts.readPageSize ?? DEFAULT_READ_PAGE_SIZE);
    this.maxInMemory = Math.max(1, opts.maxRecordsInMemory ?? DEFAULT_MAX_RECORDS_IN_MEMORY);
    opts.stats.addQueue(this);
  }

  /** Records not done: held, or appended by this process and not read back yet. */
  get queueDepth(): number {
    return this.pending.size + this.unread.records;
  }

  /** Reads what the partition holds (a previous process, or a dead node, left it there), as far as memory allows. */
  async start(): Promise<void> {
    this.caughtUp = false;
    await this.fill();
  }

  /** A batch just appended to the partition: taken now, or left to the reads. */
  offer(batchId: string, texts: readonly string[]): void {
    if (this.closed || (this.cursor !== undefined && batchId <= this.cursor)) return;
    if (this.caughtUp && this.reading === null && this.pending.size < this.maxInMemory) {
      this.take(batchId, texts);
      return;
    }
    // Older batches are still unread, or memory is full: the reads take it, in its turn.
    this.caughtUp = false;
    this.leftFrom ??= batchId;
    this.leftCount++;
    this.unread.records += texts.length;
    this.unread.bytes += bytesOf(texts);
    void this.fill();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ready.length = 0;
    // Copies in flight get a moment to finish; one that does not is copied again after a restart
    // (its record is still in the outbox; replica writes are idempotent).
    await Promise.race([Promise.allSettled([...this.running, ...(this.reading ? [this.reading] : [])]), new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
    this.opts.stats.removeQueue(this);
  }

  /** Reads pages after `cursor` while there is room and the outbox holds more (one read at a time). */
  private fill(): Promise<void> {
    if (this.reading === null && !this.readRetryPending) {
      this.reading = (async () => {
        try {
          await this.readPages();
        } finally {
          this.reading = null;
        }
        // Room opened, or an offer was left unread, while this read was finishing: read on.
        if (!this.closed && !this.caughtUp && this.pending.size < this.maxInMemory) void this.fill();
      })();
    }
    return this.reading ?? Promise.resolve();
  }

  private async readPages(): Promise<void> {
    while (!this.closed && !this.caughtUp && this.pending.size < this.maxInMemory) {
      const leftBefore = this.leftCount;
      let page: Array<{ id: string; records: string[] }>;
      try {
        page = await this.opts.outbox.readOutbox(this.opts.partition, this.pageSize, this.cursor);
        this.readFailures = 0;
      } catch (err) {
        this.readFailures++;
        const { initialBackoffMs, maxBackoffMs } = this.opts.backoff;
        const delay = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(this.readFailures - 1, 30));
        this.opts.log(`could not read ${this.opts.partition}: ${err instanceof Error ? err.message : String(err)}; again in ${delay} ms`);
        this.readRetryPending = true;
        this.later(delay, () => {
          this.readRetryPending = false;
          void this.fill();
        });
        return;
      }
      if (this.closed) return;
      let full = false;
      for (const b of page) {
        if (this.cursor !== undefined && b.id <= this.cursor) continue;
        // Memory full: the rest of the page is read again later (a page is many batches).
        if (this.pending.size >= this.maxInMemory) {
          full = true;
          break;
        }
        if (this.leftFrom !== null && b.id >= this.leftFrom) {
          this.unread.records -= b.records.length;
          this.unread.bytes -= bytesOf(b.records);
        }
        this.take(b.id, b.records);
      }
      // A short page is the end of the partition, unless an offer was left unread meanwhile
      // (appended after the read began): read again.
      if (!full && page.length < this.pageSize && this.leftCount === leftBefore) {
        this.caughtUp = true;
        this.leftFrom = null;
        this.unread.records = 0;
        this.unread.bytes = 0;
      }
    }
  }

  private take(batchId: string, texts: readonly string[]): void {
    this.cursor = batchId;
    const records: ReplicationRecord[] = [];
    for (const text of texts) {
      const r = decodeRecord(text);
      if (r === null) this.opts.log(`dropped an unreadable record of batch ${batchId} in ${this.opts.partition}`);
      else records.push(r);
    }
    if (records.length === 0) {
      void this.removeBatch(batchId);
      return;
    }
    this.batches.set(batchId, records.length);
    for (const record of records) {
      const job: Job = { batchId, record, attempts: 0, retryAt: 0, probe: false };
      this.pending.add(job);
      this.ready.push(job);
    }
    this.pump();
  }

  private later(delayMs: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delayMs);
    this.timers.add(timer);
    return timer;
  }

  private backoffMs(attempts: number, capMs = this.opts.backoff.maxBackoffMs): number {
    const { initialBackoffMs, maxBackoffMs } = this.opts.backoff;
    const base = Math.min(capMs, maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempts - 1, 30));
    // ±20 % jitter, so records failing together do not come back together.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      const gate = this.gates.get(job.record.destinationRegion);
      if (gate !== undefined && !job.probe) {
        gate.parked.push(job);
        continue;
      }
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
    const wasProbe = job.probe;
    job.probe = false;
    if (outcome.kind === 'retry') {
      job.attempts++;
      job.retryAt = Date.now() + this.backoffMs(job.attempts);
      this.opts.stats.retried++;
      if (outcome.region === true) this.closeGate(job, wasProbe, outcome.reason);
      else this.retryLater(job, wasProbe, outcome.reason);
      return;
    }
    // Only an answer of the destination says its region is back; a probe settled without asking it
    // (its version deleted meanwhile, or already replicated) hands the probe on at once.
    if (outcome.kind === 'done' || outcome.kind === 'failed') this.openGate(job.record.destinationRegion);
    else if (wasProbe) this.probeNext(job.record.destinationRegion, 0);
    this.pending.delete(job);
    this.opts.stats.settled(job.record, outcome);
    const left = (this.batches.get(job.batchId) ?? 1) - 1;
    if (left > 0) this.batches.set(job.batchId, left);
    else {
      this.batches.delete(job.batchId);
      await this.removeBatch(job.batchId);
    }
    // Room again: the next page, if the outbox holds more.
    if (!this.caughtUp && this.pending.size < this.maxInMemory) void this.fill();
  }

  /** A failure of this record alone: it backs off by itself; the region stays open. */
  private retryLater(job: Job, wasProbe: boolean, reason: string): void {
    const region = job.record.destinationRegion;
    const last = this.loggedAt.get(region) ?? 0;
    if (Date.now() - last >= RETRY_LOG_EVERY_MS) {
      this.loggedAt.set(region, Date.now());
      this.opts.log(`${job.record.bucket}/${job.record.key} version ${job.record.versionId} → ${region}: ${reason}; retry ${job.attempts} in ${job.retryAt - Date.now()} ms`);
    }
    // A probe that failed by itself says nothing of the region: the next parked record probes it.
    if (wasProbe) this.probeNext(region, 0);
    this.later(Math.max(0, job.retryAt - Date.now()), () => {
      this.ready.push(job);
      this.pump();
    });
  }

  /** A retryable failure of the region: the job waits behind its region's gate, and one probe is scheduled. */
  private closeGate(job: Job, wasProbe: boolean, reason: string): void {
    const region = job.record.destinationRegion;
    let gate = this.gates.get(region);
    if (gate === undefined) {
      gate = { parked: [], failures: 0, timer: null, probing: false };
      this.gates.set(region, gate);
    }
    if (wasProbe) gate.probing = false;
    gate.parked.push(job);
    if (gate.timer !== null || gate.probing) return;
    gate.failures++;
    const delay = this.backoffMs(gate.failures, PROBE_MAX_MS);
    // One line per destination every 10 s at most: an outage must not flood the log.
    const last = this.loggedAt.get(region) ?? 0;
    if (Date.now() - last >= RETRY_LOG_EVERY_MS) {
      this.loggedAt.set(region, Date.now());
      this.opts.log(`${job.record.bucket}/${job.record.key} version ${job.record.versionId} → ${region}: ${reason}; ${gate.parked.length} record(s) wait for ${region}, next try in ${delay} ms`);
    }
    this.probeNext(region, delay);
  }

  /** After `delayMs`, sends the parked record due first (a record failing by itself moves to the back) past the gate. */
  private probeNext(region: string, delayMs: number): void {
    const gate = this.gates.get(region);
    if (gate === undefined) return;
    gate.probing = false;
    if (gate.timer !== null) return;
    gate.timer = this.later(delayMs, () => {
      gate.timer = null;
      if (this.gates.get(region) !== gate) return;
      if (gate.parked.length === 0) {
        // Nothing left to probe with: the next record for the region goes through and decides.
        this.gates.delete(region);
        return;
      }
      let at = 0;
      for (let i = 1; i < gate.parked.length; i++) if (gate.parked[i]!.retryAt < gate.parked[at]!.retryAt) at = i;
      const [probe] = gate.parked.splice(at, 1);
      probe!.probe = true;
      gate.probing = true;
      this.ready.unshift(probe!);
      this.pump();
    });
  }

  /** The region answered: every parked record goes again, each once its own backoff has passed. */
  private openGate(region: string): void {
    const gate = this.gates.get(region);
    if (gate === undefined) return;
    this.gates.delete(region);
    if (gate.timer !== null) {
      clearTimeout(gate.timer);
      this.timers.delete(gate.timer);
    }
    const now = Date.now();
    const due: Job[] = [];
    for (const job of gate.parked) {
      if (job.retryAt <= now) due.push(job);
      else
        this.later(job.retryAt - now, () => {
          this.ready.push(job);
          this.pump();
        });
    }
    // Parked records are older than most ready ones: they go first.
    this.ready.unshift(...due);
    this.pump();
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

/** The bytes of versions the records name (the metrics' queue bytes). */
function bytesOf(texts: readonly string[]): number {
  let n = 0;
  for (const text of texts) n += decodeRecord(text)?.size ?? 0;
  return n;
}
