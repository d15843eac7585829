/** `bucketfront origin --config FILE`: the `notifications:` section (YAML or JSON), its errors, and events reaching a webhook. */
import type { ChildProcess } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client, makeTempDir, makeTestCredentials, startWebhookReceiver, type TempDir, type WebhookReceiver } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from './helpers.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:cli-events';
let tmp: TempDir;
let receiver: WebhookReceiver;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-cli-origin-config-');
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await receiver?.stop();
  await tmp?.cleanup();
});

describe('bucketfront origin --config', () => {
  it.each([
    ['an unknown section', 'bad1.yaml', 'notifs:\n  destinations: []\n', /bad1\.yaml: notifs: is not a known field/],
    ['a destination without its url', 'bad2.yaml', `notifications:\n  destinations:\n    - type: webhook\n      arn: ${ARN}\n`, /notifications\.destinations\[0\]\.url: is required/],
    ['a bad delivery policy', 'bad3.json', JSON.stringify({ notifications: { destinations: [], delivery: { maxAttempts: 0 } } }), /notifications\.delivery\.maxAttempts: must be a whole number/],
    ['a reserved node id', 'bad4.yaml', 'notifications:\n  nodeId: dead-letter\n  destinations: []\n', /notifications\.nodeId: .*reserved/],
    ['YAML that does not parse', 'bad5.yaml', 'notifications: [\n', /bad5\.yaml: cannot parse/],
    ['an unknown replication field', 'bad6.yaml', 'replication:\n  threads: 8\n', /bad6\.yaml: replication\.threads: is not a known field/],
    ['a replication concurrency of 0', 'bad7.json', JSON.stringify({ replication: { concurrency: 0 } }), /replication\.concurrency: must be a whole number from 1 to 256/],
    [
      'a backoff that starts above its cap',
      'bad8.yaml',
      'replication:\n  initialBackoffMs: 5000\n  maxBackoffMs: 1000\n',
      /replication\.initialBackoffMs \(5000\) must not exceed replication\.maxBackoffMs \(1000\)/,
    ],
    ['a replication node id with a slash', 'bad9.yaml', 'replication:\n  nodeId: a/b\n', /replication\.nodeId: "a\/b" must be 1–122 letters/],
  ])('%s: exit code 2, the field named on stderr', async (_name, file, text, message) => {
    const path = join(tmp.path, file);
    await writeFile(path, text);
    const r = await runCli(['origin', '--port', '0', '--data', join(tmp.path, 'data-bad'), '--config', path], process.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a YAML notifications section: the origin starts with it and delivers events to the webhook', async () => {
    const credentials = makeTestCredentials();
    const config = join(tmp.path, 'origin.yaml');
    await writeFile(
      config,
      [
        'notifications:',
        '  nodeId: cli-node',
        '  delivery: { maxAttempts: 5, initialBackoffMs: 50, maxBackoffMs: 500 }',
        '  destinations:',
        '    - type: webhook',
        `      arn: ${ARN}`,
        `      url: ${receiver.url}`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env, BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const child = spawnCli(['origin', '--port', '0', '--data', join(tmp.path, 'data'), '--no-access-log', '--config', config], env);
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.stdout!.resume();
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /S3 API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m && /notifications:\s+1 destination\(s\), outbox partition cli-node/.test(stderr)) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const s3 = makeS3Client(url, credentials);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'cli-events' }));
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'cli-events', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: ARN, Events: ['s3:ObjectCreated:*'] }] } }));
      await s3.send(new PutObjectCommand({ Bucket: 'cli-events', Key: 'hello.txt', Body: 'hi' }));
      await receiver.waitFor('the test event and one record', () => receiver.acknowledged.some((p) => p.body.includes('"key":"hello.txt"')));
      expect(receiver.acknowledged.some((p) => p.body.includes('s3:TestEvent'))).toBe(true);
    } finally {
      s3.destroy();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

describe('bucketfront origin --config: the replication section', () => {
  it('the origin starts with it: its node id names the replication lease in the store', async () => {
    const credentials = makeTestCredentials();
    const config = join(tmp.path, 'replication.yaml');
    await writeFile(config, 'replication:\n  nodeId: repl-node-7\n  concurrency: 8\n  initialBackoffMs: 200\n  maxBackoffMs: 5000\n');
    const data = join(tmp.path, 'data-repl');
    const env = { ...process.env, BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const child = spawnCli(['origin', '--port', '0', '--data', data, '--no-access-log', '--config', config], env);
    children.push(child);
    const stderr = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout!.resume();
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        text += d;
        if (/S3 API:/.test(text) && /replication: .*\n/.test(text)) resolve(text);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${text}`)));
    });
    try {
      expect(stderr).toMatch(/replication:\s+node repl-node-7, concurrency 8, backoff 200–5000 ms/);
      const found = await findFile(data, (name) => name.includes('repl.repl-node-7'));
      expect(found, 'a lease or partition named after the configured node id').toBeDefined();
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);
});

/** The first path under `dir` whose name satisfies `match`. */
async function findFile(dir: string, match: (name: string) => boolean): Promise<string | undefined> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) if (match(entry.name)) return join(entry.parentPath, entry.name);
  return undefined;
}
