/**
 * An origin on the s3 store (Ceph radosgw) as a replication destination
 * (docs/replication.md#the-s3-store): its replica writes go to radosgw as its system user with
 * `rgwx-version-id`, so every replica keeps its source's version id (ids the fs store made, some
 * with `_` and `-`), its delete markers too, owned by the store's ordinary user, in source order
 * (a backfilled delete marker by its own time). Without system keys, or with keys that are not a
 * system user's, a replica write is 501 and leaves nothing behind; keys radosgw does not know fail
 * the start.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { cephBucketPrefix, cephCluster, makeS3Client, makeTempDir, s3ErrorOf, withExtraHeaders } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLICA_SOURCE_TIME_HEADER, REPLICA_VERSION_HEADER } from '../src/replication/records.js';
import { metric, metricsOf, replicate, rule, sleep, startOn, startTwoRegions, statusOf, versionedBucket, versionsOf, waitFor, withRemotes } from './fixtures/replication.js';
import type { TestOrigin } from './fixtures/test-origin.js';

const ceph = cephCluster();
const MiB = 1024 * 1024;
const md5 = (b: Buffer | Uint8Array): string => createHash('md5').update(b).digest('hex');

async function bodyOf(s3: S3Client, Bucket: string, Key: string, VersionId: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe.skipIf(!ceph)('replication into an origin on the s3 store (Ceph radosgw)', () => {
  if (!ceph) return;
  let source: TestOrigin;
  let dest: TestOrigin;
  let removeDirs: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ source, dest, removeDirs } = await startTwoRegions('bucketfront-repl-into-ceph-', { dest: 'ceph' }));
  });
  afterAll(async () => {
    await source?.stop();
    await dest?.stop();
    await removeDirs?.();
  });

  it('versions (one multipart, one SSE-S3) and delete markers arrive under the source version ids, with their metadata, tags and ACL, owned by the store user', async () => {
    await versionedBucket(source.s3, 'site');
    await versionedBucket(dest.s3, 'site-copy');
    await replicate(source.s3, 'site', [rule('site-copy', { deleteMarkers: 'Enabled' })]);

    const written: Array<{ key: string; versionId: string; md5: string; size: number }> = [];
    const sizes = [0, 1, 4096, 17 * MiB, 300, 70_000];
    for (const [i, size] of sizes.entries()) {
      const body = randomBytes(size);
      const key = `assets/${i}.bin`;
      const put = await source.s3.send(
        new PutObjectCommand({
          Bucket: 'site',
          Key: key,
          Body: body,
          ContentType: `application/x-test-${i}`,
          CacheControl: 'max-age=60',
          Metadata: { index: String(i) },
          Tagging: `n=${i}`,
          ACL: 'public-read',
          ...(i === 4 ? { ServerSideEncryption: 'AES256' as const } : {}),
        }),
      );
      written.push({ key, versionId: put.VersionId!, md5: md5(body), size });
    }
    // Several versions of one key, then a delete marker on it, a second apart (radosgw orders
    // replicas by the second their source wrote them; within one second, by arrival).
    for (let n = 0; n < 3; n++) {
      await sleep(1100);
      const body = randomBytes(100 + n);
      const put = await source.s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'index.html', Body: body, ContentType: 'text/html' }));
      written.push({ key: 'index.html', versionId: put.VersionId!, md5: md5(body), size: body.length });
    }
    await sleep(1100);
    const marker = await source.s3.send(new DeleteObjectCommand({ Bucket: 'site', Key: 'index.html' }));
    expect(marker.DeleteMarker).toBe(true);

    for (const w of written) await waitFor(`${w.key} ${w.versionId} COMPLETED`, async () => (await statusOf(source.s3, 'site', w.key, w.versionId)) === 'COMPLETED', 120_000);
    // Every id the fs source made (32 base64url characters) is the replica's, and nothing else is there.
    const expected = [...written.map((w) => `${w.key} ${w.versionId}`), `index.html ${marker.VersionId} marker`].sort();
    await waitFor('the delete marker replicated', async () => (await versionsOf(dest.s3, 'site-copy')).length === expected.length, 60_000);
    expect(await versionsOf(dest.s3, 'site-copy')).toEqual(expected);
    for (const w of written) expect(w.versionId).toMatch(/^[A-Za-z0-9_-]{32}$/);

    for (const [i, w] of written.entries()) {
      const head = await dest.s3.send(new HeadObjectCommand({ Bucket: 'site-copy', Key: w.key, VersionId: w.versionId }));
      expect([head.VersionId, head.ReplicationStatus, head.ContentLength]).toEqual([w.versionId, 'REPLICA', w.size]);
      expect(md5(await bodyOf(dest.s3, 'site-copy', w.key, w.versionId))).toBe(w.md5);
      if (i < sizes.length) {
        expect([head.ContentType, head.CacheControl, head.Metadata]).toEqual([`application/x-test-${i}`, 'max-age=60', { index: String(i) }]);
        const tags = await dest.s3.send(new GetObjectTaggingCommand({ Bucket: 'site-copy', Key: w.key, VersionId: w.versionId }));
        expect(tags.TagSet).toEqual([{ Key: 'n', Value: String(i) }]);
        const acl = await dest.s3.send(new GetObjectAclCommand({ Bucket: 'site-copy', Key: w.key, VersionId: w.versionId }));
        expect(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ')).toBe(true);
      }
    }
    expect((await dest.s3.send(new HeadObjectCommand({ Bucket: 'site-copy', Key: written[4]!.key, VersionId: written[4]!.versionId }))).ServerSideEncryption).toBe('AES256');
    // The delete marker is current on the destination, under the source's id.
    expect((await s3ErrorOf(dest.s3.send(new GetObjectCommand({ Bucket: 'site-copy', Key: 'index.html' })))).name).toBe('NoSuchKey');

    // On radosgw itself: the versions are the ordinary user's (rgwx-uid), readable with its keys, under the same ids.
    const rgw = makeS3Client(ceph.endpoint, { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey });
    try {
      const user = (await rgw.send(new ListBucketsCommand({}))).Owner?.ID;
      expect(user).toBeTruthy();
      const backendBucket = `${cephBucketPrefix(dest.dataDir)}site-copy`;
      for (const w of written) {
        const acl = await rgw.send(new GetObjectAclCommand({ Bucket: backendBucket, Key: w.key, VersionId: w.versionId }));
        expect(acl.Owner?.ID).toBe(user);
      }
    } finally {
      rgw.destroy();
    }
  }, 300_000);

  it('a replica sent again is not written twice (idempotent by version id)', async () => {
    await versionedBucket(dest.s3, 'again');
    const id = 'Aa_-0123456789abcdefghijklmnopqr';
    const send = (body: string) => dest.s3.send(withExtraHeaders(new PutObjectCommand({ Bucket: 'again', Key: 'k', Body: body }), { [REPLICA_VERSION_HEADER]: id }));
    expect((await send('first')).VersionId).toBe(id);
    expect((await send('first')).VersionId).toBe(id);
    expect(await versionsOf(dest.s3, 'again')).toEqual([`k ${id}`]);
    expect((await bodyOf(dest.s3, 'again', 'k', id)).toString()).toBe('first');
    const marker = 'Mm_-0123456789abcdefghijklmnopqr';
    const del = () => dest.s3.send(withExtraHeaders(new DeleteObjectCommand({ Bucket: 'again', Key: 'k' }), { [REPLICA_VERSION_HEADER]: marker }));
    expect((await del()).VersionId).toBe(marker);
    expect((await del()).VersionId).toBe(marker);
    expect(await versionsOf(dest.s3, 'again')).toEqual([`k ${id}`, `k ${marker} marker`].sort());
  }, 120_000);

  it('replicas arriving out of order end in their source order (the current version is the newest source write)', async () => {
    await versionedBucket(dest.s3, 'order');
    const at = (s: number) => String(Date.UTC(2026, 0, 1, 0, 0, s));
    const put = (id: string, time: string, body: string) =>
      dest.s3.send(withExtraHeaders(new PutObjectCommand({ Bucket: 'order', Key: 'k', Body: body }), { [REPLICA_VERSION_HEADER]: id, [REPLICA_SOURCE_TIME_HEADER]: time }));
    const current = async () =>
      await dest.s3
        .send(new GetObjectCommand({ Bucket: 'order', Key: 'k' }))
        .then((r) => r.Body!.transformToString())
        .catch((e: unknown) => (e as Error).name);
    await put('version-from-second-20', at(20), 'twenty');
    await put('version-from-second-10', at(10), 'ten');
    expect(await current()).toBe('twenty');
    await put('version-from-second-30', at(30), 'thirty');
    expect(await current()).toBe('thirty');
    const del = (id: string, time: string) =>
      dest.s3.send(withExtraHeaders(new DeleteObjectCommand({ Bucket: 'order', Key: 'k' }), { [REPLICA_VERSION_HEADER]: id, [REPLICA_SOURCE_TIME_HEADER]: time }));
    await del('marker-from-second-25', at(25));
    expect(await current()).toBe('thirty');
    await del('marker-from-second-40', at(40));
    expect(await current()).toBe('NoSuchKey');
    await put('version-from-second-35', at(35), 'thirty-five');
    expect(await current()).toBe('NoSuchKey');
    // The listing says the same: newest first, the marker of second 40 the latest.
    const listed = await dest.s3.send(new ListObjectVersionsCommand({ Bucket: 'order' }));
    expect(listed.DeleteMarkers?.find((m) => m.IsLatest)?.VersionId).toBe('marker-from-second-40');
    expect(listed.Versions?.some((v) => v.IsLatest)).toBe(false);
  }, 120_000);

  it('a delete marker the existing-objects scan replicates keeps its own time: the source current version is current on the destination too', async () => {
    await versionedBucket(source.s3, 'older');
    await versionedBucket(dest.s3, 'older-copy');
    await source.s3.send(new PutObjectCommand({ Bucket: 'older', Key: 'k', Body: 'v1' }));
    await sleep(1100);
    await source.s3.send(new DeleteObjectCommand({ Bucket: 'older', Key: 'k' }));
    await sleep(1100);
    await source.s3.send(new PutObjectCommand({ Bucket: 'older', Key: 'k', Body: 'v2' }));
    await sleep(2100);
    await replicate(source.s3, 'older', [rule('older-copy', { deleteMarkers: 'Enabled', existingObjects: 'Enabled' })]);
    await waitFor('3 entries on the destination', async () => (await versionsOf(dest.s3, 'older-copy')).length === 3, 120_000);
    const read = (s3: S3Client, Bucket: string) =>
      s3
        .send(new GetObjectCommand({ Bucket, Key: 'k' }))
        .then((r) => r.Body!.transformToString())
        .catch((e: unknown) => (e as Error).name);
    expect(await read(dest.s3, 'older-copy')).toBe(await read(source.s3, 'older'));
    expect(await read(dest.s3, 'older-copy')).toBe('v2');
  }, 200_000);

  it('system keys radosgw does not know fail the start with one line naming them', async () => {
    const dir = await makeTempDir('bucketfront-repl-into-ceph-badkeys-');
    try {
      const err = await startOn('ceph', { dataDir: dir.path, storeSystemCredentials: { accessKeyId: 'NOSUCHSYSTEMKEY', secretAccessKey: 'x'.repeat(40) } }).then(
        async (o) => {
          await o.stop();
          return null;
        },
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(/refused the system user's keys .*InvalidAccessKeyId/);
      expect(err?.message).not.toContain('x'.repeat(40));
    } finally {
      await dir.cleanup();
    }
  });

  it('without system keys, or with keys that are not a radosgw system user, a replica write is 501 NotImplemented and leaves no version', async () => {
    for (const [name, storeSystemCredentials] of [
      ['none', null],
      ['ordinary', { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey }],
    ] as const) {
      const dir = await makeTempDir(`bucketfront-repl-into-ceph-${name}-`);
      const plain = await startOn('ceph', { dataDir: dir.path, storeSystemCredentials });
      try {
        await versionedBucket(plain.s3, 'plain');
        const put = plain.s3.send(withExtraHeaders(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }), { [REPLICA_VERSION_HEADER]: 'Zz_-0123456789abcdefghijklmnopqr' }));
        const err = await s3ErrorOf(put);
        expect([name, err.name, err.$metadata.httpStatusCode]).toEqual([name, 'NotImplemented', 501]);
        expect(err.message).toContain('radosgw system user');
        expect(await versionsOf(plain.s3, 'plain')).toEqual([]);
        if (name === 'none') {
          // Through replication: the source's version is FAILED (a 501 is not retried), counted by its code.
          await withRemotes(source.dataDir, (r) => r.add({ region: 'ap-south-1', endpoint: plain.url, ...plain.credentials }));
          await versionedBucket(source.s3, 'to-plain');
          await replicate(source.s3, 'to-plain', [rule('plain')]);
          const put = await source.s3.send(new PutObjectCommand({ Bucket: 'to-plain', Key: 'k', Body: 'x' }));
          await waitFor('k FAILED', async () => (await statusOf(source.s3, 'to-plain', 'k', put.VersionId)) === 'FAILED');
          expect(metric(await metricsOf(source.url), 'bucketfront_replication_failed_total', 'code="NotImplemented"')).toBe(1);
          expect(await versionsOf(plain.s3, 'plain')).toEqual([]);
          await withRemotes(source.dataDir, (r) => r.remove('ap-south-1'));
        }
      } finally {
        await plain.stop();
        await dir.cleanup();
      }
    }
  }, 120_000);
});
