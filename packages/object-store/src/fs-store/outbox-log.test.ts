/**
 * The fs outbox's log (outbox-log.ts, outbox-frames.ts): what survives a reopen, what a torn
 * write leaves, when segments go, and batches of the earlier one-file-per-batch format.
 */
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createFsStore } from './index.js';
import type { EventOutbox, ObjectStore } from '../types.js';
import { decodeFrame, decodeFrames, encodeFrame } from './outbox-frames.js';

type Store = ObjectStore & EventOutbox;
const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bf-outbox-'));
  dirs.push(d);
  return d;
};

async function openStore(dataDir: string): Promise<Store> {
  const s = await createFsStore({ dataDir });
  open.push(s);
  return s;
}

async function closeStore(s: Store): Promise<void> {
  open.splice(open.indexOf(s), 1);
  await s.close();
}

const partitionFiles = async (dataDir: string, partition: string) => (await fsp.readdir(join(dataDir, 'outbox', partition))).sort();

describe('outbox frames', () => {
  it('round-trip, and a torn, altered or foreign line is no frame', () => {
    const batch = encodeFrame({ kind: 'B', id: 'b1', records: ['{"a":"x\\ny"}', 'é'] });
    const removed = encodeFrame({ kind: 'R', ids: ['b1'] });
    expect(batch.at(-1)).toBe(0x0a);
    expect(batch.subarray(0, -1).includes(0x0a)).toBe(false); // one line, whatever the records hold
    expect(decodeFrame(batch.subarray(0, -1))).toEqual({ kind: 'B', id: 'b1', records: ['{"a":"x\\ny"}', 'é'] });
    expect(decodeFrame(removed.subarray(0, -1))).toEqual({ kind: 'R', ids: ['b1'] });

    const altered = Buffer.from(batch);
    altered[20] = altered[20]! ^ 1;
    expect(decodeFrame(altered.subarray(0, -1))).toBeNull();
    expect(decodeFrame(Buffer.alloc(40))).toBeNull(); // zeros: a write that never reached the disk

    const joined = Buffer.concat([batch, removed, batch.subarray(0, 30)]);
    const { frames, end } = decodeFrames(joined);
    expect(frames.map((f) => [f.kind, f.offset, f.length])).toEqual([
      ['B', 0, batch.length],
      ['R', batch.length, removed.length],
    ]);
    expect(end).toBe(batch.length + removed.length);
  });
});

describe('the fs outbox log', () => {
  it('never reads a torn write, batch or removal, and what follows a reopen is kept', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const b1 = await a.appendOutbox('node-a', ['r1']);
    const b2 = await a.appendOutbox('node-a', ['r2']);
    const b3 = await a.appendOutbox('node-a', ['r3']);
    await a.removeOutbox('node-a', [b1]);
    await closeStore(a);
    const [segment, removals] = await partitionFiles(dataDir, 'node-a');
    expect([segment, removals]).toEqual([expect.stringMatching(/^[0-9a-f]{12}\.log$/), `${segment}.removed`]);
    // The process died in the middle of a write: half a frame at the end of each file.
    const torn = encodeFrame({ kind: 'B', id: 'ffffffffffff-00000000-00000000', records: ['lost'] });
    await fsp.appendFile(join(dataDir, 'outbox', 'node-a', segment!), torn.subarray(0, torn.length - 9));
    const tornRemoval = encodeFrame({ kind: 'R', ids: [b2] });
    await fsp.appendFile(join(dataDir, 'outbox', 'node-a', removals!), tornRemoval.subarray(0, 20));

    const b = await openStore(dataDir);
    expect(await b.readOutbox('node-a', 10)).toEqual([
      { id: b2, records: ['r2'] },
      { id: b3, records: ['r3'] },
    ]);
    const b4 = await b.appendOutbox('node-a', ['r4']);
    await b.removeOutbox('node-a', [b3]); // recorded after the torn removal
    await closeStore(b);

    const c = await openStore(dataDir);
    expect((await c.readOutbox('node-a', 10)).map((x) => x.id)).toEqual([b2, b4]);
  });

  it('keeps removals across a reopen, and deletes a segment once it holds no live batch', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const ids = [await a.appendOutbox('node-a', ['1']), await a.appendOutbox('node-a', ['2']), await a.appendOutbox('node-a', ['3'])];
    await a.removeOutbox('node-a', [ids[0]!, ids[2]!]);
    await closeStore(a);

    const b = await openStore(dataDir);
    expect(await b.readOutbox('node-a', 10)).toEqual([{ id: ids[1], records: ['2'] }]);
    const [first] = await partitionFiles(dataDir, 'node-a');
    // After a reopen appends go to a new segment; the first one goes with its last live batch.
    const b4 = await b.appendOutbox('node-a', ['4']);
    await b.removeOutbox('node-a', [ids[1]!]);
    const files = await partitionFiles(dataDir, 'node-a');
    expect(files).not.toContain(first);
    expect(files.filter((f) => f.endsWith('.log'))).toHaveLength(1);
    expect(await b.readOutbox('node-a', 10)).toEqual([{ id: b4, records: ['4'] }]);
    expect(await b.listOutboxPartitions()).toEqual(['node-a']);
    await b.removeOutbox('node-a', [b4]);
    expect(await b.listOutboxPartitions()).toEqual([]);
  });

  it('a removal that could not be recorded leaves its batches live, and a later one records it', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const [b1, b2] = [await a.appendOutbox('node-a', ['1']), await a.appendOutbox('node-a', ['2'])];
    const [segment] = await partitionFiles(dataDir, 'node-a');
    // The removal file cannot be opened for writing (a directory stands in its place).
    const removals = join(dataDir, 'outbox', 'node-a', `${segment}.removed`);
    await fsp.mkdir(removals);
    await expect(a.removeOutbox('node-a', [b1!])).rejects.toThrow();
    expect((await a.readOutbox('node-a', 10)).map((b) => b.id)).toEqual([b1, b2]);
    await fsp.rmdir(removals);
    await a.removeOutbox('node-a', [b1!]);
    await closeStore(a);
    const b = await openStore(dataDir);
    expect((await b.readOutbox('node-a', 10)).map((x) => x.id)).toEqual([b2]);
  });

  it('deletes a segment emptied by removals made at the same time', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => a.appendOutbox('node-a', [String(i)])));
    await closeStore(a);
    const b = await openStore(dataDir); // the segment is no longer the one appended to
    await Promise.all(ids.map((id) => b.removeOutbox('node-a', [id])));
    expect(await partitionFiles(dataDir, 'node-a')).toEqual([]);
  });

  it('makes an append again in a new segment when the partition directory was removed under it', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const b1 = await a.appendOutbox('node-a', ['1']);
    await fsp.rm(join(dataDir, 'outbox', 'node-a'), { recursive: true });
    const b2 = await a.appendOutbox('node-a', ['2']); // acknowledged only once it is in a file that is still there
    await closeStore(a);
    const b = await openStore(dataDir);
    expect(await b.readOutbox('node-a', 10)).toEqual([{ id: b2, records: ['2'] }]);
    expect(b1).not.toBe(b2);
  });

  it('moves on to a new segment past 8 MiB and deletes the full one once it is drained', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const record = 'x'.repeat(1024 * 1024);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await a.appendOutbox('big', [record, String(i)]));
    const logs = (await partitionFiles(dataDir, 'big')).filter((f) => f.endsWith('.log'));
    expect(logs).toHaveLength(2);
    expect((await a.readOutbox('big', 20)).map((b) => b.records[1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    await a.removeOutbox('big', ids.slice(0, 7));
    expect((await partitionFiles(dataDir, 'big')).filter((f) => f.endsWith('.log'))).toEqual([logs[1]]);
    expect((await a.readOutbox('big', 20, ids[7])).map((b) => b.records[1])).toEqual(['8', '9']);
  });

  it('never reads a line whose bytes changed on disk, nor what follows it, and keeps its segment', async () => {
    const dataDir = tempDir();
    const a = await openStore(dataDir);
    const ids = [await a.appendOutbox('node-a', ['one']), await a.appendOutbox('node-a', ['two']), await a.appendOutbox('node-a', ['three'])];
    await closeStore(a);
    const [segment] = await partitionFiles(dataDir, 'node-a');
    const path = join(dataDir, 'outbox', 'node-a', segment!);
    const bytes = await fsp.readFile(path);
    const at = bytes.indexOf('"two"');
    bytes[at + 2] = 'o'.charCodeAt(0); // "two" -> "too": a whole line, still ending in a newline
    await fsp.writeFile(path, bytes);

    const b = await openStore(dataDir);
    expect(await b.readOutbox('node-a', 10)).toEqual([{ id: ids[0], records: ['one'] }]);
    await b.removeOutbox('node-a', [ids[0]!]);
    await closeStore(b);
    // Drained of what it could read, the segment is still kept: the damage may hide batches.
    expect(await partitionFiles(dataDir, 'node-a')).toContain(segment);
  });

  it('keeps an append acknowledged while the store closes; appends after close are refused', async () => {
    // Closed after 0 to 600 turns of the event loop: before, during and after each step of the first
    // append (a new segment's file, the directory's fsync, the write, the check that it is linked).
    for (let ticks = 0; ticks <= 600; ticks += 6) {
      const dataDir = tempDir();
      const a = await createFsStore({ dataDir });
      const appended = a.appendOutbox('node-a', [String(ticks)]).then(
        (id) => id,
        () => null,
      );
      for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r));
      await a.close();
      const id = await appended;
      await expect(a.appendOutbox('node-a', ['late'])).rejects.toMatchObject({ code: 'ServiceUnavailable' });
      const b = await openStore(dataDir);
      expect(await b.readOutbox('node-a', 10), `closed after ${ticks} turns`).toEqual(id === null ? [] : [{ id, records: [String(ticks)] }]);
      await closeStore(b);
    }
  });

  it('reads and removes batches of the earlier one-file-per-batch format', async () => {
    const dataDir = tempDir();
    const legacyId = '000000000001-00000000-00000000';
    await fsp.mkdir(join(dataDir, 'outbox', 'node-a'), { recursive: true });
    await fsp.writeFile(join(dataDir, 'outbox', 'node-a', `${legacyId}.json`), JSON.stringify(['old']));
    const a = await openStore(dataDir);
    const id = await a.appendOutbox('node-a', ['new']);
    expect(await a.readOutbox('node-a', 10)).toEqual([
      { id: legacyId, records: ['old'] },
      { id, records: ['new'] },
    ]);
    await a.removeOutbox('node-a', [legacyId]);
    expect(await partitionFiles(dataDir, 'node-a')).not.toContain(`${legacyId}.json`);
    expect((await a.readOutbox('node-a', 10)).map((b) => b.id)).toEqual([id]);
  });
});
