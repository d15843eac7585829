/**
 * Event notifications end to end: the real origin, the real webhook destination and a real
 * receiver (node:http). docs/notifications.md.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3EventRecord } from '@bucketfront/notifications';
import { readFsOutboxFiles } from '@bucketfront/object-store';
import { makeS3Client, makeTempDir, makeTestCredentials, s3ErrorOf, startWebhookReceiver, type WebhookReceiver } from '@bucketfront/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { startOriginProcess } from './fixtures/origin-process.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:events';
const BUCKET = 'events';

interface Received {
  id: string;
  record: S3EventRecord;
}

/** The event records the receiver acknowledged, one per message id (a retried message may arrive twice). */
function recordsOf(receiver: WebhookReceiver): Received[] {
  const byId = new Map<string, Received>();
  for (const post of receiver.acknowledged) {
    const body = JSON.parse(post.body) as { Records?: S3EventRecord[] };
    if (!body.Records) continue; // the test event
    expect(body.Records).toHaveLength(1);
    byId.set(post.id, { id: post.id, record: body.Records[0]! });
  }
  return [...byId.values()];
}

const decodeKey = (k: string): string => decodeURIComponent(k.replace(/\+/g, '%20'));

async function configure(s3: S3Client, filter?: { prefix: string; suffix: string }): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'cfg-1',
            QueueArn: ARN,
            Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
            ...(filter
              ? {
                  Filter: {
                    Key: {
                      FilterRules: [
                        { Name: 'prefix', Value: filter.prefix },
                        { Name: 'suffix', Value: filter.suffix },
                      ],
                    },
                  },
                }
              : {}),
          },
        ],
      },
    }),
  );
}

let origin: TestOrigin | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await origin?.stop();
  await receiver?.stop();
  origin = undefined;
  receiver = undefined;
});

async function start(delivery: { maxAttempts: number; initialBackoffMs: number; maxBackoffMs: number }, timeoutMs = 5000): Promise<{ origin: TestOrigin; receiver: WebhookReceiver }> {
  receiver = await startWebhookReceiver();
  origin = await startTestOrigin({ notifications: { destinations: [{ type: 'webhook', arn: ARN, url: receiver.url, timeoutMs }], nodeId: 'node-a', delivery } });
  return { origin, receiver };
}

describe('event notifications through the outbox to a webhook', () => {
  it('8 writers, 1,000 PUTs and 100 DELETEs with a prefix/suffix filter: exactly the matching records, in order per key', async () => {
    const { origin, receiver } = await start({ maxAttempts: 10, initialBackoffMs: 50, maxBackoffMs: 1000 });
    await configure(origin.s3, { prefix: 'in/', suffix: '.jpg' });
    await receiver.waitFor('the test event', () => receiver.acknowledged.some((p) => p.body.includes('s3:TestEvent')));
    const test = JSON.parse(receiver.acknowledged.find((p) => p.body.includes('s3:TestEvent'))!.body) as Record<string, string>;
    expect(test).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET });
    expect(test.Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Per key, what the writer (the only one writing that key) saw acknowledged, in order.
    const expected = new Map<string, Array<{ eventName: string; eTag?: string; size?: number }>>();
    const acked: Array<{ key: string; requestId: string }> = [];
    const matches = (key: string): boolean => key.startsWith('in/') && key.endsWith('.jpg');
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const keysOf = (i: number): string => (i % 4 === 0 ? `other/${w}-${i % 10}.jpg` : i % 4 === 1 ? `in/${w}-${i % 10}.png` : `in/${w} k+${i % 10}.jpg`);
        for (let i = 0; i < 125; i++) {
          const key = keysOf(i);
          const body = `w${w} i${i}`;
          const out = await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
          if (matches(key)) {
            const list = expected.get(key) ?? expected.set(key, []).get(key)!;
            list.push({ eventName: 'ObjectCreated:Put', eTag: out.ETag!.replace(/"/g, ''), size: body.length });
            acked.push({ key, requestId: out.$metadata.requestId! });
          }
        }
        for (let i = 0; i < (w < 4 ? 13 : 12); i++) {
          const key = keysOf(i);
          await origin.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
          if (matches(key)) expected.get(key)!.push({ eventName: 'ObjectRemoved:Delete' });
        }
      }),
    );
    const total = [...expected.values()].reduce((n, l) => n + l.length, 0);
    await receiver.waitFor(`${total} event records`, () => recordsOf(receiver).length >= total);
    const records = recordsOf(receiver);
    expect(records).toHaveLength(total);

    // Count and order per key: sorted by sequencer, exactly what the writer saw.
    const byKey = new Map<string, S3EventRecord[]>();
    for (const { record } of records) {
      const key = decodeKey(record.s3.object.key);
      expect(matches(key), key).toBe(true);
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(record);
    }
    expect([...byKey.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, list] of byKey) {
      const ordered = [...list].sort((a, b) => (a.s3.object.sequencer < b.s3.object.sequencer ? -1 : 1));
      expect(new Set(list.map((r) => r.s3.object.sequencer)).size, key).toBe(list.length);
      expect(
        ordered.map((r) => ({ eventName: r.eventName, ...(r.s3.object.eTag !== undefined ? { eTag: r.s3.object.eTag, size: r.s3.object.size } : {}) })),
        key,
      ).toEqual(expected.get(key));
    }

    // Field by field, for a sample: the first acknowledged PUT.
    const sample = acked[0]!;
    const record = records.map((r) => r.record).find((r) => r.responseElements['x-amz-request-id'] === sample.requestId)!;
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: `AWS:${origin.credentials.accessKeyId}` },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': sample.requestId, 'x-amz-id-2': expect.any(String) },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfg-1',
        bucket: { name: BUCKET, ownerIdentity: { principalId: expect.stringMatching(/^[0-9a-f]{64}$/) }, arn: `arn:aws:s3:::${BUCKET}` },
        object: {
          key: sample.key.replace(' ', '+').replace('k+', 'k%2B'),
          size: expect.any(Number),
          eTag: expect.stringMatching(/^[0-9a-f]{32}$/),
          sequencer: expect.stringMatching(/^[0-9A-F]{18}$/),
        },
      },
    });

    // Every batch was removed once delivered.
    await expect.poll(async () => readFsOutboxFiles(origin.dataDir, 'node-a')).toEqual([]);
    // The metrics count every acknowledged message (duplicates after a retry included) and its latency.
    const metrics = await (await fetch(`${origin.url}/_bucketfront/metrics`)).text();
    const delivered = Number(new RegExp(`bucketfront_notifications_delivered_total\\{destination="${ARN}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(delivered).toBeGreaterThanOrEqual(total + 1);
    expect(Number(/bucketfront_notifications_delivery_latency_seconds_count (\d+)/.exec(metrics)?.[1])).toBe(delivered);
    expect(metrics).toContain('bucketfront_notifications_queue_depth 0');
    expect(metrics).toMatch(/bucketfront_origin_store_calls_total\{operation="appendOutbox",outcome="ok"\} \d+/);
  }, 240_000);

  it('the receiver down for 30 s during writes: every event arrives after it returns; writes are unaffected', async () => {
    const { origin, receiver } = await start({ maxAttempts: 1000, initialBackoffMs: 100, maxBackoffMs: 2000 });
    await configure(origin.s3);
    await receiver.waitFor('the test event', () => receiver.acknowledged.length === 1);
    await receiver.down();
    const keys: string[] = [];
    const downUntil = Date.now() + 30_000;
    for (let i = 0; Date.now() < downUntil; i++) {
      const key = `down/${i}`;
      const out = await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
      expect(out.$metadata.httpStatusCode).toBe(200);
      keys.push(key);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(recordsOf(receiver)).toHaveLength(0);
    await receiver.up();
    await receiver.waitFor(`${keys.length} records`, () => recordsOf(receiver).length >= keys.length);
    expect(
      recordsOf(receiver)
        .map((r) => decodeKey(r.record.s3.object.key))
        .sort(),
    ).toEqual([...keys].sort());
  }, 180_000);

  it.each([
    ['answers 500', 500 as const],
    ['never answers (the destination times out)', 'hang' as const],
  ])(
    'a receiver that %s: retried maxAttempts times, then dead-lettered; writes unaffected',
    async (_name, mode) => {
      const { origin, receiver } = await start({ maxAttempts: 3, initialBackoffMs: 20, maxBackoffMs: 100 }, 300);
      await configure(origin.s3);
      await receiver.waitFor('the test event', () => receiver.acknowledged.length === 1);
      receiver.mode = mode;
      const keys = Array.from({ length: 5 }, (_, i) => `dl/${i}`);
      for (const key of keys) {
        const out = await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
        expect(out.$metadata.httpStatusCode).toBe(200);
      }
      const deadLetters = async (): Promise<Array<{ arn: string; attempts: number; message: { key: string; id: string } }>> =>
        (await readFsOutboxFiles(origin.dataDir, 'dead-letter')).flatMap((b) => b.records.map((r) => JSON.parse(r)));
      await expect.poll(async () => (await deadLetters()).length, { timeout: 60_000 }).toBe(keys.length);
      const dead = await deadLetters();
      expect(dead.map((d) => d.message.key).sort()).toEqual(keys);
      for (const d of dead) {
        expect(d.arn).toBe(ARN);
        expect(d.attempts).toBe(3);
        // Each message was tried exactly maxAttempts times (one POST per attempt).
        expect(receiver.attempts.filter((a) => a.id === d.message.id)).toHaveLength(3);
      }
      expect(recordsOf(receiver)).toHaveLength(0);
      // Nothing left to send; the metrics say what happened.
      await expect.poll(async () => readFsOutboxFiles(origin.dataDir, 'node-a')).toEqual([]);
      const metrics = await (await fetch(`${origin.url}/_bucketfront/metrics`)).text();
      expect(metrics).toContain(`bucketfront_notifications_dead_lettered_total{destination="${ARN}"} 5`);
      expect(metrics).toContain('bucketfront_notifications_queue_depth 0');
      // The receiver is back: new events are delivered again.
      receiver.mode = 'ok';
      await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after', Body: 'x' }));
      await receiver.waitFor('the event after recovery', () => recordsOf(receiver).length === 1);
    },
    120_000,
  );
});

describe('every write operation records its event', () => {
  it('CopyObject, CompleteMultipartUpload and DeleteObjects (one record per deleted key)', async () => {
    const { origin, receiver } = await start({ maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 100 });
    await configure(origin.s3);
    await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'src', Body: 'source' }));
    await origin.s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy', CopySource: `${BUCKET}/src` }));
    const upload = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi' }));
    const part = await origin.s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multi', UploadId: upload.UploadId!, PartNumber: 1, Body: 'only part' }));
    await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi', UploadId: upload.UploadId!, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    await origin.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'src' }, { Key: 'copy' }, { Key: 'multi' }] } }));
    await receiver.waitFor('6 records', () => recordsOf(receiver).length >= 6);
    const seen = recordsOf(receiver)
      .map((r) => r.record)
      .sort((a, b) => (a.s3.object.sequencer < b.s3.object.sequencer ? -1 : 1))
      .map((r) => [r.eventName, r.s3.object.key, r.s3.object.size]);
    expect(seen.slice(0, 3)).toEqual([
      ['ObjectCreated:Put', 'src', 6],
      ['ObjectCreated:Copy', 'copy', 6],
      ['ObjectCreated:CompleteMultipartUpload', 'multi', 9],
    ]);
    // The three deletions of one DeleteObjects request, in any order among themselves.
    expect(seen.slice(3).sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      ['ObjectRemoved:Delete', 'copy', undefined],
      ['ObjectRemoved:Delete', 'multi', undefined],
      ['ObjectRemoved:Delete', 'src', undefined],
    ]);
    expect(seen).toHaveLength(6);
  });

  it('when the outbox write fails, the write is answered 500 InternalError (never acknowledged without its event)', async () => {
    const { origin, receiver } = await start({ maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 100 });
    await configure(origin.s3);
    // The test event is delivered and its removal written first: the sender is then done with the
    // partition's files (a removal landing during the rm below made it fail with ENOTEMPTY).
    await receiver.waitFor('the test event', () => receiver.acknowledged.some((p) => p.body.includes('s3:TestEvent')));
    await expect.poll(async () => readFsOutboxFiles(origin.dataDir, 'node-a'), { timeout: 10_000 }).toEqual([]);
    // The partition's directory is a file: its first durable append (a new log segment) fails.
    const partition = join(origin.dataDir, 'outbox', 'node-a');
    await rm(partition, { recursive: true, force: true });
    await writeFile(partition, 'not a directory');
    const err = await s3ErrorOf(origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'second', Body: 'x' })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['InternalError', 500]);
    // A bucket without a matching configuration is not affected.
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'quiet' }));
    expect((await origin.s3.send(new PutObjectCommand({ Bucket: 'quiet', Key: 'k', Body: 'x' }))).$metadata.httpStatusCode).toBe(200);
    // Deviation to know: the object itself was stored (the outbox write comes after it).
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'second' }))).ContentLength).toBe(1);
    // Once the outbox can be written again, so can the events.
    await rm(partition, { force: true });
    const again = await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'third', Body: 'x' }));
    expect(again.$metadata.httpStatusCode).toBe(200);
    await receiver.waitFor('the third record', () => recordsOf(receiver).some((r) => r.record.s3.object.key === 'third'));
    expect(recordsOf(receiver).map((r) => r.record.s3.object.key)).toEqual(['third']);
  });
});

describe('the origin SIGKILLed during writes', () => {
  it('after a restart, every acknowledged write has its event delivered', async () => {
    const tmp = await makeTempDir('bucketfront-notify-crash-');
    const credentials = makeTestCredentials();
    const env = { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    receiver = await startWebhookReceiver();
    // Slow delivery is not needed to leave events undelivered: the receiver is down while the origin dies.
    const notifications = JSON.stringify({
      destinations: [{ type: 'webhook', arn: ARN, url: receiver.url, timeoutMs: 2000 }],
      nodeId: 'node-a',
      delivery: { maxAttempts: 1000, initialBackoffMs: 50, maxBackoffMs: 500 },
    });
    let child = await startOriginProcess(tmp.path, env, ['--notifications', notifications]);
    try {
      let s3 = makeS3Client(child.url, credentials);
      await configure(s3);
      await receiver.waitFor('the test event', () => receiver!.acknowledged.length === 1);
      await receiver.down();
      const acknowledged = new Set<string>();
      let stop = false;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const key = `crash/${w}/${i}`;
          try {
            const out = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `${w}:${i}` }));
            if (out.$metadata.httpStatusCode === 200) acknowledged.add(key);
          } catch {
            return; // the origin is gone
          }
        }
      });
      await new Promise((r) => setTimeout(r, 1500));
      await child.kill();
      stop = true;
      await Promise.all(writers);
      s3.destroy();
      expect(acknowledged.size).toBeGreaterThan(0);

      await receiver.up();
      child = await startOriginProcess(tmp.path, env, ['--notifications', notifications]);
      s3 = makeS3Client(child.url, credentials);
      await receiver.waitFor(`events of the ${acknowledged.size} acknowledged writes`, () => {
        const got = new Set(recordsOf(receiver!).map((r) => decodeKey(r.record.s3.object.key)));
        return [...acknowledged].every((k) => got.has(k));
      });
      s3.destroy();
    } finally {
      await child.kill();
      await tmp.cleanup();
    }
  }, 240_000);
});
