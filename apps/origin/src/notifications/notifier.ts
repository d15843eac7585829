/**
 * The origin's side of event notifications: `ctx.notify(event)` → the bucket's configuration
 * (cached with the bucket facts) → one outbox record per matching configuration → group commit:
 * every notify of one event-loop turn shares one durable `appendOutbox` → the sender gets the
 * batch in-process → the handler answers. docs/notifications.md#the-outbox.
 */
import { isStoreError, type ObjectStore } from '@bucketfront/object-store';
import { buildEventRecord, buildTestEvent, encodeOutboxRecord, matchingRules, nextSequencer, type ObjectEvent, type OutboxSender, type SenderOutbox } from '@bucketfront/notifications';
import type { NotificationRule } from '@bucketfront/s3-protocol';
import { loadBucketNotification } from '../bucket-documents.js';

export interface NotifierOptions {
  store: ObjectStore;
  outbox: SenderOutbox;
  /** This node's outbox partition (its node id). */
  partition: string;
  sender: OutboxSender;
  region: string;
  /** The bucket owner's canonical id (ownerIdentity.principalId). */
  ownerId: string;
  /** ARNs of the configured destinations: a configuration naming another one records nothing. */
  destinations: ReadonlySet<string>;
}

interface Waiting {
  records: string[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Notifier {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** The append in flight: the next group forms meanwhile and is written when it is done. */
  private inFlight: Promise<void> | null = null;

  constructor(private readonly opts: NotifierOptions) {}

  get destinations(): ReadonlySet<string> {
    return this.opts.destinations;
  }

  /** Resolves once the event's records are durable in the outbox (at once when nothing matches). */
  async notify(event: ObjectEvent): Promise<void> {
    let raw: string | null;
    try {
      raw = await this.opts.store.getBucketConfig(event.bucket, 'notification');
    } catch (err) {
      // Deleted since the write: no bucket, no configuration. Anything else fails the request.
      if (isStoreError(err, 'NoSuchBucket')) return;
      throw err;
    }
    if (raw === null) return;
    const config = loadBucketNotification(event.bucket, raw);
    if (config === null || config.rules.length === 0) return;
    const rules = matchingRules(config.rules, event.eventName, event.key).filter((r) => this.opts.destinations.has(r.arn));
    if (rules.length === 0) return;
    const now = Date.now();
    const eventTime = new Date(now).toISOString();
    const sequencer = nextSequencer(now);
    const records = rules.map((rule) => {
      const record = buildEventRecord(event, { region: this.opts.region, ownerId: this.opts.ownerId, configurationId: rule.id, eventTime, sequencer });
      return encodeOutboxRecord({ arn: rule.arn, message: { bucket: event.bucket, key: event.key, eventName: event.eventName, eventTime, body: JSON.stringify({ Records: [record] }) } });
    });
    return this.append(records);
  }

  /** The `s3:TestEvent` S3 sends to each destination of a configuration it just stored (through the outbox like any event). */
  testEvent(bucket: string, rules: readonly NotificationRule[], requestId: string, hostId: string): Promise<void> {
    const arns = [...new Set(rules.map((r) => r.arn))].filter((arn) => this.opts.destinations.has(arn));
    if (arns.length === 0) return Promise.resolve();
    const eventTime = new Date().toISOString();
    const body = JSON.stringify(buildTestEvent(bucket, eventTime, requestId, hostId));
    return this.append(arns.map((arn) => encodeOutboxRecord({ arn, message: { bucket, key: '', eventName: 'TestEvent', eventTime, body } })));
  }

  private append(records: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // The notify calls of this turn of the event loop join the group.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.scheduled = false;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    const records = group.flatMap((w) => w.records);
    const write = (async () => {
      try {
        const batchId = await this.opts.outbox.appendOutbox(this.opts.partition, records);
        this.opts.sender.offer(batchId, records);
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    })();
    this.inFlight = write;
    await write;
    if (this.inFlight === write) this.inFlight = null;
  }
}
