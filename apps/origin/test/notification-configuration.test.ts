/**
 * PutBucketNotificationConfiguration / GetBucketNotificationConfiguration against the origin with
 * the AWS SDK v3, the aws CLI and signed raw requests (bodies the SDK would never build).
 * docs/notifications.md#configuration.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, type NotificationConfiguration, type S3Client } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { hasAwsCli, makeTempDir, runAws, s3ErrorOf, startWebhookReceiver, type WebhookReceiver } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const QUEUE = 'arn:bucketfront:sqs:us-east-1:000000000000:uploads';
const TOPIC = 'arn:bucketfront:sns:us-east-1:000000000000:changes';
const FUNCTION = 'arn:bucketfront:lambda:us-east-1:000000000000:function:thumbnails';
const UNKNOWN = 'arn:bucketfront:sqs:us-east-1:000000000000:nobody';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

let origin: TestOrigin;
let s3: S3Client;
let receiver: WebhookReceiver;
const bucket = 'notify-config';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  origin = await startTestOrigin({
    notifications: { destinations: [QUEUE, TOPIC, FUNCTION].map((arn) => ({ type: 'webhook', arn, url: receiver.url })), nodeId: 'config-test' },
  });
  s3 = origin.s3;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
  await receiver?.stop();
});

const get = () => s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
const put = (NotificationConfiguration: NotificationConfiguration, SkipDestinationValidation?: boolean) =>
  s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration, ...(SkipDestinationValidation ? { SkipDestinationValidation } : {}) }));

async function signedPut(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = `${origin.url}/${bucket}?notification`;
  const auth = signRequest({ method: 'PUT', url, headers, body, credentials: origin.credentials, region: 'us-east-1', service: 's3' });
  const res = await request(url, { method: 'PUT', headers: { ...headers, ...auth }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('notification configuration over the SDK', () => {
  it('GET of a bucket without one: an empty NotificationConfiguration (200)', async () => {
    const none = await get();
    expect(none.$metadata.httpStatusCode).toBe(200);
    expect(none.QueueConfigurations ?? []).toEqual([]);
    expect(none.TopicConfigurations ?? []).toEqual([]);
    expect(none.LambdaFunctionConfigurations ?? []).toEqual([]);
  });

  it('round trip: queue, topic and function configurations with filters; a missing Id is generated; each destination gets a test event', async () => {
    const before = receiver.acknowledged.length;
    await put({
      QueueConfigurations: [
        {
          Id: 'uploads',
          QueueArn: QUEUE,
          Events: ['s3:ObjectCreated:*'],
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
      TopicConfigurations: [{ TopicArn: TOPIC, Events: ['s3:ObjectRemoved:*'] }],
      LambdaFunctionConfigurations: [{ Id: 'thumbs', LambdaFunctionArn: FUNCTION, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'photos/' }] } } }],
    });
    const got = await get();
    expect(got.QueueConfigurations).toEqual([
      {
        Id: 'uploads',
        QueueArn: QUEUE,
        Events: ['s3:ObjectCreated:*'],
        Filter: {
          Key: {
            FilterRules: [
              { Name: 'Prefix', Value: 'in/' },
              { Name: 'Suffix', Value: '.jpg' },
            ],
          },
        },
      },
    ]);
    expect(got.TopicConfigurations).toEqual([{ Id: expect.stringMatching(/^[A-Za-z0-9+/=]{20,}$/), TopicArn: TOPIC, Events: ['s3:ObjectRemoved:*'] }]);
    expect(got.LambdaFunctionConfigurations).toEqual([
      { Id: 'thumbs', LambdaFunctionArn: FUNCTION, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'Prefix', Value: 'photos/' }] } } },
    ]);
    // The stored Id stays: a second GET answers the same.
    expect((await get()).TopicConfigurations![0]!.Id).toBe(got.TopicConfigurations![0]!.Id);
    await receiver.waitFor('3 test events', () => receiver.acknowledged.length >= before + 3);
    const tests = receiver.acknowledged.slice(before).map((p) => JSON.parse(p.body) as Record<string, string>);
    for (const t of tests) expect(t).toMatchObject({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: bucket, RequestId: expect.any(String) });
  });

  it('an ARN this origin does not declare → 400 InvalidArgument "Unable to validate…"; stored with SkipDestinationValidation', async () => {
    const err = await s3ErrorOf(put({ QueueConfigurations: [{ QueueArn: UNKNOWN, Events: ['s3:ObjectCreated:*'] }] }));
    expect(err.name).toBe('InvalidArgument');
    expect(err.message).toBe('Unable to validate the following destination configurations');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect((err as unknown as Record<string, string>).ArgumentName).toBe(UNKNOWN);
    // The previous configuration is untouched.
    expect((await get()).QueueConfigurations![0]!.Id).toBe('uploads');

    await put({ QueueConfigurations: [{ Id: 'skipped', QueueArn: UNKNOWN, Events: ['s3:ObjectCreated:*'] }] }, true);
    expect((await get()).QueueConfigurations).toEqual([{ Id: 'skipped', QueueArn: UNKNOWN, Events: ['s3:ObjectCreated:*'] }]);
  });

  it('an unknown event and overlapping filters → 400 InvalidArgument', async () => {
    const unknown = await s3ErrorOf(put({ QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:Nope' as 's3:ObjectCreated:*'] }] }));
    expect([unknown.name, unknown.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    const overlap = await s3ErrorOf(
      put({
        QueueConfigurations: [{ QueueArn: QUEUE, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/' }] } } }],
        TopicConfigurations: [{ TopicArn: TOPIC, Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'a/b' }] } } }],
      }),
    );
    expect([overlap.name, overlap.message]).toEqual(['InvalidArgument', 'Configurations overlap. Configurations on the same bucket cannot share a common event type.']);
  });

  it('signed raw bodies: MalformedXML, duplicate filter rules, an empty body; an empty configuration removes it', async () => {
    expect(await signedPut('<NotificationConfiguration>')).toMatchObject({ status: 400, text: expect.stringContaining('<Code>MalformedXML</Code>') });
    const twoPrefixes = `<NotificationConfiguration ${NS}><QueueConfiguration><Queue>${QUEUE}</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule><FilterRule><Name>prefix</Name><Value>b</Value></FilterRule></S3Key></Filter></QueueConfiguration></NotificationConfiguration>`;
    expect(await signedPut(twoPrefixes)).toMatchObject({ status: 400, text: expect.stringContaining('<Code>InvalidArgument</Code>') });
    expect(await signedPut('')).toMatchObject({ status: 400, text: expect.stringContaining('<Code>MissingRequestBodyError</Code>') });
    expect((await signedPut(`<NotificationConfiguration ${NS}/>`)).status).toBe(200);
    expect((await get()).QueueConfigurations ?? []).toEqual([]);
  });

  it('a missing bucket → NoSuchBucket', async () => {
    const err = await s3ErrorOf(s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'no-such-bucket-here' })));
    expect(err.name).toBe('NoSuchBucket');
  });
});

// Skips loudly without the aws CLI, and fails under CI (tests/support tools.ts).
const cli = hasAwsCli();

describe.skipIf(!cli)('notification configuration over the aws CLI', () => {
  it('put-bucket-notification-configuration / get-bucket-notification-configuration round trip', async () => {
    const tmp = await makeTempDir('bucketfront-notify-cli-');
    try {
      const file = join(tmp.path, 'config.json');
      const config = { QueueConfigurations: [{ Id: 'cli', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.log' }] } } }] };
      await writeFile(file, JSON.stringify(config));
      const opts = { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 };
      const putOut = await runAws(['s3api', 'put-bucket-notification-configuration', '--bucket', bucket, '--notification-configuration', `file://${file}`], opts);
      expect(putOut.code, putOut.stderr).toBe(0);
      const getOut = await runAws(['s3api', 'get-bucket-notification-configuration', '--bucket', bucket], opts);
      expect(getOut.code, getOut.stderr).toBe(0);
      expect(JSON.parse(getOut.stdout)).toEqual({
        QueueConfigurations: [{ Id: 'cli', QueueArn: QUEUE, Events: ['s3:ObjectRemoved:*'], Filter: { Key: { FilterRules: [{ Name: 'Suffix', Value: '.log' }] } } }],
      });
      const bad = await runAws(
        [
          's3api',
          'put-bucket-notification-configuration',
          '--bucket',
          bucket,
          '--notification-configuration',
          JSON.stringify({ QueueConfigurations: [{ QueueArn: UNKNOWN, Events: ['s3:ObjectCreated:*'] }] }),
        ],
        opts,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('InvalidArgument');
      const skipped = await runAws(
        [
          's3api',
          'put-bucket-notification-configuration',
          '--bucket',
          bucket,
          '--skip-destination-validation',
          '--notification-configuration',
          JSON.stringify({ QueueConfigurations: [{ QueueArn: UNKNOWN, Events: ['s3:ObjectCreated:*'] }] }),
        ],
        opts,
      );
      expect(skipped.code, skipped.stderr).toBe(0);
    } finally {
      await tmp.cleanup();
    }
  });
});
