import { spawn } from 'node:child_process';
import { pbkdf2 } from 'node:crypto';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, promises as fsp, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { contractEntry, describeCacheStore, type ContractLimits } from './cache-store.contract.js';
import type { CachedResponse } from './cache-store.js';
import { DiskStore, INDEX_FILE, type DiskStoreOptions } from './disk-store.js';
import { parseWriterBody } from '../../test/fixtures/disk-store-bodies.js';
import { sourceNodeArgs } from '@bucketfront/test-support';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bf-disk-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A clock that moves 1 ms per reading (access times never tie), and can jump. */
function tickingClock(): { now: number; read: () => number } {
  const c = { now: 1_700_000_000_000, read: () => c.now++ };
  return c;
}

interface Opened {
  store: DiskStore;
  logs: string[];
  clock: ReturnType<typeof tickingClock>;
}
function open(dir: string, opts: Partial<DiskStoreOptions> = {}): Opened {
  const logs: string[] = [];
  const clock = tickingClock();
  const store = DiskStore.open({ dir, maxBytes: 1_000_000, maxObjectBytes: 100_000, role: 'owner', log: (m) => logs.push(m), clock: clock.read, ...opts });
  return { store, logs, clock };
}

function put(store: DiskStore, fields: Partial<CachedResponse>): Promise<boolean> {
  return store.put(contractEntry(fields), store.generation());
}

function bodyFiles(dir: string): string[] {
  const root = join(dir, 'bodies');
  return readdirSync(root).flatMap((fan) => readdirSync(join(root, fan)).map((f) => join(root, fan, f)));
}

describeCacheStore('DiskStore', async (limits: ContractLimits) => {
  const dir = tempDir();
  const { store } = open(dir, { maxBytes: limits.maxBytes, maxObjectBytes: limits.maxObjectBytes });
  return { store, entry: contractEntry, settle: () => store.maintain(), close: async () => store.close() };
});

describe('DiskStore', () => {
  it('rows remembered by one process are forgotten when another replaces, refreshes or invalidates them', async () => {
    const dir = tempDir();
    const owner = open(dir).store;
    const member = open(dir, { role: 'member' }).store;
    await put(owner, { key: 'a', path: '/a', variants: { identity: { body: Buffer.from('first'), headers: [] } } });
    expect((await member.get('a'))!.variants.identity!.body.toString()).toBe('first');
    expect((await member.get('a'))!.variants.identity!.body.toString()).toBe('first'); // remembered
    await put(owner, { key: 'a', path: '/a', variants: { identity: { body: Buffer.from('second'), headers: [] } } });
    expect((await member.get('a'))!.variants.identity!.body.toString()).toBe('second');
    await owner.refresh('a', { times: { ...contractEntry({}).times, freshUntil: 42 } }, owner.generation());
    expect((await member.get('a'))!.times.freshUntil).toBe(42);
    await owner.invalidate('E1', ['/a']);
    expect(await member.get('a')).toBeUndefined();
    // …and its own writes: the member puts, then reads its own row.
    await put(member, { key: 'b', path: '/b', variants: { identity: { body: Buffer.from('mine'), headers: [] } } });
    expect((await member.get('b'))!.variants.identity!.body.toString()).toBe('mine');
    await put(member, { key: 'b', path: '/b', variants: { identity: { body: Buffer.from('mine too'), headers: [] } } });
    expect((await member.get('b'))!.variants.identity!.body.toString()).toBe('mine too');
  });

  it('borrow: bodies in pooled buffers only when asked; given back, they serve the next borrow', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    const a = Buffer.alloc(70_000, 'a');
    const b = Buffer.alloc(90_000, 'b');
    await put(store, { key: 'a', path: '/a', variants: { identity: { body: a, headers: [] } } });
    await put(store, { key: 'b', path: '/b', variants: { identity: { body: b, headers: [] } } });
    const kept = await store.borrow('a', () => false);
    expect(kept!.borrowed).toBe(false);
    const lent = await store.borrow('a', (bytes) => {
      expect(bytes).toBe(70_000);
      return true;
    });
    expect(lent!.borrowed).toBe(true);
    const body = lent!.entry.variants.identity!.body;
    expect(body.equals(a)).toBe(true);
    store.giveBack(lent!.entry);
    store.giveBack(lent!.entry); // twice: ignored
    const next = await store.borrow('b', () => true);
    expect(next!.entry.variants.identity!.body.buffer).toBe(body.buffer); // the same memory, reused
    expect(next!.entry.variants.identity!.body.equals(b)).toBe(true);
    const other = await store.borrow('a', () => true); // the buffer is lent: not handed out twice
    expect(other!.entry.variants.identity!.body.buffer).not.toBe(body.buffer);
    expect(other!.entry.variants.identity!.body.equals(a)).toBe(true);
    store.giveBack(kept!.entry); // never lent: ignored, not pooled
    const third = await store.borrow('a', () => true);
    expect(third!.entry.variants.identity!.body.buffer).not.toBe(kept!.entry.variants.identity!.body.buffer);
    expect(kept!.entry.variants.identity!.body.equals(a)).toBe(true);
  });

  it("a member on the same directory sees the owner's puts and invalidations, and the owner the member's", async () => {
    const dir = tempDir();
    const owner = open(dir).store;
    const member = open(dir, { role: 'member' }).store;
    expect(await put(owner, { key: 'a', path: '/a' })).toBe(true);
    expect((await member.get('a'))!.variants.identity!.body.toString()).toBe('body of /a');
    expect(await put(member, { key: 'b', path: '/b', tags: ['t'] })).toBe(true);
    expect(await owner.get('b')).toBeDefined();
    const g = owner.generation();
    await member.invalidate('E1', ['/a', '#T']);
    expect(owner.generation()).toBeGreaterThan(g);
    expect(await owner.get('a')).toBeUndefined();
    expect(await owner.get('b')).toBeUndefined();
    // The owner's fill that started before the member's invalidation is refused.
    expect(await owner.put(contractEntry({ key: 'a', path: '/a' }), g)).toBe(false);
    member.close();
    owner.close();
  });

  it('a get whose body another process deleted meanwhile is a miss, not corruption (the row is not its any more)', async () => {
    const dir = tempDir();
    const { store: reader, logs } = open(dir);
    const writer = open(dir, { role: 'member' }).store;
    // Over body-files.ts SYNC_READ_MAX: read through the thread pool, so the file is opened later.
    const big = Buffer.alloc(300 * 1024, 'k');
    await put(writer, { key: 'k', path: '/k', variants: { identity: { body: big, headers: [] } } });
    await put(writer, { key: 'other', path: '/other' });
    const files = bodyFiles(dir).filter((f) => statSync(f).size === big.length);
    // Hold libuv's thread pool (FIFO) so the reader's open() runs after the delete below.
    const busy = Array.from({ length: 64 }, () => new Promise((resolve) => pbkdf2('x', 'y', 20_000, 32, 'sha256', resolve)));
    const racing = reader.get('k'); // row read now, file opened later
    const deleting = writer.delete('k'); // the row goes now…
    for (const f of files) rmSync(f); // …and its files, as the writer process would
    expect(await racing).toBeUndefined();
    await Promise.all([deleting, ...busy]);
    expect(reader.health()).toMatchObject({ corruptBodies: 0, readErrors: 0, writeErrors: 0 });
    expect(logs).toEqual([]);
    expect(await reader.get('other')).toBeDefined();
    writer.close();
    reader.close();
  });

  it('a get whose row another process replaced meanwhile reads the new row (the fresh row is not dropped)', async () => {
    const dir = tempDir();
    const { store: reader, logs } = open(dir);
    await put(reader, { key: 'k', path: '/k' });
    const [oldFile] = bodyFiles(dir);
    const newId = 'f'.repeat(32);
    const newFile = join(dir, 'bodies', 'ff', `${newId}.identity`);
    await fsp.mkdir(join(newFile, '..'), { recursive: true });
    await fsp.copyFile(oldFile!, newFile);
    const other = new Database(join(dir, INDEX_FILE)); // another process's connection
    const busy = Array.from({ length: 64 }, () => new Promise((resolve) => pbkdf2('x', 'y', 20_000, 32, 'sha256', resolve)));
    const racing = reader.get('k');
    other.prepare('UPDATE entries SET body_id = ? WHERE key = ?').run(newId, 'k'); // the replace commits…
    rmSync(oldFile!); // …and the replaced body is unlinked
    expect((await racing)?.variants.identity?.body.toString()).toBe('body of /k');
    await Promise.all(busy);
    expect(reader.health().corruptBodies).toBe(0);
    expect(logs).toEqual([]);
    other.close();
    reader.close();
  });

  it('entries survive close and reopen (a restart)', async () => {
    const dir = tempDir();
    const first = open(dir).store;
    await put(first, { key: 'keep', path: '/keep', tags: ['x'] });
    await first.invalidate('E1', ['/gone']);
    const g = first.generation();
    first.close();
    const again = open(dir).store;
    expect((await again.get('keep'))!.variants.identity!.body.toString()).toBe('body of /keep');
    expect(again.generation()).toBe(g);
    expect(again.stats().entries).toBe(1);
    await again.invalidate('E1', ['#X']); // the tags table survived too
    expect(await again.get('keep')).toBeUndefined();
    again.close();
  });

  it('a truncated body is never served: get is undefined, the row and its files are dropped, one warning', async () => {
    const dir = tempDir();
    const { store, logs } = open(dir);
    await put(store, { key: 'torn', path: '/torn' });
    await put(store, { key: 'ok', path: '/ok' });
    const [file] = bodyFiles(dir).filter((f) => readFileText(f) === 'body of /torn');
    await fsp.truncate(file!, 3);
    expect(await store.get('torn')).toBeUndefined();
    expect(await store.get('torn')).toBeUndefined();
    expect(store.health().corruptBodies).toBe(1);
    expect(logs.filter((l) => l.includes('torn'))).toHaveLength(1);
    expect(store.stats().entries).toBe(1);
    expect(existsSync(file!)).toBe(false);
    expect(await store.get('ok')).toBeDefined();
    store.close();
  });

  it('a body with the right length but other bytes (crc32) is not served', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    await put(store, { key: 'flip', path: '/flip' });
    const [file] = bodyFiles(dir);
    writeFileSync(file!, 'BODY of /flip');
    expect(await store.get('flip')).toBeUndefined();
    expect(store.health().corruptBodies).toBe(1);
    expect(store.stats().entries).toBe(0);
    store.close();
  });

  it('a deleted body file: get is undefined, the row is dropped', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    await put(store, { key: 'gone', path: '/gone' });
    for (const f of bodyFiles(dir)) rmSync(f);
    expect(await store.get('gone')).toBeUndefined();
    expect(store.stats().entries).toBe(0);
    store.close();
  });

  it('replacing a key removes the replaced body files', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    await put(store, { key: 'k', path: '/k', variants: { identity: { body: Buffer.from('one'), headers: [] }, gzip: { body: Buffer.from('two'), headers: [] } } });
    expect(bodyFiles(dir)).toHaveLength(2);
    await put(store, { key: 'k', path: '/k', variants: { identity: { body: Buffer.from('three'), headers: [] } } });
    expect(bodyFiles(dir).map(readFileText)).toEqual(['three']);
    await store.delete('k');
    expect(bodyFiles(dir)).toHaveLength(0);
    store.close();
  });

  it('a corrupted index at open: one warning, the index moved aside, an empty working store, old bodies removed', async () => {
    const dir = tempDir();
    const first = open(dir).store;
    for (let i = 0; i < 5; i++) await put(first, { key: `k${i}`, path: `/k${i}` });
    first.close();
    writeFileSync(join(dir, INDEX_FILE), Buffer.alloc(8192, 0x5a));
    const { store, logs } = open(dir);
    expect(store.disabled).toBe(false);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(join(dir, INDEX_FILE));
    expect(existsSync(join(dir, `${INDEX_FILE}.corrupt`))).toBe(true);
    expect(store.stats().entries).toBe(0);
    expect(await store.get('k0')).toBeUndefined();
    expect(await put(store, { key: 'new', path: '/new' })).toBe(true);
    expect(await store.get('new')).toBeDefined();
    await store.whenSwept();
    expect(bodyFiles(dir).map(readFileText)).toEqual(['body of /new']);
    expect(readdirSync(dir).filter((n) => n.startsWith('bodies.'))).toEqual([]);
    store.close();
  });

  it('an index that fails quick_check (damaged pages) is replaced too', async () => {
    const dir = tempDir();
    const first = open(dir).store;
    for (let i = 0; i < 200; i++) await put(first, { key: `k${i}`, path: `/k${i}`, tags: [`t${i}`] });
    first.close(); // checkpoints the WAL into index.sqlite
    const file = join(dir, INDEX_FILE);
    const bytes = await fsp.readFile(file);
    bytes.fill(0xa5, 4096 * 2, bytes.length - 4096); // keep the header page valid, damage the b-tree pages
    writeFileSync(file, bytes);
    const { store, logs } = open(dir);
    expect(store.disabled).toBe(false);
    expect(logs).toHaveLength(1);
    expect(store.stats().entries).toBe(0);
    expect(await put(store, { key: 'new', path: '/new' })).toBe(true);
    store.close();
  });

  it('a directory that cannot be created (its parent is a regular file): a disabled store, one warning, no throw', async () => {
    const parent = join(tempDir(), 'not-a-dir');
    writeFileSync(parent, 'x');
    const dir = join(parent, 'cache');
    const { store, logs } = open(dir);
    expect(store.disabled).toBe(true);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(dir);
    expect(logs[0]).toContain('ENOTDIR');
    expect(store.health()).toMatchObject({ disabled: true, reason: expect.stringContaining('ENOTDIR') });
    expect(await put(store, { key: 'a', path: '/a' })).toBe(false);
    expect(await store.get('a')).toBeUndefined();
    await store.invalidate('E1', ['/*']);
    await store.refresh('a', { times: { fetchedAt: 0, freshUntil: 0, swrUntil: 0, sieUntil: 0 } }, 0);
    await store.delete('a');
    await store.maintain();
    expect(store.stats()).toEqual({ entries: 0, sizeBytes: 0, maxBytes: 1_000_000 });
    store.close();
    expect(logs).toHaveLength(1);
  });

  it('a write failing mid-run (tmp/ replaced by a file): puts resolve false, one warning, gets still work', async () => {
    const dir = tempDir();
    const { store, logs } = open(dir);
    expect(await put(store, { key: 'before', path: '/before' })).toBe(true);
    rmSync(join(dir, 'tmp'), { recursive: true });
    writeFileSync(join(dir, 'tmp'), 'in the way');
    expect(await put(store, { key: 'a', path: '/a' })).toBe(false);
    expect(await put(store, { key: 'b', path: '/b' })).toBe(false);
    expect(store.health().writeErrors).toBe(2);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('ENOTDIR');
    expect((await store.get('before'))!.variants.identity!.body.toString()).toBe('body of /before');
    expect(await store.get('a')).toBeUndefined();
    await store.invalidate('E1', ['/before']);
    expect(await store.get('before')).toBeUndefined();
    store.close();
  });

  it('what the index holds counts against maxBytes: long viewer-chosen keys and many tags, not only bodies', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    const longQuery = 'q=' + 'x'.repeat(20_000);
    const tags = Array.from({ length: 50 }, (_, i) => `tag-${i}`);
    expect(await put(store, { key: `E1\n/a?${longQuery}`, path: '/a', query: longQuery, tags, variants: { identity: { body: Buffer.from('tiny'), headers: [] } } })).toBe(true);
    // key twice (entries + tags), query, and the key once more per tag row
    expect(store.stats().sizeBytes).toBeGreaterThan(50 * 20_000);
    store.close();
  });

  it('eviction over maxBytes: the owner deletes least-recently-used rows and their files down to 90%', async () => {
    const dir = tempDir();
    const maxBytes = 100_000;
    const { store } = open(dir, { maxBytes, maxObjectBytes: 10_000 });
    for (let i = 0; i < 30; i++) {
      expect(await put(store, { key: `k${i}`, path: `/k${i}`, variants: { identity: { body: Buffer.alloc(8000, i), headers: [] } } })).toBe(true);
    }
    expect(store.stats().sizeBytes).toBeGreaterThan(maxBytes);
    expect(await store.get('k0')).toBeDefined(); // its access time is flushed by the pass below
    await store.maintain();
    const after = store.stats();
    expect(after.sizeBytes).toBeLessThanOrEqual(maxBytes * 0.9);
    expect(bodyFiles(dir)).toHaveLength(after.entries);
    expect(await store.get('k0')).toBeDefined(); // read last: most recently used
    expect(await store.get('k1')).toBeUndefined();
    expect(await store.get('k29')).toBeDefined();
    store.close();
  });

  it('a member does not evict; the owner does', async () => {
    const dir = tempDir();
    const owner = open(dir, { maxBytes: 30_000 }).store;
    const member = open(dir, { maxBytes: 30_000, role: 'member' }).store;
    for (let i = 0; i < 6; i++) await put(member, { key: `k${i}`, path: `/k${i}`, variants: { identity: { body: Buffer.alloc(8000), headers: [] } } });
    await member.maintain();
    expect(member.stats().entries).toBe(6);
    await owner.maintain();
    expect(member.stats().sizeBytes).toBeLessThanOrEqual(27_000);
    member.close();
    owner.close();
  });

  it('a fill older than the pruned invalidations is refused (retention window)', async () => {
    const dir = tempDir();
    const { store, clock } = open(dir);
    const old = store.generation();
    await store.invalidate('E1', ['/unrelated']);
    expect(await store.put(contractEntry({ key: 'a', path: '/a' }), old)).toBe(true); // still checkable: not covered
    clock.now += 11 * 60_000;
    await store.maintain(); // prunes the invalidation
    expect(await store.put(contractEntry({ key: 'a', path: '/a' }), old)).toBe(false);
    expect(await store.put(contractEntry({ key: 'a', path: '/a' }), store.generation())).toBe(true);
    store.close();
  });

  it('the owner sweeps old tmp/ files and orphan bodies at open, keeps young ones and named bodies', async () => {
    const dir = tempDir();
    const first = open(dir).store;
    await put(first, { key: 'named', path: '/named' });
    first.close();
    const named = bodyFiles(dir);
    const old = Date.now() / 1000 - 600;
    const orphan = join(dir, 'bodies', 'ab', `ab${'0'.repeat(30)}.identity`);
    const youngOrphan = join(dir, 'bodies', 'ab', `ab${'1'.repeat(30)}.gzip`);
    const tmpOld = join(dir, 'tmp', 'leftover');
    for (const f of [orphan, youngOrphan, tmpOld]) {
      await fsp.mkdir(join(f, '..'), { recursive: true });
      writeFileSync(f, 'x');
    }
    utimesSync(orphan, old, old);
    utimesSync(tmpOld, old, old);
    const { store } = open(dir);
    await store.whenSwept();
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(tmpOld)).toBe(false);
    expect(existsSync(youngOrphan)).toBe(true);
    for (const f of named) expect(statSync(f).isFile()).toBe(true);
    expect(await store.get('named')).toBeDefined();
    store.close();
  });

  it('several processes: a child puts entries (replacing them round after round) while this one reads them, never a torn body', async () => {
    const dir = tempDir();
    const { store } = open(dir, { maxBytes: 1 << 30, maxObjectBytes: 1 << 20, clock: Date.now });
    const keys = 40;
    const rounds = 5;
    const script = fileURLToPath(new URL('../../test/fixtures/disk-store-writer.ts', import.meta.url));
    const child = spawn(process.execPath, [...sourceNodeArgs(script), dir, String(keys), String(rounds)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let done = false;
    void exited.then(() => {
      done = true;
    });
    const seenRound = new Array<number>(keys).fill(-1);
    let hits = 0;
    while (!done) {
      for (let i = 0; i < keys; i++) {
        const e = await store.get(`k${i}`);
        if (e === undefined) continue;
        hits++;
        const parsed = parseWriterBody(e.variants.identity!.body);
        expect(parsed?.key).toBe(i); // a whole body of this key, never torn
        expect(parsed!.round).toBeGreaterThanOrEqual(seenRound[i]!); // never older than what was seen
        seenRound[i] = parsed!.round;
      }
      await store.maintain();
      await new Promise((r) => setImmediate(r)); // small bodies are read synchronously: let the child's exit event in
    }
    expect(await exited).toBe(0);
    expect(out.trim()).toBe('done 0');
    for (let i = 0; i < keys; i++) {
      const e = await store.get(`k${i}`);
      expect(parseWriterBody(e!.variants.identity!.body)).toEqual({ key: i, round: rounds - 1 });
    }
    expect(store.stats().entries).toBe(keys);
    expect(bodyFiles(dir)).toHaveLength(keys); // replaced bodies were unlinked
    expect(store.health()).toMatchObject({ corruptBodies: 0, writeErrors: 0, readErrors: 0 });
    process.stderr.write(`multi-process: ${hits} hits while the child wrote\n`);
    store.close();
  });
});

function readFileText(f: string): string {
  return readFileSync(f, 'utf8');
}
