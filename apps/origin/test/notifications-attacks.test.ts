/**
 * Attacks on the event-notification path with the real origin, the AWS SDK and a real webhook
 * receiver (node:http): keys S3 encodes specially, and a 1,000-key DeleteObjects.
 * docs/notifications.md#event-records, #the-outbox.
 */
import { CreateBucketCommand, DeleteObjectsCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3EventRecord } from '@bucketfront/notifications';
import { makeTempDir, startWebhookReceiver, type WebhookReceiver } from '@bucketfront/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:attacks';
const BUCKET = 'attacks';

let origin: TestOrigin | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await origin?.stop();
  await receiver?.stop();
  origin = undefined;
  receiver = undefined;
});

async function start(): Promise<{ origin: TestOrigin; receiver: WebhookReceiver }> {
  receiver = await startWebhookReceiver();
  origin = await startTestOrigin({
    notifications: { destinations: [{ type: 'webhook', arn: ARN, url: receiver.url }], nodeId: 'node-x', delivery: { maxAttempts: 5, initialBackoffMs: 20, maxBackoffMs: 100 } },
  });
  await origin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await origin.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: BUCKET,
      NotificationConfiguration: { QueueConfigurations: [{ Id: 'all', QueueArn: ARN, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
    }),
  );
  return { origin, receiver };
}

function recordsOf(receiver: WebhookReceiver): Array<{ id: string; record: S3EventRecord }> {
  const byId = new Map<string, { id: string; record: S3EventRecord }>();
  for (const post of receiver.acknowledged) {
    const body = JSON.parse(post.body) as { Records?: S3EventRecord[] };
    if (body.Records) byId.set(post.id, { id: post.id, record: body.Records[0]! });
  }
  return [...byId.values()];
}

/** What AWS documents a consumer does with s3.object.key (form decoding). */
const decodeKey = (k: string): string => decodeURIComponent(k.replace(/\+/g, ' '));

describe('event notifications under attack', () => {
  it('keys with +, %, spaces, non-BMP characters, CR LF, reserved marks and 1,024 bytes decode back to the exact key', async () => {
    const { origin, receiver } = await start();
    const keys = ['a+b c', '100%25 %', 'emoji/😀/𝄞.txt', 'line\r\nbreak\ttab', "marks/!'()*~-_.", 'q?x=1&y=2#frag', 'ü/ß/é', `long/${'k'.repeat(1019)}`, `long2/${'é'.repeat(509)}`];
    for (const Key of keys) await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    await receiver.waitFor(`${keys.length} records`, () => recordsOf(receiver).length >= keys.length);
    const seen = recordsOf(receiver).map((r) => r.record.s3.object.key);
    expect(seen.map(decodeKey).sort()).toEqual([...keys].sort());
    // AWS's form encoding: a space is '+', '+' is %2B, no raw control characters or '%' escapes left over.
    const aPlusB = seen.find((k) => decodeKey(k) === 'a+b c')!;
    expect(aPlusB).toBe('a%2Bb+c');
    for (const k of seen) expect(k).not.toMatch(/[\s\r\n]/);
  });

  it('DeleteObjects of 1,000 keys: exactly 1,000 events, written in one outbox batch', async () => {
    const { origin, receiver } = await start();
    const keys = Array.from({ length: 1000 }, (_, i) => `bulk/${i}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }))));
    }
    await receiver.waitFor('1,000 created records', () => recordsOf(receiver).length >= 1000);
    const before = recordsOf(receiver).length;
    const out = await origin.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    expect(out.Deleted).toHaveLength(1000);
    await receiver.waitFor('1,000 removed records', () => recordsOf(receiver).length >= before + 1000);
    const removed = recordsOf(receiver).filter((r) => r.record.eventName === 'ObjectRemoved:Delete');
    expect(removed).toHaveLength(1000);
    expect(new Set(removed.map((r) => decodeKey(r.record.s3.object.key)))).toEqual(new Set(keys));
    // Message ids are `<batch id>:<index>`: one batch (one durable append) for the whole request.
    expect(new Set(removed.map((r) => r.id.slice(0, r.id.lastIndexOf(':'))))).toHaveProperty('size', 1);
  }, 120_000);

  it('a restart with undelivered events: they are sent again with the same message ids, before the new events of the same key', async () => {
    const temp = await makeTempDir('bucketfront-notify-restart-');
    const rx = await startWebhookReceiver(503);
    receiver = rx;
    const notifications = {
      destinations: [{ type: 'webhook' as const, arn: ARN, url: rx.url, timeoutMs: 2000 }],
      nodeId: 'node-r',
      delivery: { maxAttempts: 1000, initialBackoffMs: 20, maxBackoffMs: 200 },
    };
    try {
      const first = await startTestOrigin({ dataDir: temp.path, notifications });
      await first.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await first.s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: BUCKET, NotificationConfiguration: { QueueConfigurations: [{ Id: 'all', QueueArn: ARN, Events: ['s3:ObjectCreated:*'] }] } }),
      );
      // Many undelivered batches, the one of key `last` at the end of the partition.
      for (let i = 0; i < 400; i += 4) {
        await Promise.all([0, 1, 2, 3].map((j) => first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `old/${i + j}`, Body: 'x' }))));
      }
      await first.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'last', Body: 'old' }));
      await rx.waitFor('attempts of 8 lanes', () => new Set(rx.attempts.map((p) => p.id)).size >= 8, 30_000);
      const attemptedIds = new Map(rx.attempts.filter((p) => p.body.includes('"Records"')).map((p) => [(JSON.parse(p.body) as { Records: S3EventRecord[] }).Records[0]!.s3.object.key, p.id]));
      first.s3.destroy();
      await first.close();

      rx.mode = 'ok';
      origin = await startTestOrigin({ dataDir: temp.path, notifications });
      await origin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'last', Body: 'new!' }));
      await rx.waitFor('402 records', () => recordsOf(rx).length >= 402, 60_000);
      const delivered = recordsOf(rx);
      // Each old event again, under the id it had before the restart.
      for (const [key, id] of attemptedIds) expect([key, delivered.some((r) => r.id === id)]).toEqual([key, true]);
      // Per key, in order: the old `last` (3 bytes) before the new one (4 bytes).
      const sizesOfLast = rx.acknowledged
        .map((p) => (JSON.parse(p.body) as { Records?: S3EventRecord[] }).Records?.[0])
        .filter((r) => r?.s3.object.key === 'last')
        .map((r) => r!.s3.object.size);
      expect(sizesOfLast).toEqual([3, 4]);
    } finally {
      await origin?.close();
      origin = undefined;
      await temp.cleanup();
    }
  }, 120_000);
});
