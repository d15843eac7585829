/**
 * What a caller holding s3:ReplicateObject / s3:ReplicateDelete cannot do to an origin on the s3
 * store (radosgw) through replica writes (docs/replication.md#the-s3-store). Each test states what the fs store does (the
 * reference: fs-store/versions.ts commitVersion / deleteVersioned) and S3's rule that a version,
 * once written, never changes.
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { cephCluster, makeTempDir, withExtraHeaders } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPLICA_SOURCE_TIME_HEADER, REPLICA_VERSION_HEADER } from '../src/replication/records.js';
import { startOn, versionedBucket, versionsOf } from './fixtures/replication.js';
import type { TestOrigin } from './fixtures/test-origin.js';

const ceph = cephCluster();

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    const r = (await p) as { VersionId?: string; ETag?: string };
    return `ok ${r.VersionId ?? ''} ${r.ETag ?? ''}`.trim();
  } catch (err) {
    if (err instanceof S3ServiceException) return `${err.name} ${err.$metadata.httpStatusCode}`;
    throw err;
  }
}

async function current(s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<string> {
  return s3
    .send(new GetObjectCommand({ Bucket, Key, VersionId }))
    .then((r) => r.Body!.transformToString())
    .catch((e: unknown) => (e as Error).name);
}

describe.skipIf(!ceph)('replica writes on the s3 store: attacks', () => {
  if (!ceph) return;
  let dest: TestOrigin;
  let dir: { path: string; cleanup: () => Promise<void> };
  const put = (Bucket: string, Key: string, Body: string, id: string, time?: string) =>
    dest.s3.send(withExtraHeaders(new PutObjectCommand({ Bucket, Key, Body }), { [REPLICA_VERSION_HEADER]: id, ...(time !== undefined ? { [REPLICA_SOURCE_TIME_HEADER]: time } : {}) }));
  const del = (Bucket: string, Key: string, id: string, time?: string) =>
    dest.s3.send(withExtraHeaders(new DeleteObjectCommand({ Bucket, Key }), { [REPLICA_VERSION_HEADER]: id, ...(time !== undefined ? { [REPLICA_SOURCE_TIME_HEADER]: time } : {}) }));

  beforeAll(async () => {
    dir = await makeTempDir('bucketfront-review-attacks-');
    dest = await startOn('ceph', { region: 'eu-west-1', dataDir: dir.path });
    await versionedBucket(dest.s3, 'atk');
  });
  afterAll(async () => {
    await dest?.stop();
    await dir?.cleanup();
  });

  it('A: a replica PUT naming an existing delete marker does not turn the marker into an object (fs: InvalidRequest)', async () => {
    await dest.s3.send(new PutObjectCommand({ Bucket: 'atk', Key: 'a', Body: 'orig' }));
    const marker = (await dest.s3.send(new DeleteObjectCommand({ Bucket: 'atk', Key: 'a' }))).VersionId!;
    const got = await outcome(put('atk', 'a', 'evil', marker));
    const after = await versionsOf(dest.s3, 'atk');
    expect(got).toBe('InvalidRequest 400');
    expect(after).toContain(`a ${marker} marker`);
    expect(await current(dest.s3, 'atk', 'a')).toBe('NoSuchKey');
  });

  it('B: a replica DELETE naming an existing version does not destroy it (fs: InvalidRequest)', async () => {
    const v = (await dest.s3.send(new PutObjectCommand({ Bucket: 'atk', Key: 'bk', Body: 'precious' }))).VersionId!;
    const got = await outcome(del('atk', 'bk', v));
    const after = (await versionsOf(dest.s3, 'atk')).filter((e) => e.startsWith('bk '));
    expect(got).toBe('InvalidRequest 400');
    expect(after).toEqual([`bk ${v}`]);
    expect(await current(dest.s3, 'atk', 'bk', v)).toBe('precious');
  });

  it('C: two replica PUTs of one id with different bytes at once: each 200 names the bytes stored', async () => {
    const id = 'Race0123456789abcdefghijklmnopqr';
    const [a, b] = await Promise.all([put('atk', 'race', 'x'.repeat(100_000), id), put('atk', 'race', 'y'.repeat(100_000), id)]);
    // A HEAD: an unread GET body would be cut when the origin stops.
    const stored = await dest.s3.send(new HeadObjectCommand({ Bucket: 'atk', Key: 'race', VersionId: id }));
    expect(a.ETag).toBe(stored.ETag);
    expect(b.ETag).toBe(stored.ETag);
  });

  it('D: a source time of 0 (no epoch sent) does not make an older replica current', async () => {
    await put('atk', 'order', 'newer', 'newer-0123456789abcdefghijklmno', String(Date.UTC(2026, 0, 1, 0, 0, 20)));
    const got = await outcome(put('atk', 'order', 'older-with-time-0', 'older-0123456789abcdefghijklmno', '0'));
    expect(got).toMatch(/^InvalidArgument 400/);
    expect(await current(dest.s3, 'atk', 'order')).toBe('newer');
  });

  it('E: a source time far in the future is refused (fs: ids more than a day ahead are not ordered by their time)', async () => {
    const y2038 = String(2 ** 31 * 1000 - 1000);
    const got = await outcome(put('atk', 'pin', 'pinned', 'pin-0123456789abcdefghijklmnopq', y2038));
    await put('atk', 'pin', 'later-legit', 'legit-0123456789abcdefghijklmno', String(Date.now()));
    expect(await current(dest.s3, 'atk', 'pin')).toBe('later-legit');
    const huge = await outcome(put('atk', 'pin2', 'x', 'huge-0123456789abcdefghijklmnop', '999999999999999'));
    expect(got).toMatch(/^InvalidArgument 400/);
    expect(huge).toMatch(/^InvalidArgument 400/);
  });

  it('F: version ids outside [A-Za-z0-9._-]{1,128} are refused (fs: InvalidArgument)', async () => {
    // ('NULL' is a valid id: only 'null' names the null version; a non-ASCII header fails the signature first.)
    const ids = ['a&rgwx-uid=someone', 'has/slash', 'has space', 'x'.repeat(300), 'a%26b'];
    const results: Record<string, string> = {};
    for (const id of ids) results[id.length > 40 ? `x*${id.length}` : id] = await outcome(put('atk', `f-${ids.indexOf(id)}`, 'x', id));
    for (const r of Object.values(results)) expect(r).toMatch(/^InvalidArgument 400/);
    expect((await versionsOf(dest.s3, 'atk')).filter((e) => e.startsWith('f-'))).toEqual([]);
  });
});
