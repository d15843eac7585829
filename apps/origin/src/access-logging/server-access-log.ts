/**
 * S3 server access logging (docs/access-logs.md): the request path hands each finished request
 * of a bucket to `record` (a push to an array); off the hot path, once per event-loop turn, the
 * records of buckets with logging enabled are formatted and group-committed to this node's spool,
 * a partition of the durable event outbox (`s3log.<node id>`, both drivers). Every
 * `flushIntervalMs` (or sooner when `maxRecordsPerObject` are waiting) the spool is delivered:
 * one log object per source bucket and target, written straight to the store (so not logged
 * itself), and only then are the spooled batches removed. A crash between the two writes the
 * same records again on restart (at least once); a crash before the spool write, one event-loop
 * turn after the response, loses that turn's records.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html
 */
import { Readable } from 'node:stream';
import type { PrometheusWriter } from '@bucketfront/http-basics';
import { isStoreError, type EventOutbox, type ObjectStore } from '@bucketfront/object-store';
import { parseBucketLoggingStatus, S3Error, type LoggingEnabled, type TargetObjectKeyFormat } from '@bucketfront/s3-protocol';
import { loadBucketAcl } from '../s3/bucket-owner.js';
import { formatAccessRecord, type AccessRecordInput } from './log-record.js';
import { logObjectKey } from './log-keys.js';

/** Outbox partitions of the access-log spool start with this (the notification sender skips them). */
export const ACCESS_LOG_PARTITION_PREFIX = 's3log.';

export const DEFAULT_FLUSH_INTERVAL_MS = 30_000;
export const DEFAULT_MAX_RECORDS_PER_OBJECT = 10_000;

export interface ServerAccessLogOptions {
  store: ObjectStore;
  outbox: EventOutbox;
  /** This node's id: its spool is partition `s3log.<nodeId>`. */
  nodeId: string;
  region: string;
  /** Owner of buckets that have no stored owner (bucket-owner.ts). */
  firstUser: { id: string; displayName: string };
  /** Delivery period; records reach the target bucket within it (default 30 s, AWS: best effort, usually within hours). */
  flushIntervalMs?: number;
  /** Deliver early once this many records are spooled, and never put more in one log object. */
  maxRecordsPerObject?: number;
  log?: (line: string) => void;
}

/** One spooled record: where it goes and its formatted line. */
interface SpoolRecord {
  /** source bucket */
  b: string;
  /** target bucket, prefix, key format */
  t: string;
  p: string;
  f?: TargetObjectKeyFormat;
  /** source bucket owner (the partitioned key's account folder) */
  o: string;
  /** event time, ms */
  e: number;
  l: string;
}

export class ServerAccessLog {
  private pending: AccessRecordInput[] = [];
  private scheduled = false;
  /** The spool append in flight (one at a time, so batches keep request order). */
  private spooling: Promise<void> = Promise.resolve();
  private delivering: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly partition: string;
  private readonly flushIntervalMs: number;
  private readonly maxRecords: number;
  private readonly parsed = new Map<string, LoggingEnabled | null>();
  private undelivered = 0;
  private closed = false;
  /** Counters for /_bucketfront/metrics (and tests: records are durable once counted as spooled). */
  private spooledTotal = 0;
  private deliveredTotal = 0;
  private objectsTotal = 0;
  private droppedTotal = 0;

  constructor(private readonly opts: ServerAccessLogOptions) {
    this.partition = `${ACCESS_LOG_PARTITION_PREFIX}${opts.nodeId}`;
    this.flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maxRecords = opts.maxRecordsPerObject ?? DEFAULT_MAX_RECORDS_PER_OBJECT;
  }

  /** Starts the periodic delivery; the first one runs at once (what a previous process spooled). */
  start(): void {
    this.timer = setInterval(() => void this.deliver(), this.flushIntervalMs);
    this.timer.unref();
    void this.deliver();
  }

  /** The hot path: one push; everything else happens in the next turn of the event loop. */
  record(input: AccessRecordInput): void {
    if (this.closed) return;
    this.pending.push(input);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        const batch = this.pending;
        this.pending = [];
        this.spooling = this.spooling.then(() => this.spool(batch));
      });
    }
  }

  /** Spools what is recorded, then writes every spooled record to its target bucket. */
  async flush(): Promise<void> {
    await this.drainPending();
    await this.deliver();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.drainPending();
    this.closed = true;
    // Graceful stop: what is spooled goes out now (a crash leaves it for the next start).
    await this.deliver(true);
  }

  renderMetrics(w: PrometheusWriter): void {
    w.single('bucketfront_access_log_records_spooled_total', 'counter', 'Server access log records durably spooled', this.spooledTotal);
    w.single('bucketfront_access_log_records_delivered_total', 'counter', 'Server access log records written to target buckets', this.deliveredTotal);
    w.single('bucketfront_access_log_objects_total', 'counter', 'Server access log objects written', this.objectsTotal);
    w.single('bucketfront_access_log_records_dropped_total', 'counter', 'Server access log records dropped (target bucket gone, spool write failed)', this.droppedTotal);
  }

  private async drainPending(): Promise<void> {
    while (this.scheduled || this.pending.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.spooling;
  }

  private async spool(batch: AccessRecordInput[]): Promise<void> {
    const records: string[] = [];
    for (const input of batch) {
      try {
        const target = await this.loggingOf(input.bucket);
        if (target === null) continue;
        const acl = await loadBucketAcl(this.opts.store, input.bucket, { firstUser: this.opts.firstUser });
        const owner = acl?.owner.id ?? this.opts.firstUser.id;
        const rec: SpoolRecord = { b: input.bucket, t: target.targetBucket, p: target.targetPrefix, o: owner, e: input.timeMs, l: formatAccessRecord(input, owner) };
        if (target.targetObjectKeyFormat !== undefined) rec.f = target.targetObjectKeyFormat;
        records.push(JSON.stringify(rec));
      } catch (err) {
        this.droppedTotal++;
        this.logError('formatting a record', err);
      }
    }
    if (records.length === 0) return;
    try {
      await this.opts.outbox.appendOutbox(this.partition, records);
      this.spooledTotal += records.length;
      this.undelivered += records.length;
      if (this.undelivered >= this.maxRecords) void this.deliver();
    } catch (err) {
      this.droppedTotal += records.length;
      this.logError('spooling records', err);
    }
  }

  /** The bucket's LoggingEnabled, or null (no bucket, logging disabled). */
  private async loggingOf(bucket: string): Promise<LoggingEnabled | null> {
    let raw: string | null;
    try {
      raw = await this.opts.store.getBucketConfig(bucket, 'logging');
    } catch (err) {
      if (isStoreError(err, 'NoSuchBucket')) return null;
      throw err;
    }
    if (raw === null) return null;
    let le = this.parsed.get(raw);
    if (le === undefined) {
      const status = parseBucketLoggingStatus(raw);
      le = status instanceof S3Error ? null : status.loggingEnabled;
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(raw, le);
    }
    return le;
  }

  private deliver(final = false): Promise<void> {
    if (this.closed && !final) return Promise.resolve();
    this.delivering ??= this.deliverSpool().finally(() => {
      this.delivering = null;
    });
    return this.delivering;
  }

  private async deliverSpool(): Promise<void> {
    try {
      for (;;) {
        const batches = await this.opts.outbox.readOutbox(this.partition, 1000);
        if (batches.length === 0) return;
        const groups = new Map<string, SpoolRecord[]>();
        for (const batch of batches) {
          for (const raw of batch.records) {
            const rec = parseSpoolRecord(raw);
            if (rec === null) continue;
            const day = rec.f?.kind === 'PartitionedPrefix' && rec.f.partitionDateSource === 'EventTime' ? Math.floor(rec.e / 86_400_000) : 0;
            const key = JSON.stringify([rec.b, rec.t, rec.p, rec.f ?? null, day]);
            const group = groups.get(key) ?? groups.set(key, []).get(key)!;
            group.push(rec);
          }
        }
        for (const group of groups.values()) {
          for (let i = 0; i < group.length; i += this.maxRecords) await this.writeLogObject(group.slice(i, i + this.maxRecords));
        }
        // Only now: a crash before this line writes the same records again (at least once).
        await this.opts.outbox.removeOutbox(
          this.partition,
          batches.map((b) => b.id),
        );
        const count = batches.reduce((n, b) => n + b.records.length, 0);
        this.undelivered = Math.max(0, this.undelivered - count);
      }
    } catch (err) {
      // Left in the spool: the next round tries again.
      this.logError('delivering log objects', err);
    }
  }

  private async writeLogObject(records: SpoolRecord[]): Promise<void> {
    const first = records[0]!;
    const key = logObjectKey({
      targetPrefix: first.p,
      format: first.f,
      deliveryMs: Date.now(),
      eventMs: Math.min(...records.map((r) => r.e)),
      sourceAccountId: first.o,
      sourceRegion: this.opts.region,
      sourceBucket: first.b,
    });
    const body = Buffer.from(records.map((r) => `${r.l}\n`).join(''), 'utf8');
    try {
      await this.opts.store.putObject(first.t, key, Readable.from([body]), { contentType: 'text/plain', userMetadata: {} });
      this.objectsTotal++;
      this.deliveredTotal += records.length;
    } catch (err) {
      // The target bucket was deleted: S3 drops the logs too.
      if (!isStoreError(err, 'NoSuchBucket')) throw err;
      this.droppedTotal += records.length;
      this.logError(`target bucket ${first.t} is gone; ${records.length} records of ${first.b} dropped`, err);
    }
  }

  private logError(what: string, err: unknown): void {
    (this.opts.log ?? ((line: string) => void process.stderr.write(`bucketfront access logs: ${line}\n`)))(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseSpoolRecord(raw: string): SpoolRecord | null {
  try {
    const rec = JSON.parse(raw) as SpoolRecord;
    return typeof rec.b === 'string' && typeof rec.t === 'string' && typeof rec.l === 'string' ? rec : null;
  } catch {
    return null;
  }
}
