/**
 * Several users (docs/users.md): persisted users and keys, each user's own buckets, the shared
 * bucket namespace, a key created or deleted beside a running origin counting within seconds,
 * and secrets sealed at rest. Real origin, SDK v3 clients per user, the `aws` CLI for one case.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  DeleteBucketCommand,
  GetBucketAclCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { openSystemServices } from '@bucketfront/object-store';
import { hasAwsCli, makeS3Client, runAws, s3ErrorOf, testStoreOptions } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserStore } from '../src/index.js';
import { canonicalOwnerId } from '../src/users/directory.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
let bob: { accessKeyId: string; secretAccessKey: string };
let bobId: string;
let bobS3: S3Client;

/** What `bucketfront admin` does: the origin's store, opened beside it. */
async function withUserStore<T>(fn: (users: UserStore) => Promise<T>): Promise<T> {
  const o = testStoreOptions(origin.dataDir);
  const svc = 'store' in o ? await openSystemServices(o.store, { credentials: o.storeCredentials, masterKeyFile: o.masterKeyFile }) : await openSystemServices(`fs:${o.dataDir}`);
  try {
    return await fn(await UserStore.open(svc.system, svc.keys));
  } finally {
    await svc.close();
  }
}

/** Retries `probe` until it resolves (the origin re-reads users every 2 s); the last error otherwise. */
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
  origin = await startTestOrigin();
  const created = await withUserStore((users) => users.createUser('bob', 'bob@example.com'));
  bob = created.key;
  bobId = created.user.id;
  bobS3 = makeS3Client(origin.url, bob);
  // A key created beside the running origin signs requests within seconds, without a restart.
  await eventually(() => bobS3.send(new ListBucketsCommand({})));
});

afterAll(async () => {
  bobS3?.destroy();
  await origin?.stop();
});

describe('users', () => {
  it('the first user keeps the canonical id sha256(access key id); a new user has its own', async () => {
    const list = await origin.s3.send(new ListBucketsCommand({}));
    expect(list.Owner).toEqual({ ID: canonicalOwnerId(origin.credentials.accessKeyId), DisplayName: 'bucketfront' });
    const bobs = await bobS3.send(new ListBucketsCommand({}));
    expect(bobs.Owner).toEqual({ ID: bobId, DisplayName: 'bob' });
    expect(bobId).toMatch(/^[0-9a-f]{64}$/);
    expect(bobId).not.toBe(list.Owner?.ID);
  });

  it('each user lists only its own buckets; CreateBucket of another user’s name is BucketAlreadyExists', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'alice-1' }));
    await bobS3.send(new CreateBucketCommand({ Bucket: 'bob-1' }));
    expect((await origin.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['alice-1']);
    expect((await bobS3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['bob-1']);

    const taken = await s3ErrorOf(bobS3.send(new CreateBucketCommand({ Bucket: 'alice-1' })));
    expect(taken.name).toBe('BucketAlreadyExists');
    expect(taken.$metadata.httpStatusCode).toBe(409);
    // Nothing changed: still Alice's.
    expect((await origin.s3.send(new GetBucketAclCommand({ Bucket: 'alice-1' }))).Owner?.ID).toBe(canonicalOwnerId(origin.credentials.accessKeyId));
    expect((await bobS3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['bob-1']);
  });

  it('the owner re-creating its bucket in us-east-1: 200 with the same ACL, BucketAlreadyExists with another', async () => {
    expect((await bobS3.send(new CreateBucketCommand({ Bucket: 'bob-1' }))).$metadata.httpStatusCode).toBe(200);
    const other = await s3ErrorOf(bobS3.send(new CreateBucketCommand({ Bucket: 'bob-1', ACL: 'public-read' })));
    expect(other.name).toBe('BucketAlreadyExists');
    expect((await bobS3.send(new GetBucketAclCommand({ Bucket: 'bob-1' }))).Grants).toHaveLength(1);
  });

  it('GetBucketAcl and ListObjects show the bucket’s owner', async () => {
    const acl = await bobS3.send(new GetBucketAclCommand({ Bucket: 'bob-1' }));
    expect(acl.Owner).toEqual({ ID: bobId, DisplayName: 'bob' });
    expect(acl.Grants?.[0]).toMatchObject({ Grantee: { ID: bobId, Type: 'CanonicalUser' }, Permission: 'FULL_CONTROL' });
    await bobS3.send(new PutObjectCommand({ Bucket: 'bob-1', Key: 'k', Body: 'x' }));
    const listed = await bobS3.send(new ListObjectsCommand({ Bucket: 'bob-1' }));
    expect(listed.Contents?.[0]?.Owner?.ID).toBe(bobId);
  });

  it('ListMultipartUploads and ListParts show the initiator', async () => {
    const { UploadId } = await bobS3.send(new CreateMultipartUploadCommand({ Bucket: 'bob-1', Key: 'mp' }));
    try {
      const uploads = await bobS3.send(new ListMultipartUploadsCommand({ Bucket: 'bob-1' }));
      expect(uploads.Uploads?.[0]).toMatchObject({ Initiator: { ID: bobId, DisplayName: 'bob' }, Owner: { ID: bobId, DisplayName: 'bob' } });
      const parts = await bobS3.send(new ListPartsCommand({ Bucket: 'bob-1', Key: 'mp', UploadId }));
      expect(parts.Initiator).toEqual({ ID: bobId, DisplayName: 'bob' });
    } finally {
      await bobS3.send(new AbortMultipartUploadCommand({ Bucket: 'bob-1', Key: 'mp', UploadId }));
    }
  });

  it('ListBuckets pages with max-buckets and a continuation token, and filters by prefix', async () => {
    await bobS3.send(new CreateBucketCommand({ Bucket: 'bob-2' }));
    const first = await bobS3.send(new ListBucketsCommand({ MaxBuckets: 1 }));
    expect(first.Buckets?.map((b) => b.Name)).toEqual(['bob-1']);
    expect(first.ContinuationToken).toBeTruthy();
    const second = await bobS3.send(new ListBucketsCommand({ MaxBuckets: 1, ContinuationToken: first.ContinuationToken }));
    expect(second.Buckets?.map((b) => b.Name)).toEqual(['bob-2']);
    expect(second.ContinuationToken).toBeUndefined();
    expect((await bobS3.send(new ListBucketsCommand({ Prefix: 'bob-2' }))).Buckets?.map((b) => b.Name)).toEqual(['bob-2']);
    const bad = await s3ErrorOf(bobS3.send(new ListBucketsCommand({ MaxBuckets: 0 })));
    expect(bad.name).toBe('InvalidArgument');
    await bobS3.send(new DeleteBucketCommand({ Bucket: 'bob-2' }));
  });

  it('the aws CLI lists the caller’s buckets', async () => {
    if (!hasAwsCli()) return;
    const r = await runAws(['s3api', 'list-buckets', '--output', 'json'], { endpointUrl: origin.url, credentials: bob });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { Buckets: Array<{ Name: string }>; Owner: { ID: string } };
    expect(doc.Buckets.map((b) => b.Name)).toEqual(['bob-1']);
    expect(doc.Owner.ID).toBe(bobId);
  });

  it('no secret is readable in plain text in the data directory (the store has a master key)', async () => {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    await walk(origin.dataDir);
    const userDocs = files.filter((f) => /users\.\d+$/.test(f));
    expect(userDocs.length).toBeGreaterThan(0);
    for (const f of files) expect((await fsp.readFile(f)).includes(bob.secretAccessKey), f).toBe(false);
  });

  it('a key deleted beside the running origin is refused with InvalidAccessKeyId within seconds', async () => {
    const second = await withUserStore((users) => users.createKey('bob'));
    const s3 = makeS3Client(origin.url, second);
    try {
      await eventually(() => s3.send(new ListBucketsCommand({})));
      await withUserStore((users) => users.deleteKey(second.accessKeyId));
      const refused = await eventually(async () => {
        const err = await s3ErrorOf(s3.send(new ListBucketsCommand({})));
        return err;
      });
      expect(refused.name).toBe('InvalidAccessKeyId');
      expect(refused.$metadata.httpStatusCode).toBe(403);
    } finally {
      s3.destroy();
    }
    // Bob's first key still works.
    expect((await bobS3.send(new ListBucketsCommand({}))).Owner?.ID).toBe(bobId);
  });

  it('a user owning buckets cannot be deleted; the first user never; its configured key cannot be deleted', async () => {
    await expect(withUserStore((users) => users.deleteUser('bob', async () => ['bob-1']))).rejects.toThrow(/owns 1 bucket/);
    await expect(withUserStore((users) => users.deleteUser('bucketfront', async () => []))).rejects.toThrow(/first user/);
    await expect(withUserStore((users) => users.deleteKey(origin.credentials.accessKeyId))).rejects.toThrow(/configured key/);
    await expect(withUserStore((users) => users.createUser('bob'))).rejects.toThrow(/already exists/);
  });
});
