/**
 * KvsDb (the control plane's writer) and KvsReader (a worker's read-only connection) on one real
 * SQLite file: a committed write is what the next read sees; a refused batch leaves nothing; a
 * reader started before the file exists finds it later; a corrupt file is moved aside.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KvsDb, KvsQuotaError } from './kvs-db.js';
import { KvsReader } from './kvs-reader.js';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await makeTempDir('kvs-db-');
});
afterEach(async () => {
  await tmp.cleanup();
});

const now = new Date('2026-12-03T12:00:00Z');

describe('KvsDb and KvsReader on one file', () => {
  it('a reader on its own connection sees each committed change at once, and the metadata', () => {
    const file = join(tmp.path, 'kvs.sqlite');
    const db = KvsDb.open(file, () => {});
    const store = db.create('map', 'c', now);
    const reader = new KvsReader(file);
    try {
      expect(reader.get(store.id, '/a')).toBeUndefined();
      const r = db.applyKeys(
        store.id,
        [
          { key: '/a', value: '1' },
          { key: '/b', value: '2' },
        ],
        [],
        new Date(now.getTime() + 1000),
      );
      expect(r).toMatchObject({ itemCount: 2, totalSizeInBytes: 6 });
      expect(r.etag).not.toBe(store.dataEtag);
      expect(reader.get(store.id, '/a')).toBe('1');
      expect(reader.meta(store.id)).toEqual({ creationDateTime: now.toISOString(), lastUpdatedDateTime: '2026-12-03T12:00:01.000Z', keyCount: 2 });
      db.applyKeys(store.id, [], ['/a'], now);
      expect(reader.get(store.id, '/a')).toBeUndefined();
      expect(reader.meta('no-such-store')).toBeUndefined();
    } finally {
      reader.close();
      db.close();
    }
  });

  it('a batch over 5 MB is refused whole (KvsQuotaError) and the data ETag stays', () => {
    const db = KvsDb.open(undefined, () => {});
    const store = db.create('big', '', now);
    const puts = Array.from({ length: 5200 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(1024) }));
    expect(() => db.applyKeys(store.id, puts, [], now)).toThrow(KvsQuotaError);
    expect(db.size(store.id)).toEqual({ itemCount: 0, totalSizeInBytes: 0 });
    expect(db.byId(store.id)!.dataEtag).toBe(store.dataEtag);
    db.close();
  });

  it('a reader created before the file exists reads nothing, then finds the file (retried after a second)', async () => {
    const file = join(tmp.path, 'later.sqlite');
    const reader = new KvsReader(file);
    expect(reader.get('x', 'k')).toBeUndefined();
    const db = KvsDb.open(file, () => {});
    const store = db.create('late', '', now);
    db.applyKeys(store.id, [{ key: 'k', value: 'v' }], [], now);
    await new Promise((r) => setTimeout(r, 1100));
    expect(reader.get(store.id, 'k')).toBe('v');
    reader.close();
    db.close();
  });

  it('a corrupt file is moved aside with one warning; a restart keeps the data of a sound one', async () => {
    const file = join(tmp.path, 'kvs.sqlite');
    await writeFile(file, 'not a database at all, but long enough to look like a header........................................');
    const warnings: string[] = [];
    const db = KvsDb.open(file, (m) => warnings.push(m));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/moved it to .*corrupt-/);
    expect((await readdir(tmp.path)).some((n) => n.includes('.corrupt-'))).toBe(true);
    const store = db.create('kept', '', now);
    db.applyKeys(store.id, [{ key: 'k', value: 'v' }], [], now);
    db.close();
    const again = KvsDb.open(file, (m) => warnings.push(m));
    expect(again.byName('kept')!.id).toBe(store.id);
    expect(again.getKey(store.id, 'k')).toBe('v');
    expect(warnings).toHaveLength(1);
    again.close();
  });
});
