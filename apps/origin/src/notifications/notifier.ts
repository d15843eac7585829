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
import { OutboxGroupCommit } from './group-commit.js';

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

export class Notifier {
  private readonly commit: OutboxGroupCommit;

  constructor(private readonly opts: NotifierOptions) {
    this.commit = new OutboxGroupCommit(opts.outbox, opts.partition, (batchId, records) => opts.sender.offer(batchId, records));
  }

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
    return this.commit.append(records);
  }
}
