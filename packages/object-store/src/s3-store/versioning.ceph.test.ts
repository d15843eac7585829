/**
 * Versioning on the s3 driver over a real Ceph radosgw (docs/versioning.md), bare and under the
 * encryption decorator: the cases are written against ObjectStore only, so they can join the
 * shared contract. Runs on the test run's cluster (`npx vitest run --project ceph <this file>`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bodyOf, bytes, expectStoreError, readAll } from '@bucketfront/object-store/contract';
import { cephCluster, uniquePrefix } from '@bucketfront/test-support';
import { withEncryption } from '../encryption/encrypting-store.js';
import { KeyStore } from '../encryption/key-store.js';
import { ensureMasterKeyFile } from '../encryption/master-keys.js';
import { ForwardingStore } from '../forwarding-store.js';
import { isStoreError, type EncryptionRequest, type ObjectStore, type ObjectVersionInfo, type ReadOptions } from '../types.js';
import { createS3Store } from './store.js';

const ceph = cephCluster();
const META = { userMetadata: {} };
const MIN_PART = 1024;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A store of its own buckets; stores given the same `bucketPrefix` share them (as origin nodes do). */
function bareStore(bucketPrefix = uniquePrefix('bf-ver')) {
  if (!ceph) throw new Error('no cluster');
  return createS3Store({
    endpoint: ceph.endpoint,
    credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    bucketPrefix,
    minPartSize: MIN_PART,
  });
}

/** Every write encrypted with SSE-S3, through the decorator the origin uses (s3 listings enriched). */
class AlwaysEncrypt extends ForwardingStore {
  constructor(
    inner: ObjectStore,
    private readonly req: EncryptionRequest,
  ) {
    super(inner);
  }
  override putObject(...[b, k, body, md, opts]: Parameters<ObjectStore['putObject']>) {
    return this.inner.putObject(b, k, body, md, { ...opts, encryption: this.req });
  }
  override copyObject(...[src, dst, md, opts]: Parameters<ObjectStore['copyObject']>) {
    return this.inner.copyObject(src, dst, md, { ...opts, encryption: this.req });
  }
  override createMultipartUpload(...[b, k, md]: Parameters<ObjectStore['createMultipartUpload']>) {
    return this.inner.createMultipartUpload(b, k, md, { encryption: this.req });
  }
}

async function encryptedStore(): Promise<ObjectStore> {
  const s3 = await bareStore();
  const dir = mkdtempSync(join(tmpdir(), 'bf-ver-keys-'));
  dirs.push(dir);
  const keys = await KeyStore.open(s3, await ensureMasterKeyFile(join(dir, 'master.key')));
  return new AlwaysEncrypt(withEncryption(s3, keys, { minPartSize: MIN_PART, listingWithoutMetadata: s3 }), { scheme: 'SSE-S3' });
}

async function text(store: ObjectStore, bucket: string, key: string, opts?: ReadOptions): Promise<string | null> {
  const got = await store.getObject(bucket, key, undefined, opts);
  if (got === null) return null;
  return (got.buffer ?? (await readAll(got.body))).toString();
}

/** Every entry of the bucket's version listing, read `pageSize` at a time with the markers. */
async function allVersions(store: ObjectStore, bucket: string, pageSize: number, extra: { prefix?: string; delimiter?: string } = {}) {
  const versions: ObjectVersionInfo[] = [];
  const prefixes: string[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.listObjectVersions(bucket, {
      maxKeys: pageSize,
      ...extra,
      ...(keyMarker !== undefined ? { keyMarker } : {}),
      ...(versionIdMarker !== undefined ? { versionIdMarker } : {}),
    });
    expect(page.versions.length + page.commonPrefixes.length).toBeLessThanOrEqual(pageSize);
    versions.push(...page.versions);
    prefixes.push(...page.commonPrefixes);
    if (!page.isTruncated) return { versions, prefixes };
    expect(page.nextKeyMarker).toBeDefined();
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
  throw new Error('the listing never ended');
}

const summary = (v: ObjectVersionInfo) => `${v.key}@${v.versionId}${v.deleteMarker ? ':dm' : ''}${v.isLatest ? ':latest' : ''}`;

function runVersioningCases(name: string, makeStore: () => Promise<ObjectStore>) {
  describe(name, () => {
    let store: ObjectStore;
    let n = 0;
    const stores: ObjectStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
    });
    async function bucket(status?: 'Enabled' | 'Suspended'): Promise<{ store: ObjectStore; bucket: string }> {
      if (store === undefined) {
        store = await makeStore();
        stores.push(store);
      }
      const b = `v${++n}`;
      await store.createBucket(b, { region: 'us-east-1' });
      if (status !== undefined) await store.putBucketVersioning(b, status);
      return { store, bucket: b };
    }

    it('GetBucketVersioning: null until set, then Enabled / Suspended; NoSuchBucket', async () => {
      const { store, bucket: b } = await bucket();
      expect(await store.getBucketVersioning(b)).toBeNull();
      await store.putBucketVersioning(b, 'Enabled');
      expect(await store.getBucketVersioning(b)).toBe('Enabled');
      await store.putBucketVersioning(b, 'Suspended');
      expect(await store.getBucketVersioning(b)).toBe('Suspended');
      await store.putBucketVersioning(b, 'Enabled');
      expect(await store.getBucketVersioning(b)).toBe('Enabled');
      await expectStoreError(store.getBucketVersioning('no-such-bucket-here'), 'NoSuchBucket');
      await expectStoreError(store.putBucketVersioning('no-such-bucket-here', 'Enabled'), 'NoSuchBucket');
    });

    it('a bucket never versioned reports no version ids', async () => {
      const { store, bucket: b } = await bucket();
      const put = await store.putObject(b, 'k', bodyOf('one'), META);
      expect(put.versionId).toBeUndefined();
      expect((await store.headObject(b, 'k'))?.versionId).toBeUndefined();
      expect((await store.getObject(b, 'k'))?.info.versionId).toBeUndefined();
      expect(await store.deleteObject(b, 'k')).toEqual({});
      expect(await store.headObject(b, 'k')).toBeNull();
    });

    it('PUT twice: two versions, each read by its id; the newest is current', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      const v1 = await store.putObject(b, 'k', bodyOf('one'), META);
      const v2 = await store.putObject(b, 'k', bodyOf('two!'), META);
      expect(v1.versionId).toBeTruthy();
      expect(v2.versionId).toBeTruthy();
      expect(v1.versionId).not.toBe(v2.versionId);
      expect(await text(store, b, 'k')).toBe('two!');
      expect(await text(store, b, 'k', { versionId: v1.versionId! })).toBe('one');
      expect(await text(store, b, 'k', { versionId: v2.versionId! })).toBe('two!');
      const h1 = await store.headObject(b, 'k', { versionId: v1.versionId! });
      expect(h1).toMatchObject({ versionId: v1.versionId, size: 3, etag: v1.etag });
      expect((await store.headObject(b, 'k'))?.versionId).toBe(v2.versionId);
      expect((await store.getObject(b, 'k', { start: 1, end: 2 }, { versionId: v1.versionId! }))?.info.versionId).toBe(v1.versionId);
      const listed = await store.listObjects(b, { maxKeys: 10 });
      expect(listed.objects.map((o) => [o.key, o.size])).toEqual([['k', 4]]);
    });

    it('DELETE adds a delete marker: the key reads as missing, the marker by id is MethodNotAllowed, old versions stay', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      const v1 = await store.putObject(b, 'k', bodyOf('one'), META);
      const del = await store.deleteObject(b, 'k');
      expect(del.deleteMarker).toBe(true);
      expect(del.versionId).toBeTruthy();
      expect(del.versionId).not.toBe(v1.versionId);
      expect(await store.headObject(b, 'k')).toBeNull();
      expect(await store.getObject(b, 'k')).toBeNull();
      for (const read of [() => store.headObject(b, 'k', { versionId: del.versionId! }), () => store.getObject(b, 'k', undefined, { versionId: del.versionId! })]) {
        let caught: unknown;
        await read().catch((err: unknown) => (caught = err));
        expect(isStoreError(caught, 'MethodNotAllowed'), String(caught)).toBe(true);
        if (isStoreError(caught)) expect(caught.detail).toEqual({ DeleteMarker: 'true', VersionId: del.versionId });
      }
      expect(await text(store, b, 'k', { versionId: v1.versionId! })).toBe('one');
      expect((await store.listObjects(b, { maxKeys: 10 })).objects).toEqual([]);
      // A second DELETE succeeds. S3 adds a second marker; radosgw (Pacific) adds none over a current one.
      const again = await store.deleteObject(b, 'k');
      const markers = (await allVersions(store, b, 1000)).versions.filter((v) => v.deleteMarker);
      if (again.deleteMarker === true) {
        expect(again.versionId).not.toBe(del.versionId);
        expect(markers.map((m) => m.versionId)).toEqual([again.versionId, del.versionId]);
      } else {
        expect(markers.map((m) => m.versionId)).toEqual([del.versionId]);
      }
    });

    it('DELETE of a version by id removes it for good; removing the delete marker brings the key back', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      const v1 = await store.putObject(b, 'k', bodyOf('one'), META);
      const v2 = await store.putObject(b, 'k', bodyOf('two'), META);
      expect(await store.deleteObject(b, 'k', { versionId: v2.versionId! })).toEqual({ versionId: v2.versionId });
      expect(await text(store, b, 'k')).toBe('one');
      await expectStoreError(store.headObject(b, 'k', { versionId: v2.versionId! }), 'NoSuchVersion');
      const dm = await store.deleteObject(b, 'k');
      expect(await store.headObject(b, 'k')).toBeNull();
      expect(await store.deleteObject(b, 'k', { versionId: dm.versionId! })).toEqual({ versionId: dm.versionId, deleteMarker: true });
      expect((await store.headObject(b, 'k'))?.versionId).toBe(v1.versionId);
      const { versions } = await allVersions(store, b, 1000);
      expect(versions.map(summary)).toEqual([`k@${v1.versionId}:latest`]);
    });

    it('NoSuchVersion: an unknown id, on an existing or missing key; deleting one succeeds', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      await store.putObject(b, 'k', bodyOf('one'), META);
      const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      await expectStoreError(store.headObject(b, 'k', { versionId: unknown }), 'NoSuchVersion');
      await expectStoreError(store.getObject(b, 'k', undefined, { versionId: unknown }), 'NoSuchVersion');
      await expectStoreError(store.getObject(b, 'nope', undefined, { versionId: unknown }), 'NoSuchVersion');
      await expectStoreError(store.headObject(b, 'k', { versionId: 'null' }), 'NoSuchVersion');
      expect(await store.deleteObject(b, 'k', { versionId: unknown })).toEqual({});
      expect(await text(store, b, 'k')).toBe('one');
      await expectStoreError(store.headObject('no-such-bucket-here', 'k', { versionId: unknown }), 'NoSuchBucket');
    });

    it('Suspended: writes replace the null version; earlier versions stay; DELETE makes a null delete marker', async () => {
      const { store, bucket: b } = await bucket();
      await store.putObject(b, 'k', bodyOf('before'), META); // written while never versioned: the null version
      await store.putBucketVersioning(b, 'Enabled');
      expect((await store.headObject(b, 'k'))?.versionId).toBe('null');
      const v1 = await store.putObject(b, 'k', bodyOf('one'), META);
      await store.putBucketVersioning(b, 'Suspended');
      const n1 = await store.putObject(b, 'k', bodyOf('null-1'), META);
      expect(n1.versionId).toBe('null');
      const n2 = await store.putObject(b, 'k', bodyOf('null-2'), META);
      expect(n2.versionId).toBe('null');
      expect((await store.headObject(b, 'k'))?.versionId).toBe('null');
      expect(await text(store, b, 'k', { versionId: 'null' })).toBe('null-2');
      expect(await text(store, b, 'k', { versionId: v1.versionId! })).toBe('one');
      let { versions } = await allVersions(store, b, 1000);
      expect(versions.map(summary)).toEqual(['k@null:latest', `k@${v1.versionId}`]);
      const dm = await store.deleteObject(b, 'k');
      expect(dm).toEqual({ versionId: 'null', deleteMarker: true });
      ({ versions } = await allVersions(store, b, 1000));
      expect(versions.map(summary)).toEqual(['k@null:dm:latest', `k@${v1.versionId}`]);
    });

    it('ListObjectVersions: keys in order, each newest first, delete markers in place; pages resume with both markers', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      const ids: Record<string, string[]> = {};
      const put = async (key: string, body: string) => {
        const info = await store.putObject(b, key, bodyOf(body), META);
        (ids[key] ??= []).unshift(info.versionId!);
      };
      for (const key of ['a', 'é', 'c/1', 'c/2', 'b']) {
        await put(key, `${key}-1`);
        await put(key, `${key}-22`);
      }
      const dm = await store.deleteObject(b, 'b');
      ids['b']!.unshift(dm.versionId!);
      await put('a', 'a-333');
      const expected = ['a', 'b', 'c/1', 'c/2', 'é'].flatMap((key) => ids[key]!.map((id, i) => `${key}@${id}${key === 'b' && i === 0 ? ':dm' : ''}${i === 0 ? ':latest' : ''}`));
      const whole = await allVersions(store, b, 1000);
      expect(whole.versions.map(summary)).toEqual(expected);
      const a = whole.versions.filter((v) => v.key === 'a');
      expect(a.map((v) => v.object?.size)).toEqual([5, 4, 3]);
      expect(a[0]!.object?.versionId).toBe(a[0]!.versionId);
      const marker = whole.versions.find((v) => v.deleteMarker)!;
      expect(marker.object).toBeUndefined();
      for (const size of [1, 2, 3, 5]) expect((await allVersions(store, b, size)).versions.map(summary), `pages of ${size}`).toEqual(expected);
      // With a delimiter: c/ is one entry, counted once, never repeated across pages.
      for (const size of [1, 2, 4, 1000]) {
        const grouped = await allVersions(store, b, size, { delimiter: '/' });
        expect(grouped.prefixes).toEqual(['c/']);
        expect(grouped.versions.map(summary)).toEqual(expected.filter((e) => !e.startsWith('c/')));
      }
      const underC = await allVersions(store, b, 1, { prefix: 'c/' });
      expect(underC.versions.map((v) => v.key)).toEqual(['c/1', 'c/1', 'c/2', 'c/2']);
      // Resuming inside one key's history.
      const resumed = await store.listObjectVersions(b, { maxKeys: 1000, keyMarker: 'a', versionIdMarker: ids['a']![0]! });
      expect(resumed.versions.slice(0, 2).map((v) => v.versionId)).toEqual(ids['a']!.slice(1));
    });

    it('CopyObject and UploadPartCopy from an older version; a delete marker is no copy source', async () => {
      const { store, bucket: b } = await bucket('Enabled');
      const v1 = await store.putObject(b, 'src', bodyOf(bytes(3000, 1)), META);
      await store.putObject(b, 'src', bodyOf('newer'), META);
      const copy = await store.copyObject({ bucket: b, key: 'src', versionId: v1.versionId! }, { bucket: b, key: 'dst' }, { userMetadata: { from: 'v1' } });
      expect(copy.versionId).toBeTruthy();
      const head = await store.headObject(b, 'dst');
      expect(head?.versionId).toBe(copy.versionId);
      expect(head?.metadata.userMetadata).toEqual({ from: 'v1' });
      expect((await store.getObject(b, 'dst'))!.buffer ?? Buffer.alloc(0)).toEqual(bytes(3000, 1));
      const unknown = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      await expectStoreError(store.copyObject({ bucket: b, key: 'src', versionId: unknown }, { bucket: b, key: 'x' }, META), 'NoSuchVersion');
      const dm = await store.deleteObject(b, 'src');
      await expectStoreError(store.copyObject({ bucket: b, key: 'src', versionId: dm.versionId! }, { bucket: b, key: 'x' }, META), 'InvalidRequest');
      await expectStoreError(store.copyObject({ bucket: b, key: 'src' }, { bucket: b, key: 'x' }, META), 'NoSuchKey');
      // A multipart object made of two ranges of the old version.
      const up = await store.createMultipartUpload(b, 'mp', META);
      const p1 = await store.uploadPartCopy(b, 'mp', up.uploadId, 1, { bucket: b, key: 'src', versionId: v1.versionId!, range: { start: 0, end: 1999 } });
      const p2 = await store.uploadPartCopy(b, 'mp', up.uploadId, 2, { bucket: b, key: 'src', versionId: v1.versionId!, range: { start: 2000, end: 2999 } });
      await expectStoreError(store.uploadPartCopy(b, 'mp', up.uploadId, 3, { bucket: b, key: 'src', versionId: dm.versionId! }), 'InvalidRequest');
      await expectStoreError(store.uploadPartCopy(b, 'mp', up.uploadId, 3, { bucket: b, key: 'src', versionId: unknown, range: { start: 0, end: 9 } }), 'NoSuchVersion');
      const done = await store.completeMultipartUpload(b, 'mp', up.uploadId, [p1, p2]);
      expect(done.versionId).toBeTruthy();
      expect(done.metadata.partSizes).toEqual([2000, 1000]);
      const got = await store.getObject(b, 'mp', undefined, { versionId: done.versionId! });
      expect(got!.buffer ?? (await readAll(got!.body))).toEqual(bytes(3000, 1));
      // The completion (and the metadata copy it makes) left one version, the one reported.
      const { versions } = await allVersions(store, b, 1000, { prefix: 'mp' });
      expect(versions.map(summary)).toEqual([`mp@${done.versionId}:latest`]);
      expect((await store.headObject(b, 'mp'))?.metadata.partSizes).toEqual([2000, 1000]);
    });
  });
}

describe.skipIf(!ceph)('versioning on Ceph radosgw', () => {
  runVersioningCases('s3 driver', bareStore);
  runVersioningCases('s3 driver + SSE-S3 (encryption decorator)', encryptedStore);

  it('encryption: each version keeps its own envelope (older versions decrypt, whole and in ranges; listings show plaintext sizes)', async () => {
    const store = await encryptedStore();
    try {
      await store.createBucket('enc', { region: 'us-east-1' });
      await store.putBucketVersioning('enc', 'Enabled');
      const one = bytes(70_000, 11);
      const two = bytes(1234, 12);
      const v1 = await store.putObject('enc', 'k', bodyOf(one), META);
      const v2 = await store.putObject('enc', 'k', bodyOf(two), META);
      expect(v1.metadata.encryption?.serverSideEncryption).toBe('AES256');
      expect(v1.size).toBe(one.length);
      const old = await store.getObject('enc', 'k', undefined, { versionId: v1.versionId! });
      expect(old!.info).toMatchObject({ versionId: v1.versionId, size: one.length, etag: v1.etag });
      expect(old!.buffer ?? (await readAll(old!.body))).toEqual(one);
      const range = await store.getObject('enc', 'k', { start: 65_000, end: 69_999 }, { versionId: v1.versionId! });
      expect(range!.buffer ?? (await readAll(range!.body))).toEqual(one.subarray(65_000, 70_000));
      expect((await store.headObject('enc', 'k', { versionId: v1.versionId! }))?.size).toBe(one.length);
      expect(await text(store, 'enc', 'k')).toBe(two.toString());
      // One version per PUT (the driver's metadata rewrite leaves no extra), plaintext sizes and ETags.
      const { versions } = await allVersions(store, 'enc', 1000);
      expect(versions.map((v) => [v.versionId, v.object?.size, v.object?.etag])).toEqual([
        [v2.versionId, two.length, v2.etag],
        [v1.versionId, one.length, v1.etag],
      ]);
      // Copies of the old version: re-wrapped (SSE-S3 → SSE-S3) and decrypted into plaintext.
      const rewrapped = await store.copyObject({ bucket: 'enc', key: 'k', versionId: v1.versionId! }, { bucket: 'enc', key: 'copy' }, META);
      expect(rewrapped.size).toBe(one.length);
      const c = await store.getObject('enc', 'copy');
      expect(c!.buffer ?? (await readAll(c!.body))).toEqual(one);
      const plain = (store as ForwardingStore).inner;
      await plain.copyObject({ bucket: 'enc', key: 'k', versionId: v1.versionId! }, { bucket: 'enc', key: 'plain' }, META);
      const p = await plain.getObject('enc', 'plain');
      expect(p!.buffer ?? (await readAll(p!.body))).toEqual(one);
      expect((await plain.headObject('enc', 'plain'))?.metadata.encryption).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('append in a bucket with versioning enabled: each append is a new version; of concurrent appends at one offset exactly one wins', async () => {
    const prefix = uniquePrefix('bf-ver');
    const store = await bareStore(prefix);
    // Three "nodes": appends are serialized per key inside one store, not between stores.
    const nodes = [store, await bareStore(prefix), await bareStore(prefix)];
    try {
      await store.createBucket('app', { region: 'us-east-1' });
      await store.putBucketVersioning('app', 'Enabled');
      const a = await store.appendObject('app', 'log', 0, bodyOf('aaa'), META, { expectedSize: 3 });
      const b = await store.appendObject('app', 'log', 3, bodyOf('bb'), META, { expectedSize: 2 });
      expect(b.versionId).toBeTruthy();
      expect(b.versionId).not.toBe(a.versionId);
      expect(await text(store, 'app', 'log')).toBe('aaabb');
      expect(await text(store, 'app', 'log', { versionId: a.versionId! })).toBe('aaa');
      await expectStoreError(store.appendObject('app', 'log', 3, bodyOf('x'), META, { expectedSize: 1 }), 'InvalidWriteOffset');
      // Without a declared size (the part list is written after the PUT).
      const c = await store.appendObject('app', 'log', 5, bodyOf('c'), META);
      expect(c.metadata.partSizes).toEqual([3, 2, 1]);
      const results = await Promise.allSettled(nodes.map((node, i) => node.appendObject('app', 'log', 6, bodyOf(String(i + 1)), META, { expectedSize: 1 })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isStoreError(r.reason, 'InvalidWriteOffset'), String(r.reason)).toBe(true);
      const final = await text(store, 'app', 'log');
      expect(final).toMatch(/^aaabbc[123]$/);
      const { versions } = await allVersions(store, 'app', 1000);
      expect(versions.length).toBe(4);
      // After a delete, offset 0 starts the key again.
      await store.deleteObject('app', 'log');
      await store.appendObject('app', 'log', 0, bodyOf('new'), META, { expectedSize: 3 });
      expect(await text(store, 'app', 'log')).toBe('new');
    } finally {
      for (const node of nodes) await node.close();
    }
  });
});
