/**
 * The shared tier failing never fails a viewer: an unusable cache directory, writes failing while
 * the edge runs (a full or broken disk) and an index damaged while the edge was down all leave the
 * edge serving from memory and the origin, with one clear warning and a metric, never a 5xx.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { fixed, get, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';

const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
let origin: TinyOrigin;
let edge: RunningEdge | undefined;
let dir: string;
let warnings: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-edge-faults-'));
  origin = await startTinyOrigin({ '*': fixed('cached body', { 'cache-control': 'max-age=3600' }) });
  warnings = [];
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await edge?.close();
  edge = undefined;
  await origin.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(diskPath: string): Promise<RunningEdge> {
  return startEdge({ config: { ...oneDistribution(origin.url), cache: { diskPath } }, workers: 1, credentials: creds });
}

describe('shared tier faults', () => {
  it('an unusable cache directory: one warning naming it, metric shared_disabled, memory and origin serve', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    edge = await start(join(file, 'cache')); // its parent is a regular file
    const a = await get(`${edge.url}/a.txt`);
    const b = await get(`${edge.url}/a.txt`);
    expect([a.status, a.headers['x-cache']]).toEqual([200, 'Miss from cloudfront']);
    expect([b.status, b.headers['x-cache']]).toEqual([200, 'Hit from cloudfront']);
    expect(b.body.toString()).toBe('cached body');
    const cacheWarnings = warnings.filter((w) => w.includes(join(file, 'cache')));
    expect(cacheWarnings).toHaveLength(1);
    const m = await edge.runtime.metrics();
    expect(m.sharedDisabled).toBe(1);
    const prom = await get(`${edge.controlUrl}/metrics`);
    expect(prom.body.toString()).toMatch(/^bucketfront_edge_shared_disabled\{pop="[^"]*"\} 1$/m);
  });

  it('writes failing while the edge runs: one warning, a write-error metric, every response still 200', async () => {
    edge = await start(dir);
    expect((await get(`${edge.url}/before.txt`)).status).toBe(200);
    // Its body reaches the shared tier first: a write still in flight when the directory goes
    // would fail with another error code (ENOENT), and so with a second warning (one per code).
    for (let i = 0; i < 100 && (await edge.runtime.metrics()).sharedEntries < 1; i++) await new Promise((r) => setTimeout(r, 20));
    // The disk "breaks": the directory bodies are written to becomes a regular file.
    await rm(join(dir, 'tmp'), { recursive: true, force: true });
    await writeFile(join(dir, 'tmp'), 'not a directory');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await get(`${edge.url}/after-${i}.txt`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Served from memory after the first fetch, although the shared tier could not take them.
    expect((await get(`${edge.url}/after-3.txt`)).headers['x-cache']).toBe('Hit from cloudfront');
    expect((await get(`${edge.url}/before.txt`)).headers['x-cache']).toBe('Hit from cloudfront');
    let m = await edge.runtime.metrics();
    for (let i = 0; i < 50 && m.sharedWriteErrors < 20; i++) {
      await new Promise((r) => setTimeout(r, 20));
      m = await edge.runtime.metrics();
    }
    expect(m.sharedWriteErrors).toBeGreaterThanOrEqual(20);
    expect(warnings.filter((w) => /write/i.test(w))).toHaveLength(1);
  });

  it('an index damaged while the edge was down: discarded with a warning at start, then rebuilt as objects are fetched', async () => {
    edge = await start(dir);
    await get(`${edge.url}/x.txt`);
    await edge.close();
    edge = undefined;
    await writeFile(join(dir, 'index.sqlite'), Buffer.alloc(8192, 0x5a)); // not a SQLite file any more
    await rm(join(dir, 'index.sqlite-wal'), { force: true });
    await rm(join(dir, 'index.sqlite-shm'), { force: true });
    edge = await start(dir);
    expect(warnings.some((w) => w.includes('index.sqlite'))).toBe(true);
    const r1 = await get(`${edge.url}/x.txt`);
    expect([r1.status, r1.headers['x-cache'], r1.body.toString()]).toEqual([200, 'Miss from cloudfront', 'cached body']);
    const m = await edge.runtime.metrics();
    expect(m.sharedDisabled).toBe(0);
    for (let i = 0; i < 50 && (await edge.runtime.metrics()).sharedEntries < 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await edge.runtime.metrics()).sharedEntries).toBe(1);
  });
});
