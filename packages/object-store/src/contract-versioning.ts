/**
 * The versioning part of the ObjectStore contract (docs/versioning.md), run by
 * runObjectStoreContract for every driver.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
 */
import { expect, it } from 'vitest';
import { bytes } from './contract-bytes.js';
import { bodyOf, expectStoreError, readAll } from './contract.js';
import type { ObjectMetadata, ObjectStore, ObjectVersionInfo } from './types.js';

const META: ObjectMetadata = { userMetadata: {} };
/** Larger than any driver's inline limit, so versions live in data files. */
const BIG = 100 * 1024;

async function bytesOf(s: ObjectStore, key: string, versionId?: string): Promise<string | null> {
  const got = await s.getObject('bkt', key, undefined, versionId !== undefined ? { versionId } : {});
  return got === null ? null : (await readAll(got.body)).toString('latin1');
}

const brief = (v: ObjectVersionInfo): string => `${v.key}:${v.deleteMarker === true ? 'DM' : 'V'}:${v.isLatest ? 'latest' : 'old'}`;

/** Registers the versioning cases; `store()` is the fresh store of the current test, with bucket `bkt`. */
export function versioningContract(store: () => ObjectStore, opts: { markerOwner?: boolean; versionsInPlace?: boolean } = {}): void {
  it('versioning status: never enabled, Enabled, Suspended; NoSuchBucket', async () => {
    const s = store();
    expect(await s.getBucketVersioning('bkt')).toBeNull();
    await s.putBucketVersioning('bkt', 'Enabled');
    expect(await s.getBucketVersioning('bkt')).toBe('Enabled');
    await s.putBucketVersioning('bkt', 'Suspended');
    expect(await s.getBucketVersioning('bkt')).toBe('Suspended');
    await expectStoreError(s.getBucketVersioning('nope'), 'NoSuchBucket');
    await expectStoreError(s.putBucketVersioning('nope', 'Enabled'), 'NoSuchBucket');
  });

  it('a never-versioned bucket reports no version ids', async () => {
    const s = store();
    const put = await s.putObject('bkt', 'k', bodyOf('one'), META);
    expect(put.versionId).toBeUndefined();
    expect((await s.headObject('bkt', 'k'))!.versionId).toBeUndefined();
    expect(await s.deleteObject('bkt', 'k')).toEqual({});
  });

  it('Enabled: every PUT is a new version, each readable by id; the newest is current', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf('first'), META);
    const v2 = await s.putObject('bkt', 'k', bodyOf(bytes(BIG, 2)), META);
    expect(v1.versionId).toMatch(/^\S+$/);
    expect(v2.versionId).not.toBe(v1.versionId);
    expect(v1.versionId).not.toBe('null');
    expect((await s.headObject('bkt', 'k'))!.versionId).toBe(v2.versionId);
    expect(await bytesOf(s, 'k', v1.versionId)).toBe('first');
    expect((await bytesOf(s, 'k', v2.versionId))!.length).toBe(BIG);
    expect((await s.headObject('bkt', 'k', { versionId: v1.versionId! }))!.size).toBe(5);
    const v3 = await s.putObject('bkt', 'k', bodyOf('third'), META);
    // The overwritten large version's bytes are still there.
    expect((await bytesOf(s, 'k', v2.versionId))!).toBe(bytes(BIG, 2).toString('latin1'));
    const listed = await s.listObjectVersions('bkt', { maxKeys: 1000 });
    expect(listed.versions.map((v) => [v.versionId, v.isLatest])).toEqual([
      [v3.versionId, true],
      [v2.versionId, false],
      [v1.versionId, false],
    ]);
    expect(listed.versions[1]!.object).toMatchObject({ size: BIG, etag: v2.etag, versionId: v2.versionId });
    expect(listed.isTruncated).toBe(false);
  });

  it('DELETE adds a delete marker; the key is gone until the marker is removed', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf('kept'), META);
    const del = await s.deleteObject('bkt', 'k', { owner: 'deleter' });
    expect(del.deleteMarker).toBe(true);
    expect(del.versionId).toBeDefined();
    expect(await s.headObject('bkt', 'k')).toBeNull();
    expect(await s.getObject('bkt', 'k')).toBeNull();
    expect((await s.listObjects('bkt', { maxKeys: 1000 })).objects).toEqual([]);
    const marker = s.headObject('bkt', 'k', { versionId: del.versionId! });
    await expect(marker).rejects.toMatchObject({ code: 'MethodNotAllowed', detail: { DeleteMarker: 'true', VersionId: del.versionId } });
    await expectStoreError(s.getObject('bkt', 'k', undefined, { versionId: del.versionId! }), 'MethodNotAllowed');
    expect(await bytesOf(s, 'k', v1.versionId)).toBe('kept');
    const listed = await s.listObjectVersions('bkt', { maxKeys: 1000 });
    expect(listed.versions.map(brief)).toEqual(['k:DM:latest', 'k:V:old']);
    expect(listed.versions[0]).toMatchObject({ versionId: del.versionId, deleteMarker: true, ...(opts.markerOwner !== false ? { owner: 'deleter' } : {}) });
    // Removing the marker brings the version back.
    expect(await s.deleteObject('bkt', 'k', { versionId: del.versionId! })).toEqual({ versionId: del.versionId, deleteMarker: true });
    expect(await bytesOf(s, 'k')).toBe('kept');
    expect((await s.listObjects('bkt', { maxKeys: 1000 })).objects.map((o) => o.key)).toEqual(['k']);
  });

  it('deleting the current version by id makes the previous one current; unknown ids', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), META);
    const v2 = await s.putObject('bkt', 'k', bodyOf('two'), META);
    expect(await s.deleteObject('bkt', 'k', { versionId: v2.versionId! })).toEqual({ versionId: v2.versionId });
    expect((await s.headObject('bkt', 'k'))!.versionId).toBe(v1.versionId);
    expect((await bytesOf(s, 'k'))!.length).toBe(BIG);
    await expectStoreError(s.headObject('bkt', 'k', { versionId: v2.versionId! }), 'NoSuchVersion');
    await expectStoreError(s.getObject('bkt', 'k', undefined, { versionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }), 'NoSuchVersion');
    await expectStoreError(s.headObject('bkt', 'other', { versionId: v1.versionId! }), 'NoSuchVersion');
    // Deleting a version that is not there deletes nothing, and succeeds.
    await s.deleteObject('bkt', 'k', { versionId: v2.versionId! });
    expect((await s.headObject('bkt', 'k'))!.versionId).toBe(v1.versionId);
    await s.deleteObject('bkt', 'k', { versionId: v1.versionId! });
    expect(await s.headObject('bkt', 'k')).toBeNull();
    expect((await s.listObjectVersions('bkt', { maxKeys: 1000 })).versions).toEqual([]);
    await s.deleteBucket('bkt');
  });

  it('objects written before versioning are the null version, kept by later versions', async () => {
    const s = store();
    await s.putObject('bkt', 'old', bodyOf('legacy'), META);
    await s.putObject('bkt', 'big', bodyOf(bytes(BIG, 7)), META);
    await s.putBucketVersioning('bkt', 'Enabled');
    expect((await s.headObject('bkt', 'old'))!.versionId).toBe('null');
    expect(await bytesOf(s, 'old', 'null')).toBe('legacy');
    const v = await s.putObject('bkt', 'old', bodyOf('new'), META);
    await s.putObject('bkt', 'big', bodyOf('small now'), META);
    expect(await bytesOf(s, 'old')).toBe('new');
    expect(await bytesOf(s, 'old', 'null')).toBe('legacy');
    expect(await bytesOf(s, 'big', 'null')).toBe(bytes(BIG, 7).toString('latin1'));
    const listed = await s.listObjectVersions('bkt', { maxKeys: 1000 });
    expect(listed.versions.map((x) => [x.key, x.versionId, x.isLatest])).toEqual([
      ['big', listed.versions[0]!.versionId, true],
      ['big', 'null', false],
      ['old', v.versionId, true],
      ['old', 'null', false],
    ]);
  });

  it('Suspended: writes and deletes replace the null version; other versions stay', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf('enabled'), META);
    await s.putBucketVersioning('bkt', 'Suspended');
    const n1 = await s.putObject('bkt', 'k', bodyOf(bytes(BIG, 3)), META);
    expect(n1.versionId).toBe('null');
    const n2 = await s.putObject('bkt', 'k', bodyOf('null two'), META);
    expect(n2.versionId).toBe('null');
    expect(await bytesOf(s, 'k', 'null')).toBe('null two');
    expect((await s.listObjectVersions('bkt', { maxKeys: 1000 })).versions.map((x) => [x.versionId, x.isLatest])).toEqual([
      ['null', true],
      [v1.versionId, false],
    ]);
    const del = await s.deleteObject('bkt', 'k');
    expect(del).toEqual({ versionId: 'null', deleteMarker: true });
    expect(await s.headObject('bkt', 'k')).toBeNull();
    expect((await s.listObjectVersions('bkt', { maxKeys: 1000 })).versions.map(brief)).toEqual(['k:DM:latest', 'k:V:old']);
    // A legacy object under Suspended: its null version is replaced.
    await s.putObject('bkt', 'k2', bodyOf('x'), META);
    expect((await s.listObjectVersions('bkt', { prefix: 'k2', maxKeys: 1000 })).versions.map((x) => x.versionId)).toEqual(['null']);
  });

  it('lists versions in pages (key-marker, version-id-marker) and rolls up common prefixes', async () => {
    const s = store();
    await s.putObject('bkt', 'a', bodyOf('a0'), META);
    await s.putBucketVersioning('bkt', 'Enabled');
    for (const [key, n] of [
      ['a', 2],
      ['b', 2],
      ['d/x', 1],
      ['d/y', 1],
      ['e', 1],
    ] as const) {
      for (let i = 0; i < n; i++) await s.putObject('bkt', key, bodyOf(`${key}${i}`), META);
    }
    await s.deleteObject('bkt', 'b');
    const all = await s.listObjectVersions('bkt', { maxKeys: 1000 });
    expect(all.versions.map((v) => v.key)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'd/x', 'd/y', 'e']);
    const walked: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const got = await s.listObjectVersions('bkt', { maxKeys: 2, ...(keyMarker !== undefined ? { keyMarker } : {}), ...(versionIdMarker !== undefined ? { versionIdMarker } : {}) });
      walked.push(...got.versions.map((v) => `${v.key}@${v.versionId}`));
      expect(got.versions.length).toBeLessThanOrEqual(2);
      if (!got.isTruncated) break;
      keyMarker = got.nextKeyMarker;
      versionIdMarker = got.nextVersionIdMarker;
    }
    expect(walked).toEqual(all.versions.map((v) => `${v.key}@${v.versionId}`));
    // key-marker alone skips every version of that key.
    expect((await s.listObjectVersions('bkt', { keyMarker: 'a', maxKeys: 1000 })).versions[0]!.key).toBe('b');
    const rolled = await s.listObjectVersions('bkt', { delimiter: '/', maxKeys: 1000 });
    expect(rolled.commonPrefixes).toEqual(['d/']);
    expect(rolled.versions.map((v) => v.key)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'e']);
    const prefixed = await s.listObjectVersions('bkt', { prefix: 'd/', maxKeys: 1 });
    expect(prefixed).toMatchObject({ isTruncated: true, nextKeyMarker: 'd/x' });
  });

  it('copies from an old version, and completes a multipart upload as a new version', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'src', bodyOf(bytes(BIG, 5)), { ...META, contentType: 'text/one' });
    const v1small = await s.putObject('bkt', 'src2', bodyOf('tiny'), META);
    await s.putObject('bkt', 'src', bodyOf('newer'), META);
    await s.putObject('bkt', 'src2', bodyOf('newer'), META);
    const copy = await s.copyObject({ bucket: 'bkt', key: 'src', versionId: v1.versionId! }, { bucket: 'bkt', key: 'dst' }, { ...META, contentType: 'text/one' });
    expect(copy.versionId).toBeDefined();
    expect(await bytesOf(s, 'dst')).toBe(bytes(BIG, 5).toString('latin1'));
    await s.copyObject({ bucket: 'bkt', key: 'src2', versionId: v1small.versionId! }, { bucket: 'bkt', key: 'dst2' }, META);
    expect(await bytesOf(s, 'dst2')).toBe('tiny');
    await expectStoreError(s.copyObject({ bucket: 'bkt', key: 'src', versionId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, { bucket: 'bkt', key: 'x' }, META), 'NoSuchVersion');

    const up = await s.createMultipartUpload('bkt', 'mp', META);
    const part = await s.uploadPartCopy('bkt', 'mp', up.uploadId, 1, { bucket: 'bkt', key: 'src2', versionId: v1small.versionId! });
    const done = await s.completeMultipartUpload('bkt', 'mp', up.uploadId, [{ partNumber: 1, etag: part.etag }]);
    expect(done.versionId).toBeDefined();
    expect(await bytesOf(s, 'mp', done.versionId)).toBe('tiny');
  });

  it('updateVersionMetadata: a never-versioned object changes in place (no version, same Last-Modified); NoSuchKey', async () => {
    const s = store();
    const put = await s.putObject('bkt', 'k', bodyOf(bytes(BIG, 3)), { userMetadata: { m: '1' }, tagging: 'a=1' });
    const changed = await s.updateVersionMetadata('bkt', 'k', undefined, { tagging: 'b=2', acl: 'public-read' });
    expect(changed).toMatchObject({ key: 'k', size: BIG, etag: put.etag, metadata: { tagging: 'b=2', acl: 'public-read', userMetadata: { m: '1' } } });
    expect(changed.versionId).toBeUndefined();
    const head = (await s.headObject('bkt', 'k'))!;
    expect([head.metadata.tagging, head.metadata.acl, head.etag]).toEqual(['b=2', 'public-read', put.etag]);
    await s.updateVersionMetadata('bkt', 'k', 'null', { tagging: null });
    expect((await s.headObject('bkt', 'k'))!.metadata.tagging).toBeUndefined();
    expect(await bytesOf(s, 'k')).toBe(bytes(BIG, 3).toString('latin1'));
    await expectStoreError(s.updateVersionMetadata('bkt', 'missing', undefined, { tagging: 'a=1' }), 'NoSuchKey');
    await expectStoreError(s.updateVersionMetadata('nope', 'k', undefined, { tagging: 'a=1' }), 'NoSuchBucket');
  });

  it('updateVersionMetadata by version id: that version changes in place, nothing else; unknown ids, delete markers', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf(bytes(BIG, 4)), { userMetadata: {}, tagging: 'gen=1' });
    const v2 = await s.putObject('bkt', 'k', bodyOf('two'), { userMetadata: {}, tagging: 'gen=2' });
    const versions = async () => (await s.listObjectVersions('bkt', { maxKeys: 1000 })).versions.map((v) => [v.versionId, v.isLatest]);
    const before = await versions();
    await expectStoreError(s.updateVersionMetadata('bkt', 'k', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { tagging: 'x=1' }), 'NoSuchVersion');
    if (opts.versionsInPlace === false) {
      await expectStoreError(s.updateVersionMetadata('bkt', 'k', v1.versionId!, { tagging: 'gen=one' }), 'NotImplemented');
    } else {
      const changed = await s.updateVersionMetadata('bkt', 'k', v1.versionId!, { tagging: 'gen=one', grants: '[]' });
      expect(changed).toMatchObject({ versionId: v1.versionId, etag: v1.etag, size: BIG, metadata: { tagging: 'gen=one', grants: '[]' } });
      expect(changed.lastModified.getTime()).toBe(v1.lastModified.getTime());
      const old = (await s.headObject('bkt', 'k', { versionId: v1.versionId! }))!;
      expect([old.metadata.tagging, old.metadata.grants, old.lastModified.getTime()]).toEqual(['gen=one', '[]', v1.lastModified.getTime()]);
      expect(await bytesOf(s, 'k', v1.versionId)).toBe(bytes(BIG, 4).toString('latin1'));
      // The current version, untouched; then changed in place too (no versionId: the current one).
      expect((await s.headObject('bkt', 'k'))!.metadata.tagging).toBe('gen=2');
      const current = await s.updateVersionMetadata('bkt', 'k', undefined, { tagging: null, replicationStatus: 'COMPLETED' });
      expect([current.versionId, current.metadata.tagging, current.metadata.replicationStatus]).toEqual([v2.versionId, undefined, 'COMPLETED']);
      expect((await s.headObject('bkt', 'k'))!.metadata.replicationStatus).toBe('COMPLETED');
      expect(await bytesOf(s, 'k')).toBe('two');
      expect(await versions()).toEqual(before);
    }
    const marker = await s.deleteObject('bkt', 'k');
    await expect(s.updateVersionMetadata('bkt', 'k', marker.versionId!, { tagging: 'x=1' })).rejects.toMatchObject({ code: 'MethodNotAllowed', detail: { DeleteMarker: 'true' } });
    await expectStoreError(s.updateVersionMetadata('bkt', 'k', undefined, { tagging: 'x=1' }), 'NoSuchKey');
  });

  it('a bucket with versions or delete markers is not empty', async () => {
    const s = store();
    await s.putBucketVersioning('bkt', 'Enabled');
    const v = await s.putObject('bkt', 'k', bodyOf('x'), META);
    const m = await s.deleteObject('bkt', 'k');
    await expectStoreError(s.deleteBucket('bkt'), 'BucketNotEmpty');
    await s.deleteObject('bkt', 'k', { versionId: v.versionId! });
    await expectStoreError(s.deleteBucket('bkt'), 'BucketNotEmpty');
    await s.deleteObject('bkt', 'k', { versionId: m.versionId! });
    await s.deleteBucket('bkt');
  });
}
