/**
 * Two origin nodes on one s3 backend (here a third origin, on fs): each drains its own outbox
 * partition, and a node adopts the partition of a node that stopped renewing its lease.
 * docs/notifications.md#several-origin-nodes-on-one-backend.
 */
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3EventRecord } from '@bucketfront/notifications';
import { makeS3Client, makeTestCredentials, startWebhookReceiver } from '@bucketfront/test-support';
import { expect, it } from 'vitest';
import { startOrigin, type RunningOrigin } from '../src/index.js';
import { startTestOrigin } from './fixtures/test-origin.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:cluster';

it('a node adopts the outbox partition of a node that stopped (its lease went stale) and delivers its events', async () => {
  const backend = await startTestOrigin();
  const receiver = await startWebhookReceiver();
  const credentials = makeTestCredentials();
  const node = (nodeId: string): Promise<RunningOrigin> =>
    startOrigin({
      store: `s3:${backend.url}`,
      storeCredentials: backend.credentials,
      credentials,
      port: 0,
      accessLog: false,
      notifications: {
        destinations: [{ type: 'webhook', arn: ARN, url: receiver.url, timeoutMs: 1000 }],
        nodeId,
        adoptAfterMs: 1500,
        delivery: { maxAttempts: 1000, initialBackoffMs: 50, maxBackoffMs: 300 },
      },
    });
  const a = await node('node-a');
  const b = await node('node-b');
  try {
    await receiver.down();
    const s3 = makeS3Client(a.url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: 'cluster' }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'cluster', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: ARN, Events: ['s3:ObjectCreated:*'] }] } }));
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'cluster', Key: key, Body: key }));
    s3.destroy();
    // Node A stops with its events undelivered: they stay in its partition, and its lease goes stale.
    await a.close();
    await receiver.up();
    await receiver.waitFor('the 20 records, delivered by node B', () => new Set(receiver.acknowledged.filter((p) => p.body.includes('"Records"')).map((p) => p.id)).size >= 20, 60_000);
    const delivered = receiver.acknowledged.filter((p) => p.body.includes('"Records"')).map((p) => (JSON.parse(p.body) as { Records: S3EventRecord[] }).Records[0]!.s3.object.key);
    expect([...new Set(delivered)].sort()).toEqual([...keys].sort());
    // And node B's own events still go out.
    const s3b = makeS3Client(b.url, credentials);
    await s3b.send(new PutObjectCommand({ Bucket: 'cluster', Key: 'from-b', Body: 'b' }));
    s3b.destroy();
    await receiver.waitFor("node B's own record", () => receiver.acknowledged.some((p) => p.body.includes('"key":"from-b"')));
  } finally {
    await a.close();
    await b.close();
    await receiver.stop();
    await backend.stop();
  }
}, 120_000);
