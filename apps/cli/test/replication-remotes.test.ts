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
    const added = await replication('add-remote', '--region', 'eu-west-1', '--endpoint', dest.url, '--access-key-id', dest.credentials.accessKeyId, '--secret-access-key', secret);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`^eu-west-1\\t${dest.url}\\t${dest.credentials.accessKeyId}\\t`));
    expect(added.stdout + added.stderr).not.toContain(secret);

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

  it('refusals: missing flags (exit 2), a bad endpoint and an unknown region (exit 1)', async () => {
    const missing = await replication('add-remote', '--region', 'eu-west-1');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--endpoint, --access-key-id, --secret-access-key');
    const bad = await replication('add-remote', '--region', 'eu-west-1', '--endpoint', 'ftp://x', '--access-key-id', 'a', '--secret-access-key', 'b');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('http(s)://host[:port]');
    const unknown = await replication('remove-remote', 'mars-1');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no remote for region mars-1');
  });
});
