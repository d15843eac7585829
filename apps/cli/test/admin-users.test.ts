/**
 * `bucketfront admin user|key …` against a running origin's store (docs/users.md): a user and key
 * created by the CLI sign requests within seconds without a restart, a deleted key is refused
 * with InvalidAccessKeyId, and the refusals (a user owning buckets, the first user's configured key).
 */
import { CreateBucketCommand, DeleteBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { makeS3Client, s3ErrorOf, testStoreOptions } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCliTestbed, type CliTestbed } from './helpers.js';

let bed: CliTestbed;

/** `--data DIR`, or the cluster store and its master key in ceph mode. */
function storeArgs(): { args: string[]; env: NodeJS.ProcessEnv } {
  const o = testStoreOptions(bed.origin.dataDir);
  if (!('store' in o)) return { args: ['--data', o.dataDir], env: {} };
  return {
    args: ['--store', o.store],
    env: { BUCKETFRONT_STORE_ACCESS_KEY_ID: o.storeCredentials.accessKeyId, BUCKETFRONT_STORE_SECRET_ACCESS_KEY: o.storeCredentials.secretAccessKey, BUCKETFRONT_MASTER_KEY_FILE: o.masterKeyFile },
  };
}

async function admin(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const s = storeArgs();
  return runCli(['admin', ...args, ...s.args], { ...bed.env, ...s.env });
}

async function eventually<T>(probe: () => Promise<T>, attempts = 60): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await probe();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  bed = await startCliTestbed('bf-admin-users-');
});

afterAll(async () => {
  await bed?.origin.stop();
  await bed?.tmp.cleanup();
});

describe('bucketfront admin', () => {
  it('user create → the key works on the running origin; list; key create/list/delete; user delete', async () => {
    const created = await admin('user', 'create', 'carol', '--email', 'carol@example.com', '--json');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(/shown only now/);
    const doc = JSON.parse(created.stdout) as { User: { UserName: string; CanonicalId: string; Email: string }; AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
    expect(doc.User).toMatchObject({ UserName: 'carol', Email: 'carol@example.com' });
    const carol = { accessKeyId: doc.AccessKey.AccessKeyId, secretAccessKey: doc.AccessKey.SecretAccessKey };
    const s3 = makeS3Client(bed.origin.url, carol);
    try {
      const mine = await eventually(() => s3.send(new ListBucketsCommand({})));
      expect(mine.Owner?.ID).toBe(doc.User.CanonicalId);

      const users = await admin('user', 'list', '--json');
      expect(users.code, users.stderr).toBe(0);
      const names = (JSON.parse(users.stdout) as { Users: Array<{ UserName: string; FirstUser: boolean }> }).Users.map((u) => [u.UserName, u.FirstUser]);
      expect(names).toEqual([
        ['bucketfront', true],
        ['carol', false],
      ]);
      const table = await admin('user', 'list');
      expect(table.stdout).toMatch(/^carol\t[0-9a-f]{64}\tcarol@example.com\t/m);
      expect(table.stdout).not.toContain(carol.secretAccessKey);

      const second = await admin('key', 'create', 'carol');
      expect(second.code, second.stderr).toBe(0);
      const secondId = /^AccessKeyId\t(\S+)$/m.exec(second.stdout)![1]!;
      const keys = await admin('key', 'list', 'carol', '--json');
      expect((JSON.parse(keys.stdout) as { AccessKeys: Array<{ AccessKeyId: string }> }).AccessKeys.map((k) => k.AccessKeyId).sort()).toEqual([carol.accessKeyId, secondId].sort());

      // A user owning a bucket is not deleted; nothing changes.
      await s3.send(new CreateBucketCommand({ Bucket: 'carols' }));
      const refused = await admin('user', 'delete', 'carol');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/carol owns 1 bucket\(s\) \(carols\): delete them first/);
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['carols']);

      // The first user's configured key is not deletable here.
      const configured = await admin('key', 'delete', bed.origin.credentials.accessKeyId);
      expect(configured.code).toBe(1);
      expect(configured.stderr).toMatch(/first user's configured key/);

      // A deleted key is refused with InvalidAccessKeyId, within seconds.
      const del = await admin('key', 'delete', carol.accessKeyId);
      expect(del.code, del.stderr).toBe(0);
      const gone = await eventually(() => s3ErrorOf(s3.send(new ListBucketsCommand({}))));
      expect(gone.name).toBe('InvalidAccessKeyId');

      const s3b = makeS3Client(bed.origin.url, { accessKeyId: secondId, secretAccessKey: /^SecretAccessKey\t(\S+)$/m.exec(second.stdout)![1]! });
      try {
        await eventually(() => s3b.send(new DeleteBucketCommand({ Bucket: 'carols' })));
      } finally {
        s3b.destroy();
      }
      const deleted = await admin('user', 'delete', 'carol');
      expect(deleted.code, deleted.stderr).toBe(0);
      expect((await admin('user', 'list')).stdout).not.toMatch(/^carol\t/m);
    } finally {
      s3.destroy();
    }
  }, 300_000);

  it('bad input: an unknown user, a taken name, an invalid name', async () => {
    const unknown = await admin('key', 'create', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no user named nobody/);
    const taken = await admin('user', 'create', 'bucketfront');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already exists/);
    const invalid = await admin('user', 'create', 'no spaces');
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/a user name is/);
  }, 120_000);
});
