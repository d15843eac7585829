/**
 * fs driver versioning specifics: what the contract cannot see (reopen, the in-between states a
 * crash can leave on disk, data files freed with the last version that lists them).
 */
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsStore, type ObjectStore } from '@bucketfront/object-store';
import { bodyOf, bytes, getBytes, readAll } from '@bucketfront/object-store/contract';

const META = { userMetadata: {} };
const BIG = 100 * 1024;
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bf-versions-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) out.push(join(e.parentPath, e.name));
  }
  return out.sort();
}

describe('fs driver: versions', () => {
  it('versions, delete markers, the null version and the status survive a reopen, in order', async () => {
    const dataDir = tempDir();
    const a = await createFsStore({ dataDir });
    await a.createBucket('bkt', { region: 'us-east-1' });
    await a.putObject('bkt', 'legacy', bodyOf('null one'), META);
    await a.putObject('bkt', 'untouched', bodyOf('still null'), META);
    await a.putBucketVersioning('bkt', 'Enabled');
    await a.putObject('bkt', 'legacy', bodyOf(bytes(BIG, 1)), META);
    for (let i = 0; i < 5; i++) await a.putObject('bkt', 'k', bodyOf(`v${i}`), META);
    await a.deleteObject('bkt', 'k');
    const before = await a.listObjectVersions('bkt', { maxKeys: 1000 });
    await a.close();

    const b = await createFsStore({ dataDir });
    try {
      expect(await b.getBucketVersioning('bkt')).toBe('Enabled');
      const after = await b.listObjectVersions('bkt', { maxKeys: 1000 });
      expect(after.versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker ?? false])).toEqual(before.versions.map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker ?? false]));
      expect(after.versions.map((v) => v.key)).toEqual(['k', 'k', 'k', 'k', 'k', 'k', 'legacy', 'legacy', 'untouched']);
      expect(await b.headObject('bkt', 'k')).toBeNull();
      expect((await getBytes(b, 'bkt', 'legacy'))!.length).toBe(BIG);
      const nullVersion = await b.getObject('bkt', 'legacy', undefined, { versionId: 'null' });
      expect(nullVersion!.info.versionId).toBe('null');
      expect((await b.headObject('bkt', 'untouched'))!.versionId).toBe('null');
      // New versions after a reopen still sort newest first.
      const next = await b.putObject('bkt', 'k', bodyOf('after reopen'), META);
      expect((await b.listObjectVersions('bkt', { prefix: 'k', maxKeys: 1 })).versions[0]!.versionId).toBe(next.versionId);
    } finally {
      await b.close();
    }
  });

  it('a pre-versioning manifest left beside versions by a crash becomes the null version, or goes when a null version replaced it', async () => {
    const dataDir = tempDir();
    const a = await createFsStore({ dataDir });
    await a.createBucket('bkt', { region: 'us-east-1' });
    await a.putObject('bkt', 'adopted', bodyOf('legacy A'), META);
    await a.putObject('bkt', 'replaced', bodyOf('legacy B'), META);
    // Keep copies of the two pre-versioning manifests, as a crash mid-write would have left them.
    const metas = await filesUnder(dataDir, '.meta');
    const saved = await Promise.all(metas.map(async (p) => [p, await fsp.readFile(p)] as const));
    await a.putBucketVersioning('bkt', 'Enabled');
    await a.putObject('bkt', 'adopted', bodyOf('version 1'), META);
    await a.putBucketVersioning('bkt', 'Suspended');
    await a.putObject('bkt', 'replaced', bodyOf('null, replaced'), META);
    await a.close();
    expect(await filesUnder(dataDir, '.meta')).toEqual([]);
    // The crash: the renamed / removed manifests are back, and 'adopted' lost its null.ver rename.
    for (const [p, data] of saved) await fsp.writeFile(p, data);
    for (const p of await filesUnder(dataDir, '.null.ver')) {
      const doc = JSON.parse((await fsp.readFile(p, 'utf8')).split('\n')[0]!) as { key: string };
      if (doc.key === 'adopted') await fsp.rm(p);
    }

    const b = await createFsStore({ dataDir });
    try {
      expect(await filesUnder(dataDir, '.meta')).toEqual([]);
      const adopted = await b.listObjectVersions('bkt', { prefix: 'adopted', maxKeys: 1000 });
      expect(adopted.versions.map((v) => [v.versionId === 'null', v.isLatest])).toEqual([
        [false, true],
        [true, false],
      ]);
      expect((await getBytes(b, 'bkt', 'adopted'))!.toString()).toBe('version 1');
      const got = await b.getObject('bkt', 'adopted', undefined, { versionId: 'null' });
      expect(got!.buffer!.toString()).toBe('legacy A');
      const replaced = await b.listObjectVersions('bkt', { prefix: 'replaced', maxKeys: 1000 });
      expect(replaced.versions.map((v) => v.versionId)).toEqual(['null']);
      expect((await getBytes(b, 'bkt', 'replaced'))!.toString()).toBe('null, replaced');
    } finally {
      await b.close();
    }
  });

  it('data files stay while a version lists them and go with the last one; recovery keeps them', async () => {
    const dataDir = tempDir();
    const a = await createFsStore({ dataDir });
    await a.createBucket('bkt', { region: 'us-east-1' });
    await a.putBucketVersioning('bkt', 'Enabled');
    const v1 = await a.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), META);
    const v2 = await a.putObject('bkt', 'k', bodyOf(bytes(BIG, 2)), META);
    const marker = await a.deleteObject('bkt', 'k');
    expect(await filesUnder(dataDir, '.data')).toHaveLength(2);
    await a.close();
    const b = await createFsStore({ dataDir });
    try {
      expect(await filesUnder(dataDir, '.data')).toHaveLength(2);
      await b.deleteObject('bkt', 'k', { versionId: v1.versionId! });
      await b.deleteObject('bkt', 'k', { versionId: marker.versionId! });
      await expect.poll(() => filesUnder(dataDir, '.data')).toHaveLength(1);
      expect((await getBytes(b, 'bkt', 'k'))!.equals(bytes(BIG, 2))).toBe(true);
      // Suspended: the null version is replaced, its files freed.
      await b.putBucketVersioning('bkt', 'Suspended');
      await b.putObject('bkt', 'k', bodyOf(bytes(BIG, 3)), META);
      await b.putObject('bkt', 'k', bodyOf(bytes(BIG, 4)), META);
      await expect.poll(() => filesUnder(dataDir, '.data')).toHaveLength(2);
      await b.deleteObject('bkt', 'k', { versionId: v2.versionId! });
      await b.deleteObject('bkt', 'k', { versionId: 'null' });
      await expect.poll(() => filesUnder(dataDir, '.data')).toHaveLength(0);
      expect(await filesUnder(dataDir, '.ver')).toEqual([]);
      await b.deleteBucket('bkt');
    } finally {
      await b.close();
    }
  });

  it('appends to a versioned object make versions that share the earlier data files', async () => {
    const dataDir = tempDir();
    const s = await createFsStore({ dataDir, inlineObjectBytes: 0 });
    try {
      await s.createBucket('bkt', { region: 'us-east-1' });
      await s.putBucketVersioning('bkt', 'Enabled');
      const v1 = await s.appendObject('bkt', 'log', 0, bodyOf('one,'), META);
      const v2 = await s.appendObject('bkt', 'log', 4, bodyOf('two'), META);
      expect(v2.versionId).not.toBe(v1.versionId);
      expect((await getBytes(s, 'bkt', 'log'))!.toString()).toBe('one,two');
      await s.deleteObject('bkt', 'log', { versionId: v1.versionId! });
      expect((await getBytes(s, 'bkt', 'log'))!.toString()).toBe('one,two');
      const got = await s.getObject('bkt', 'log', undefined, { versionId: v2.versionId! });
      expect((await readAll(got!.body)).toString()).toBe('one,two');
    } finally {
      await s.close();
    }
  });

  it('replicas keep their source version ids, take their source order whatever the arrival order, and are stored once', async () => {
    const src = await createFsStore({ dataDir: tempDir() });
    const dataDir = tempDir();
    const dst = await createFsStore({ dataDir });
    try {
      for (const s of [src, dst]) {
        await s.createBucket('bkt', { region: 'us-east-1' });
        await s.putBucketVersioning('bkt', 'Enabled');
      }
      const v1 = await src.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), META);
      const v2 = await src.putObject('bkt', 'k', bodyOf('two'), META);
      const marker = await src.deleteObject('bkt', 'k');
      const replica = { ...META, replicationStatus: 'REPLICA' as const };
      // Arrival order: v2, the marker, v1, then v1 again (a retried delivery).
      await dst.putObject('bkt', 'k', bodyOf('two'), replica, { versionId: v2.versionId! });
      await dst.deleteObject('bkt', 'k', { markerVersionId: marker.versionId! });
      expect(await dst.headObject('bkt', 'k')).toBeNull();
      const first = await dst.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), replica, { versionId: v1.versionId! });
      const again = await dst.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), replica, { versionId: v1.versionId! });
      expect(again.versionId).toBe(first.versionId);
      expect(await dst.deleteObject('bkt', 'k', { markerVersionId: marker.versionId! })).toEqual({ versionId: marker.versionId, deleteMarker: true });
      const listed = (await dst.listObjectVersions('bkt', { maxKeys: 1000 })).versions;
      expect(listed.map((v) => [v.versionId, v.isLatest, v.deleteMarker ?? false])).toEqual([
        [marker.versionId, true, true],
        [v2.versionId, false, false],
        [v1.versionId, false, false],
      ]);
      expect(listed[2]!.object!.metadata.replicationStatus).toBe('REPLICA');
      // The retried delivery left no data file behind.
      await expect.poll(() => filesUnder(dataDir, '.data')).toHaveLength(1);
      // A replica cannot land in a bucket without versioning.
      await dst.createBucket('plain', { region: 'us-east-1' });
      await expect(dst.putObject('plain', 'k', bodyOf('x'), META, { versionId: v2.versionId! })).rejects.toMatchObject({ code: 'InvalidRequest' });
    } finally {
      await src.close();
      await dst.close();
    }
  });

  it('a pre-versioning object (the null version of a versioned bucket) changes in place and stays the null version', async () => {
    const dataDir = tempDir();
    const a = await createFsStore({ dataDir });
    await a.createBucket('bkt', { region: 'us-east-1' });
    const legacy = await a.putObject('bkt', 'k', bodyOf('legacy'), META);
    await a.putBucketVersioning('bkt', 'Enabled');
    const changed = await a.updateVersionMetadata('bkt', 'k', 'null', { tagging: 'a=1' });
    expect([changed.versionId, changed.metadata.tagging, changed.lastModified.getTime()]).toEqual(['null', 'a=1', legacy.lastModified.getTime()]);
    const v2 = await a.putObject('bkt', 'k', bodyOf('new'), META);
    await a.close();
    const b = await createFsStore({ dataDir });
    try {
      const listed = (await b.listObjectVersions('bkt', { maxKeys: 1000 })).versions;
      expect(listed.map((v) => [v.versionId, v.object!.metadata.tagging])).toEqual([
        [v2.versionId, undefined],
        ['null', 'a=1'],
      ]);
      const got = await b.getObject('bkt', 'k', undefined, { versionId: 'null' });
      expect((await readAll(got!.body)).toString()).toBe('legacy');
    } finally {
      await b.close();
    }
  });

  it('the replication status of a version changes in place, for inline and file-backed versions, and survives a reopen', async () => {
    const dataDir = tempDir();
    const a = await createFsStore({ dataDir });
    await a.createBucket('bkt', { region: 'us-east-1' });
    await a.putBucketVersioning('bkt', 'Enabled');
    const pending = { ...META, replicationStatus: 'PENDING' as const };
    const old = await a.putObject('bkt', 'k', bodyOf(bytes(BIG, 1)), pending);
    const cur = await a.putObject('bkt', 'k', bodyOf('small'), pending);
    await a.updateVersionMetadata('bkt', 'k', cur.versionId!, { replicationStatus: 'COMPLETED' });
    await a.updateVersionMetadata('bkt', 'k', old.versionId!, { replicationStatus: 'FAILED' });
    expect((await a.headObject('bkt', 'k'))!.metadata.replicationStatus).toBe('COMPLETED');
    expect((await getBytes(a, 'bkt', 'k'))!.toString()).toBe('small');
    await expect(a.updateVersionMetadata('bkt', 'k', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { replicationStatus: 'COMPLETED' })).rejects.toMatchObject({ code: 'NoSuchVersion' });
    await a.close();
    const b = await createFsStore({ dataDir });
    try {
      const listed = (await b.listObjectVersions('bkt', { maxKeys: 1000 })).versions;
      expect(listed.map((v) => [v.versionId, v.object!.metadata.replicationStatus])).toEqual([
        [cur.versionId, 'COMPLETED'],
        [old.versionId, 'FAILED'],
      ]);
      const got = await b.getObject('bkt', 'k', undefined, { versionId: old.versionId! });
      expect((await readAll(got!.body)).equals(bytes(BIG, 1))).toBe(true);
    } finally {
      await b.close();
    }
  });
});

/** Starts a GET of `key` on every turn of the event loop until `op` settles; what each answered. */
async function getsDuring(s: ObjectStore, bucket: string, key: string, op: () => Promise<unknown>): Promise<(string | null)[]> {
  const outcomes: Promise<string | null>[] = [];
  let done = false;
  const running = op().finally(() => {
    done = true;
  });
  while (!done) {
    outcomes.push(s.getObject(bucket, key).then(async (got) => (got === null ? null : (got.buffer ?? (await readAll(got.body))).toString())));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await running;
  return Promise.all(outcomes);
}

describe('fs driver: ListObjectVersions', () => {
  it('a version-id-marker removed since its page was listed resumes where it stood (list a page, delete it, list the next: ceph/s3-tests nuke_bucket)', async () => {
    const s = await createFsStore({ dataDir: tempDir() });
    try {
      await s.createBucket('bkt', { region: 'us-east-1' });
      await s.putBucketVersioning('bkt', 'Enabled');
      for (let i = 0; i < 5; i++) await s.putObject('bkt', 'k', bodyOf(`v${i}`), META);
      await s.putObject('bkt', 'later', bodyOf('x'), META);
      const deleted: string[] = [];
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const page = await s.listObjectVersions('bkt', { maxKeys: 2, ...(keyMarker !== undefined ? { keyMarker } : {}), ...(versionIdMarker !== undefined ? { versionIdMarker } : {}) });
        for (const v of page.versions) {
          await s.deleteObject('bkt', v.key, { versionId: v.versionId });
          deleted.push(`${v.key} ${v.versionId}`);
        }
        if (!page.isTruncated) break;
        keyMarker = page.nextKeyMarker;
        versionIdMarker = page.nextVersionIdMarker;
      }
      expect(deleted).toHaveLength(6);
      expect((await s.listObjectVersions('bkt', { maxKeys: 1000 })).versions).toEqual([]);
      await s.deleteBucket('bkt');
    } finally {
      await s.close();
    }
  });
});

describe('fs driver: versions under concurrent requests', () => {
  it('an object written while versioning is being enabled is listed by ListObjectVersions', async () => {
    const s = await createFsStore({ dataDir: tempDir() });
    try {
      const unlisted: string[] = [];
      for (let i = 0; i < 20; i++) {
        const bucket = `bkt${i}`;
        await s.createBucket(bucket, { region: 'us-east-1' });
        const put = s.putObject(bucket, 'k', bodyOf('x'), META);
        for (let turn = 0; turn < i % 5; turn++) await new Promise((resolve) => setImmediate(resolve));
        await Promise.all([put, s.putBucketVersioning(bucket, 'Enabled')]);
        if ((await s.listObjectVersions(bucket, { maxKeys: 1000 })).versions.length !== 1) unlisted.push(bucket);
      }
      expect(unlisted).toEqual([]);
    } finally {
      await s.close();
    }
  });
  it('a GET racing a Suspended DELETE answers the object or nothing, never the delete marker as an empty object', async () => {
    // No body cache: small (inline) objects are read from their manifests.
    const s = await createFsStore({ dataDir: tempDir(), maxCachedObjectBytes: 0 });
    try {
      await s.createBucket('bkt', { region: 'us-east-1' });
      await s.putBucketVersioning('bkt', 'Suspended');
      const seen = new Set<string | null>();
      for (let i = 0; i < 10; i++) {
        await s.putObject('bkt', `k${i}`, bodyOf('hello'), META);
        for (const got of await getsDuring(s, 'bkt', `k${i}`, () => s.deleteObject('bkt', `k${i}`))) seen.add(got);
      }
      expect([...seen].filter((got) => got !== 'hello' && got !== null)).toEqual([]);
    } finally {
      await s.close();
    }
  });
  it.each([
    ['Enabled', 'the first versioned write to a pre-versioning object'],
    ['Suspended', 'a Suspended write that replaces a pre-versioning object'],
  ] as const)('a GET racing %s write (%s) always finds an object', async (status, _what) => {
    const s = await createFsStore({ dataDir: tempDir(), maxCachedObjectBytes: 0 });
    try {
      await s.createBucket('bkt', { region: 'us-east-1' });
      for (let i = 0; i < 10; i++) await s.putObject('bkt', `k${i}`, bodyOf('old'), META);
      await s.putBucketVersioning('bkt', status);
      const seen = new Set<string | null>();
      for (let i = 0; i < 10; i++) {
        for (const got of await getsDuring(s, 'bkt', `k${i}`, () => s.putObject('bkt', `k${i}`, bodyOf('new'), META))) seen.add(got);
      }
      expect([...seen].filter((got) => got !== 'old' && got !== 'new')).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
