/**
 * Event notifications end to end, for each of the six destination types: the real origin, its
 * outbox sender and the destination, delivering to a real broker of the test's own (a private
 * RabbitMQ node, nats-server, mosquitto, redis-server, PostgreSQL cluster, or a node:http webhook
 * receiver), read back with the broker's own client. docs/notifications.md.
 *
 * Per type: 1,000 PUTs and 100 DELETEs by four parallel writers, a prefix/suffix filter: exactly the
 * matching records arrive, each once. Then the same again with the broker stopped for 30 s during
 * the writes: every matching record arrives once it is back (duplicates allowed after the fault,
 * counted and printed).
 */
import { CreateBucketCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3EventRecord } from '@bucketfront/notifications';
import { hasBroker, startPrivateBroker, startWebhookReceiver, type BrokerKind, type PrivateBroker } from '@bucketfront/test-support';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { connect as mqttConnect, type MqttClient } from 'mqtt';
import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:events';
const BUCKET = 'events';
const WRITERS = 4;
const PUTS = 1000;
const DELETES = 100;
const OUTAGE_MS = 30_000;

/** A destination's broker as the test sees it: the configuration, every message body received so far, an outage. */
interface Sink {
  config: Record<string, unknown>;
  /** Every message body the broker holds or handed over so far, in arrival order (a broker that is down: what was read before). */
  read(): Promise<string[]>;
  outage(ms: number): Promise<void>;
  close(): Promise<void>;
}

async function brokerSink(kind: BrokerKind, make: (broker: PrivateBroker) => Promise<Omit<Sink, 'outage' | 'close'> & { close?: () => Promise<void> }>): Promise<Sink> {
  const broker = (await startPrivateBroker(kind))!;
  const sink = await make(broker);
  return {
    config: sink.config,
    read: sink.read,
    outage: (ms) => broker.outage(ms),
    close: async () => {
      await sink.close?.();
      await broker.destroy();
    },
  };
}

/** Keeps what was read before when the broker cannot be read now (it is down). */
function accumulating(readMore: (seen: string[]) => Promise<void>): () => Promise<string[]> {
  const seen: string[] = [];
  return async () => {
    await readMore(seen).catch(() => {});
    return [...seen];
  };
}

const SINKS: Record<string, { kind: BrokerKind | null; start: () => Promise<Sink> }> = {
  webhook: {
    kind: null,
    async start() {
      const receiver = await startWebhookReceiver();
      return {
        config: { type: 'webhook', url: receiver.url },
        read: async () => receiver.acknowledged.map((p) => p.body),
        outage: async (ms) => {
          await receiver.down();
          await sleep(ms);
          await receiver.up();
        },
        close: () => receiver.stop(),
      };
    },
  },
  amqp: {
    kind: 'rabbitmq',
    start: () =>
      brokerSink('rabbitmq', async (broker) => {
        const admin = await amqpConnect(broker.url);
        const channel = await admin.createChannel();
        await channel.assertExchange('events', 'topic', { durable: true });
        await channel.assertQueue('events.q', { durable: true });
        await channel.bindQueue('events.q', 'events', '#');
        await admin.close();
        return {
          config: { type: 'amqp', url: broker.url, exchange: 'events', routingKey: 's3.events' },
          read: accumulating(async (seen) => {
            const reader = await amqpConnect(broker.url);
            try {
              const ch = await reader.createChannel();
              for (let m = await ch.get('events.q', { noAck: true }); m !== false; m = await ch.get('events.q', { noAck: true })) seen.push(m.content.toString('utf8'));
            } finally {
              await reader.close().catch(() => {});
            }
          }),
        };
      }),
  },
  nats: {
    kind: 'nats',
    start: () =>
      brokerSink('nats', async (broker) => {
        let next = 1;
        return {
          config: { type: 'nats', servers: broker.url, subject: 'events.s3', stream: 'EVENTS' },
          read: accumulating(async (seen) => {
            const reader = await natsConnect({ servers: broker.url, reconnect: false });
            try {
              const manager = await jetstreamManager(reader);
              const { state } = await manager.streams.info('EVENTS');
              for (; next <= state.last_seq; next++) {
                const stored = await manager.streams.getMessage('EVENTS', { seq: next });
                if (stored) seen.push(stored.string());
              }
            } finally {
              await reader.close().catch(() => {});
            }
          }),
        };
      }),
  },
  mqtt: {
    kind: 'mosquitto',
    start: () =>
      brokerSink('mosquitto', async (broker) => {
        // A persistent session with a QoS 1 subscription: the broker keeps it across its restart and
        // queues for it while this subscriber is still reconnecting.
        const received: string[] = [];
        const subscriber: MqttClient = mqttConnect(broker.url, { clientId: 'bf-e2e-subscriber', clean: false, reconnectPeriod: 200 });
        subscriber.on('error', () => {});
        subscriber.on('message', (_topic, payload) => received.push(payload.toString('utf8')));
        await new Promise<void>((resolve) => subscriber.once('connect', () => resolve()));
        await subscriber.subscribeAsync('events/s3', { qos: 1 });
        return {
          config: { type: 'mqtt', url: broker.url, topic: 'events/s3' },
          read: async () => [...received],
          close: () => subscriber.endAsync(true),
        };
      }),
  },
  redis: {
    kind: 'redis',
    start: () =>
      brokerSink('redis', async (broker) => {
        let after = '-';
        return {
          config: { type: 'redis', url: broker.url, stream: 'events' },
          read: accumulating(async (seen) => {
            const reader = new Redis(broker.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
            reader.on('error', () => {});
            try {
              await reader.connect();
              for (const [id, fields] of await reader.xrange('events', after, '+')) {
                if (id === after) continue;
                after = id;
                seen.push(fields[fields.indexOf('body') + 1]!);
              }
            } finally {
              reader.disconnect();
            }
          }),
        };
      }),
  },
  postgres: {
    kind: 'postgres',
    start: () =>
      brokerSink('postgres', async (broker) => ({
        config: { type: 'postgres', connectionString: broker.url, table: 'events', format: 'log' },
        read: accumulating(async (seen) => {
          const reader = new pg.Client({ connectionString: broker.url });
          reader.on('error', () => {});
          try {
            await reader.connect();
            const exists = await reader.query(`SELECT to_regclass('events') AS t`);
            if (exists.rows[0].t === null) return;
            // The whole table each time: rows of parallel lanes commit in any event_time order.
            const { rows } = await reader.query<{ event_data: string }>('SELECT event_data::text AS event_data FROM events');
            seen.splice(0, seen.length, ...rows.map((row) => row.event_data));
          } finally {
            await reader.end().catch(() => {});
          }
        }),
      })),
  },
};

/** `eventName key` → how many records of it arrived (test events left out). */
function countRecords(bodies: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of bodies) {
    const parsed = JSON.parse(body) as { Records?: S3EventRecord[] };
    for (const record of parsed.Records ?? []) {
      const name = `${record.eventName} ${decodeURIComponent(record.s3.object.key.replace(/\+/g, '%20'))}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

/** The filter: prefix `in/`, suffix `.jpg`. */
const matches = (key: string): boolean => key.startsWith('in/') && key.endsWith('.jpg');

/** Key i of a run: one in five outside the prefix, one in seven with another suffix. */
const keyOf = (run: string, i: number): string => `${i % 5 === 0 ? 'out' : 'in'}/${run}/${String(i).padStart(4, '0')}${i % 7 === 0 ? '.txt' : '.jpg'}`;

/**
 * PUTs keys 0…PUTS-1 of `run` and then DELETEs keys 0…DELETES-1, WRITERS writers in parallel
 * (writer w takes every WRITERS-th key, so each key has one writer and its PUT precedes its DELETE).
 * `midway` runs once a quarter of the PUTs are done. Returns the records that must arrive.
 */
async function write(s3: S3Client, run: string, midway?: () => void): Promise<Set<string>> {
  let puts = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = w; i < PUTS; i += WRITERS) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(run, i), Body: `object ${i}` }));
        if (++puts === PUTS / 4) midway?.();
      }
      for (let i = w; i < DELETES; i += WRITERS) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keyOf(run, i) }));
    }),
  );
  const expected = new Set<string>();
  for (let i = 0; i < PUTS; i++) if (matches(keyOf(run, i))) expected.add(`ObjectCreated:Put ${keyOf(run, i)}`);
  for (let i = 0; i < DELETES; i++) if (matches(keyOf(run, i))) expected.add(`ObjectRemoved:Delete ${keyOf(run, i)}`);
  return expected;
}

/** Polls the sink until every expected record of `run` arrived (bounded: fails naming what is missing). */
async function arrived(sink: Sink, run: string, expected: Set<string>, boundMs = 180_000): Promise<Map<string, number>> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const counts = new Map([...countRecords(await sink.read())].filter(([name]) => name.includes(`/${run}/`)));
    const missing = [...expected].filter((name) => !counts.has(name));
    if (missing.length === 0) return counts;
    if (Date.now() > deadline) throw new Error(`${missing.length} of ${expected.size} records never arrived, e.g. ${missing.slice(0, 3).join(', ')}`);
    await sleep(250);
  }
}

// The six destinations run at the same time (each has its own broker and origin), so the file
// waits out one 30 s outage instead of six; within a destination the two tests run in order.
for (const [type, { kind, start }] of Object.entries(SINKS)) {
  describe(`event notifications to the ${type} destination`, { concurrent: true, skip: kind !== null && !hasBroker(kind) }, () => {
    let sink: Sink;
    let origin: TestOrigin;

    beforeAll(async () => {
      sink = await start();
      origin = await startTestOrigin({
        notifications: {
          // 10 s: six origins and brokers share the cores here, and a slow answer retried would be a duplicate.
          destinations: [{ arn: ARN, timeoutMs: 10_000, ...sink.config }],
          nodeId: `e2e-${type}`,
          // Never dead-letter during the outage: retry every ≤ 1 s until the broker is back.
          delivery: { maxAttempts: 10_000, initialBackoffMs: 50, maxBackoffMs: 1000 },
        },
      });
      await origin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await origin.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: BUCKET,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                Id: 'jpg-uploads',
                QueueArn: ARN,
                Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
                Filter: {
                  Key: {
                    FilterRules: [
                      { Name: 'prefix', Value: 'in/' },
                      { Name: 'suffix', Value: '.jpg' },
                    ],
                  },
                },
              },
            ],
          },
        }),
      );
    }, 180_000);
    afterAll(async () => {
      await origin?.stop();
      await sink?.close();
    }, 60_000);

    it.sequential('1,000 PUTs and 100 DELETEs by 4 writers: exactly the matching records arrive, each once', async () => {
      const expected = await write(origin.s3, 'steady');
      const counts = await arrived(sink, 'steady', expected);
      expect([...counts.keys()].sort()).toEqual([...expected].sort());
      expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    }, 300_000);

    it.sequential(`with the ${type} broker stopped for 30 s during the writes, every matching record arrives once it is back`, async () => {
      let outage: Promise<void> | undefined;
      const expected = await write(origin.s3, 'outage', () => {
        outage = sink.outage(OUTAGE_MS);
      });
      expect(outage).toBeDefined();
      await outage;
      const counts = await arrived(sink, 'outage', expected);
      expect([...counts.keys()].sort()).toEqual([...expected].sort());
      const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
      console.log(`${type}: ${expected.size} records after a ${OUTAGE_MS / 1000} s outage, ${duplicates} duplicates`);
    }, 300_000);
  });
}
