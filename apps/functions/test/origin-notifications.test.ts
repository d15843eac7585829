/**
 * The whole path with no broker: a PutObject on a real origin whose bucket notification
 * configuration names a webhook destination → the origin's outbox sender POSTs the S3 event to
 * the runtime's webhook trigger → the function writes through context.s3 → the 200 acknowledges
 * the message. The runtime starts first (the destination needs its URL) and learns the origin's
 * address afterwards (setOrigin).
 */
import { GetObjectCommand, CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { fileURLToPath } from 'node:url';
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
