/**
 * The whole path with no broker: a PutObject on a real origin whose bucket notification
 * configuration names a webhook destination → the origin's outbox sender POSTs the S3 event to
 * the runtime's webhook trigger → the function writes through context.s3 → the 200 acknowledges
 * the message. The runtime starts first (the destination needs its URL) and learns the origin's
 * address afterwards (setOrigin). The same through RabbitMQ: the origin's amqp destination
 * publishes to an exchange, the AMQP trigger's queue is bound to it.
 */
import { GetObjectCommand, CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { hasMachineRabbitMq } from '@bucketfront/test-support';
import { connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InvocationReport, type RunningFunctions, startFunctions } from '../src/index.js';

const handlers = fileURLToPath(new URL('./fixtures/handlers/', import.meta.url));
const ARN = 'arn:bucketfront:lambda:us-east-1:000000000000:copy';

describe('origin event notifications → webhook trigger', () => {
  let origin: TestOrigin;
  let fns: RunningFunctions;
  const reports: InvocationReport[] = [];

  beforeAll(async () => {
    fns = await startFunctions({
      config: {
        // Replaced by setOrigin once the origin runs.
        origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'pending', secretAccessKey: 'pending' },
        listen: { port: 0 },
        functions: [{ name: 'copy', handler: 'copy-to-bucket.mjs', trigger: { type: 'webhook' }, environment: { TARGET_BUCKET: 'results' } }],
      },
      baseDir: handlers,
      onInvocation: (r) => reports.push(r),
    });
    origin = await startTestOrigin({ notifications: { destinations: [{ arn: ARN, type: 'webhook', url: fns.webhookUrlOf('copy'), timeoutMs: 60_000 }] } });
    fns.setOrigin({ endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey });
    for (const Bucket of ['uploads', 'results']) await origin.s3.send(new CreateBucketCommand({ Bucket }));
    await origin.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: 'uploads',
        NotificationConfiguration: { LambdaFunctionConfigurations: [{ Id: 'copy', LambdaFunctionArn: ARN, Events: ['s3:ObjectCreated:*'] }] },
      }),
    );
  });
  afterAll(async () => {
    await origin?.stop();
    await fns?.close();
  });

  it('runs the function for an object written to the bucket, with the event the origin sent', async () => {
    const put = await origin.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'dir/a file.txt', Body: 'hello' }));
    let body: string | undefined;
    for (let delay = 20; body === undefined; delay = Math.min(delay * 2, 500)) {
      try {
        body = await (await origin.s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'seen/dir/a file.txt' }))).Body!.transformToString();
      } catch (err) {
        if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    // The handler wrote the ETag from the event record: the origin's, without quotes.
    expect(body).toBe(put.ETag!.replaceAll('"', ''));
    expect(reports.filter((r) => r.key === 'dir/a file.txt').map((r) => r.outcome)).toEqual(['success']);
  });
});

const rabbitMq = await hasMachineRabbitMq();
const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';

describe.skipIf(!rabbitMq)('origin event notifications → RabbitMQ → AMQP trigger (127.0.0.1:5672)', () => {
  it('runs the function for an object written to the bucket, through the origin’s amqp destination', async () => {
    const exchange = `bucketfront-functions-e2e-${randomUUID()}`;
    const queue = `bucketfront-functions-e2e-${randomUUID()}`;
    const arn = 'arn:bucketfront:sqs:us-east-1:000000000000:copy-queue';
    const setup = await connect(RABBITMQ);
    const channel = await setup.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const fns = await startFunctions({
      config: {
        origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'pending', secretAccessKey: 'pending' },
        functions: [{ name: 'copy', handler: 'copy-to-bucket.mjs', trigger: { type: 'amqp', url: RABBITMQ, queue, exchange, routingKey: 's3.#' }, environment: { TARGET_BUCKET: 'results' } }],
      },
      baseDir: handlers,
    });
    const origin = await startTestOrigin({ notifications: { destinations: [{ arn, type: 'amqp', url: RABBITMQ, exchange, routingKey: 's3.uploads' }] } });
    try {
      fns.setOrigin({ endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey });
      for (const Bucket of ['uploads', 'results']) await origin.s3.send(new CreateBucketCommand({ Bucket }));
      await origin.s3.send(
        new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { QueueConfigurations: [{ Id: 'q', QueueArn: arn, Events: ['s3:ObjectCreated:*'] }] } }),
      );
      const put = await origin.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'via-amqp.txt', Body: 'hello' }));
      let body: string | undefined;
      for (let delay = 20; body === undefined; delay = Math.min(delay * 2, 500)) {
        try {
          body = await (await origin.s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'seen/via-amqp.txt' }))).Body!.transformToString();
        } catch (err) {
          if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
      expect(body).toBe(put.ETag!.replaceAll('"', ''));
    } finally {
      await origin.stop();
      await fns.close();
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await setup.close();
    }
  });
});
