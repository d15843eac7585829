import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HashCache } from './hash-cache.js';
import { hashFiles } from './hash-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-hash-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const id = { path: '/x/a.html', size: 3, mtimeMs: 1000.5, ino: 42 };

describe('HashCache', () => {
  it('an entry is valid only for the same size, mtime and inode', () => {
    const c = HashCache.memory();
    c.set(id, { md5: 'aa' });
    expect(c.get(id)).toEqual({ md5: 'aa' });
    expect(c.get({ ...id, size: 4 })).toBeUndefined();
    expect(c.get({ ...id, mtimeMs: 1001 })).toBeUndefined();
    expect(c.get({ ...id, ino: 43 })).toBeUndefined();
  });

  it('merges MD5 and multipart ETags for the same file version', () => {
    const c = HashCache.memory();
    c.set(id, { md5: 'aa' });
    c.set(id, { multipart: { '8388608': 'bb-2' } });
    expect(c.get(id)).toEqual({ md5: 'aa', multipart: { '8388608': 'bb-2' } });
  });

  it('persists across loads; a corrupt file starts empty', async () => {
    const file = join(dir, 'sub', 'cache.json');
    const c = await HashCache.load(file);
    c.set(id, { md5: 'cc' });
    await c.save();
    expect((await HashCache.load(file)).get(id)).toEqual({ md5: 'cc' });
    await writeFile(file, '{not json');
    expect((await HashCache.load(file)).get(id)).toBeUndefined();
  });

  it('hashFiles uses cached hashes and only reads files it has no entry for', async () => {
    const path = join(dir, 'f.txt');
    await writeFile(path, 'hello');
    const file = { path, size: 5, mtimeMs: 1, ino: 7 }; // identity as listed (deliberately not the real mtime)
    const c = HashCache.memory();
    c.set(file, { md5: 'from-cache' });
    const cached = await hashFiles([{ file, md5: true, partSizes: [] }], c, 2);
    expect(cached.get(path)?.md5).toBe('from-cache');
    const fresh = await hashFiles([{ file: { ...file, mtimeMs: 2 }, md5: true, partSizes: [] }], c, 2);
    expect(fresh.get(path)?.md5).toBe('5d41402abc4b2a76b9719d911017c592');
  });
});
