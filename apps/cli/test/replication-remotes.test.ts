/**
 * `bucketfront replication add-remote|list-remotes|remove-remote` against a running origin's store
 * (docs/replication.md#remotes): the next PutBucketReplication finds its destination on the remote
 * without a restart; the secret is never printed and not stored in clear (fs store with its master key).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketReplicationCommand, PutBucketVersioningCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliTestbed, type CliTestbed } from './helpers.js';

let bed: CliTestbed;
let dest: TestOrigin;

const replication = (...args: string[]) => runCli(['replication', ...args, '--data', bed.origin.dataDir], bed.env);
/** `replication add-remote` for eu-west-1 with `args`, `env` added to the CLI's and `stdin` piped. */
const addRemote = (args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) =>
  runCli(
    ['replication', 'add-remote', '--region', 'eu-west-1', '--endpoint', dest.url, ...args, '--data', bed.origin.dataDir],
    { ...bed.env, ...opts.env },
    {
      input: opts.stdin === undefined ? undefined : Buffer.from(opts.stdin),
    },
  );
const WARNING = 'warning: --secret-access-key on the command line is visible to other users';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}

beforeAll(async () => {
  bed = await startCliTestbed('bf-replication-remotes-');
  dest = await startTestOrigin({ region: 'eu-west-1' });
  for (const [s3, bucket] of [
    [bed.origin.s3, 'src'],
    [dest.s3, 'dst'],
  ] as const) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
});
afterAll(async () => {
  await dest?.stop();
  await bed?.origin.stop();
  await bed?.tmp.cleanup();
});

describe('bucketfront replication', () => {
  const put = () =>
    bed.origin.s3.send(
      new PutBucketReplicationCommand({
        Bucket: 'src',
        ReplicationConfiguration: { Role: 'arn:aws:iam::1:role/r', Rules: [{ Status: 'Enabled', Prefix: '', Destination: { Bucket: 'arn:aws:s3:::dst' } }] },
      }),
    );

  it('add-remote → PutBucketReplication finds the destination; list-remotes shows no secret; remove-remote', async () => {
    const secret = dest.credentials.secretAccessKey;
    const added = await addRemote(['--access-key-id', dest.credentials.accessKeyId, '--secret-access-key-stdin'], { stdin: `${secret}\n` });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^eu-west-1\\t${dest.url}\\t${dest.credentials.accessKeyId}\\t`));
    expect(added.stderr).toBe('');
    expect(added.stdout + added.stderr).not.toContain(secret);

    // The remote's key (read from stdin, line ending dropped) signs HeadBucket on the destination.
    await put();

    const listed = await replication('list-remotes', '--json');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ Remotes: [{ Region: 'eu-west-1', Endpoint: dest.url, AccessKeyId: dest.credentials.accessKeyId }] });
    expect(listed.stdout).not.toContain(secret);
    // Sealed with the store's master key: no file of the store holds the secret in clear.
    for (const file of await filesUnder(bed.origin.dataDir)) expect((await readFile(file)).includes(secret), file).toBe(false);

    const removed = await replication('remove-remote', 'eu-west-1');
    expect(removed.code, removed.stderr).toBe(0);
    expect((await replication('list-remotes')).stdout).toBe('');
    const err = await put().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3ServiceException);
    expect((err as S3ServiceException).message).toBe('Destination bucket must exist.');
  });

  it('the key id and secret from $BUCKETFRONT_REMOTE_ACCESS_KEY_ID / $BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY, no warning', async () => {
    const secret = dest.credentials.secretAccessKey;
    const added = await addRemote([], { env: { BUCKETFRONT_REMOTE_ACCESS_KEY_ID: dest.credentials.accessKeyId, BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY: secret } });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^eu-west-1\\t${dest.url}\\t${dest.credentials.accessKeyId}\\t`));
    expect(added.stderr).toBe('');
    expect(added.stdout).not.toContain(secret);
    await put();
    expect((await replication('remove-remote', 'eu-west-1')).code).toBe(0);
  });

  it('--secret-access-key on the command line works with a warning on stderr naming the safer inputs, never the secret', async () => {
    const secret = dest.credentials.secretAccessKey;
    const added = await addRemote(['--access-key-id', dest.credentials.accessKeyId, '--secret-access-key', secret]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toContain(WARNING);
    expect(added.stderr).toContain('--secret-access-key-stdin');
    expect(added.stderr).toContain('$BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY');
    expect(added.stdout + added.stderr).not.toContain(secret);
    await put();
    expect((await replication('remove-remote', 'eu-west-1')).code).toBe(0);
  });

  it('refusals: missing flags, no secret, two secrets, an empty stdin (exit 2), a bad endpoint and an unknown region (exit 1)', async () => {
    const missing = await replication('add-remote', '--region', 'eu-west-1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'add-remote needs --endpoint, --access-key-id (or $BUCKETFRONT_REMOTE_ACCESS_KEY_ID), the secret access key (--secret-access-key-stdin, $BUCKETFRONT_REMOTE_SECRET_ACCESS_KEY or --secret-access-key)',
    );
    const noSecret = await addRemote(['--access-key-id', 'a']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('add-remote needs the secret access key (--secret-access-key-stdin');
    const two = await addRemote(['--access-key-id', 'a', '--secret-access-key', 'sekrit-two', '--secret-access-key-stdin'], { stdin: 'sekrit-one\n' });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('give --secret-access-key or --secret-access-key-stdin, not both');
    expect(two.stderr).not.toMatch(/sekrit/);
    const empty = await addRemote(['--access-key-id', 'a', '--secret-access-key-stdin'], { stdin: '\n' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--secret-access-key-stdin read an empty line');
    const bad = await addRemote(['--endpoint', 'ftp://x', '--access-key-id', 'a', '--secret-access-key-stdin'], { stdin: 'b' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('http(s)://host[:port]');
    expect((await replication('list-remotes')).stdout).toBe('');
    const unknown = await replication('remove-remote', 'mars-1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no remote for region mars-1');
  });
});
