/**
 * A function writing to a real origin through context.s3 (startTestOrigin), triggered by a webhook
 * POST and by a message on the machine's RabbitMQ (127.0.0.1:5672, amqplib), with the AMQP
 * acknowledgement rules: acked once handled, left on the queue when the failure cannot be recorded.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { hasMachineRabbitMq, makeTempDir } from '@bucketfront/test-support';
import { connect } from 'amqplib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningFunctions, startFunctions } from '../src/index.js';
import { s3Event } from './fixtures/s3-event.js';

const handlers = fileURLToPath(new URL('./fixtures/handlers/', import.meta.url));
const RABBITMQ = 'amqp://guest:guest@127.0.0.1:5672';
const rabbitMq = await hasMachineRabbitMq();

async function waitForObject(origin: TestOrigin, bucket: string, key: string): Promise<string> {
  for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
    try {
      const res = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await res.Body!.transformToString();
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

describe('context.s3 against a real origin', () => {
  let origin: TestOrigin;
  let fns: RunningFunctions | undefined;

  beforeAll(async () => {
    origin = await startTestOrigin();
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'results' }));
  });
  afterAll(async () => {
    await fns?.close();
    await origin?.stop();
  });

  it('writes an object with the function’s credentials (webhook trigger)', async () => {
    fns = await startFunctions({
      config: {
        origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
        listen: { port: 0 },
        functions: [{ name: 'copy', handler: 'copy-to-bucket.mjs', trigger: { type: 'webhook' }, environment: { TARGET_BUCKET: 'results' } }],
      },
      baseDir: handlers,
    });
    const res = await request(fns.webhookUrlOf('copy'), { method: 'POST', body: JSON.stringify(s3Event('uploads', 'a b/ç.txt', { eTag: 'abc123' })) });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toMatchObject({ status: 'success' });
    const body = await origin.s3.send(new GetObjectCommand({ Bucket: 'results', Key: 'seen/a b/ç.txt' }));
    expect(await body.Body!.transformToString()).toBe('abc123');
  });

  it('fails the invocation when the function’s own credentials are wrong (the origin refuses them)', async () => {
    const temp = await makeTempDir('bucketfront-functions-');
    const bad = await startFunctions({
      config: {
        origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
        listen: { port: 0 },
        functions: [
          {
            name: 'copy',
            handler: 'copy-to-bucket.mjs',
            trigger: { type: 'webhook' },
            retries: 0,
            credentials: { accessKeyId: 'AKIDWRONG', secretAccessKey: 'wrong' },
            environment: { TARGET_BUCKET: 'results' },
            onFailure: { type: 'file', path: join(temp.path, 'failures.jsonl') },
          },
        ],
      },
      baseDir: handlers,
    });
    try {
      const res = await request(bad.webhookUrlOf('copy'), { method: 'POST', body: JSON.stringify(s3Event('uploads', 'denied.txt')) });
      expect(await res.body.json()).toMatchObject({ status: 'failed' });
      const { readFile } = await import('node:fs/promises');
      const record = JSON.parse(await readFile(join(temp.path, 'failures.jsonl'), 'utf8')) as { responsePayload: { errorType: string } };
      expect(record.responsePayload.errorType).toBe('InvalidAccessKeyId');
    } finally {
      await bad.close();
      await temp.cleanup();
    }
  });

  describe.skipIf(!rabbitMq)('AMQP trigger (RabbitMQ 127.0.0.1:5672)', () => {
    it('consumes an S3 event from a queue bound to an exchange, runs the function and acks the message', async () => {
      const queue = `bucketfront-functions-test-${randomUUID()}`;
      const exchange = `bucketfront-functions-test-${randomUUID()}`;
      const setup = await connect(RABBITMQ);
      await (await setup.createChannel()).assertExchange(exchange, 'topic', { durable: false });
      await setup.close();
      const running = await startFunctions({
        config: {
          origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
          functions: [{ name: 'copy', handler: 'copy-to-bucket.mjs', trigger: { type: 'amqp', url: RABBITMQ, queue, exchange, routingKey: 'uploads.#' }, environment: { TARGET_BUCKET: 'results' } }],
        },
        baseDir: handlers,
      });
      const connection = await connect(RABBITMQ);
      try {
        const channel = await connection.createChannel();
        channel.publish(exchange, 'uploads.ObjectCreated', Buffer.from(JSON.stringify(s3Event('uploads', 'from-amqp.txt', { eTag: 'queued' }))), { persistent: true });
        expect(await waitForObject(origin, 'results', 'seen/from-amqp.txt')).toBe('queued');
        await running.close();
        // Acked: nothing waits on the queue once the consumer is gone.
        expect((await channel.checkQueue(queue)).messageCount).toBe(0);
        await channel.deleteQueue(queue);
        await channel.deleteExchange(exchange);
      } finally {
        await running.close();
        await connection.close();
      }
    });

    it('leaves an event on the queue when its failure cannot be recorded', async () => {
      const queue = `bucketfront-functions-test-${randomUUID()}`;
      const temp = await makeTempDir('bucketfront-functions-');
      const running = await startFunctions({
        config: {
          origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
          functions: [
            {
              name: 'throws',
              handler: 'throws.mjs',
              trigger: { type: 'amqp', url: RABBITMQ, queue },
              retries: 0,
              environment: { RECORD_FILE: join(temp.path, 'attempts.log') },
              // A folder that does not exist: the record cannot be written.
              onFailure: { type: 'file', path: join(temp.path, 'missing', 'failures.jsonl') },
            },
          ],
        },
        baseDir: handlers,
        log: () => undefined,
      });
      const connection = await connect(RABBITMQ);
      try {
        const channel = await connection.createChannel();
        channel.sendToQueue(queue, Buffer.from(JSON.stringify(s3Event('uploads', 'kept.txt'))), { persistent: true });
        // Wait until the handler ran at least once (it is redelivered and fails again meanwhile).
        const { readFile } = await import('node:fs/promises');
        for (let delay = 20; !(await readFile(join(temp.path, 'attempts.log'), 'utf8').catch(() => '')); delay = Math.min(delay * 2, 500)) await new Promise((r) => setTimeout(r, delay));
        await running.close();
        expect((await channel.checkQueue(queue)).messageCount).toBe(1);
        await channel.deleteQueue(queue);
      } finally {
        await running.close();
        await connection.close();
        await temp.cleanup();
      }
    });
  });
});
