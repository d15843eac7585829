/**
 * The replication sender's scheduling (sender.ts) over a real fs outbox in a temp dir: `replicate`
 * stands for the destination and decides each record's outcome. A gated region must always come
 * back, whatever its probes answer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsStore } from '@bucketfront/object-store';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { CopyOutcome } from './copy-version.js';
import { encodeRecord, type ReplicationRecord } from './records.js';
import { ReplicationSender } from './sender.js';
import { ReplicationStats } from './stats.js';

const PARTITION = 'repl.node-a';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const record = (key: string, region: string): string =>
  encodeRecord({ bucket: 'b', key, versionId: `v-${key}`, kind: 'object', ruleId: 'r', destinationBucket: 'd', destinationRegion: region, size: 1, enqueuedAt: Date.now() } as ReplicationRecord);

let dir: string;
let store: Awaited<ReturnType<typeof createFsStore>>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bucketfront-sender-'));
  store = await createFsStore({ dataDir: dir });
});
afterEach(async () => {
  await store.close?.();
  await rm(dir, { recursive: true, force: true });
});

async function until(what: string, condition: () => boolean | Promise<boolean>, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${boundMs} ms: ${what}`);
    await sleep(20);
  }
}

it('a gated region whose parked versions were all deleted meanwhile opens again: later records go out', async () => {
  let down = true;
  const deleted = new Set<string>();
  const copied: string[] = [];
  const replicate = async (r: ReplicationRecord): Promise<CopyOutcome> => {
    if (deleted.has(r.key)) return { kind: 'gone' };
    if (down) return { kind: 'retry', reason: '503 ServiceUnavailable', region: true };
    copied.push(r.key);
    return { kind: 'done' };
  };
  const sender = new ReplicationSender({
    outbox: store,
    partition: PARTITION,
    replicate,
    stats: new ReplicationStats(() => {}),
    backoff: { initialBackoffMs: 20, maxBackoffMs: 40 },
    concurrency: 1,
    log: () => {},
  });
  try {
    await store.appendOutbox(PARTITION, [record('a', 'eu'), record('b', 'eu'), record('c', 'eu')]);
    await sender.start();
    await until('the region gated', () => sender.pending.size === 3 && [...sender.pending].some((j) => j.attempts > 0));
    // The versions are deleted during the outage, then the destination comes back.
    for (const k of ['a', 'b', 'c']) deleted.add(k);
    down = false;
    const texts = [record('d', 'eu')];
    sender.offer(await store.appendOutbox(PARTITION, texts), texts);
    await until('every record settled', () => sender.pending.size === 0);
    expect(copied).toEqual(['d']);
    await until('the batches removed', async () => (await store.readOutbox(PARTITION, 10)).length === 0);
  } finally {
    await sender.close();
  }
});

it('a record that fails by itself (a 500 for its key) backs off alone: the others of its region go out meanwhile', async () => {
  const copied: string[] = [];
  let badAttempts = 0;
  const replicate = async (r: ReplicationRecord): Promise<CopyOutcome> => {
    if (r.key === 'bad') {
      badAttempts++;
      return { kind: 'retry', reason: '500 InternalError' };
    }
    copied.push(r.key);
    return { kind: 'done' };
  };
  // A long backoff: were the region gated by the bad key, the others would wait behind it.
  const logged: string[] = [];
  const sender = new ReplicationSender({
    outbox: store,
    partition: PARTITION,
    replicate,
    stats: new ReplicationStats(() => {}),
    backoff: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 },
    concurrency: 1,
    log: (line) => logged.push(line),
  });
  try {
    await store.appendOutbox(PARTITION, [record('bad', 'eu')]);
    await sender.start();
    await until('the bad record tried once', () => badAttempts === 1);
    const texts = ['x', 'y', 'z'].map((k) => record(k, 'eu'));
    sender.offer(await store.appendOutbox(PARTITION, texts), texts);
    await until('the others copied', () => copied.length === 3);
    expect([copied, badAttempts]).toEqual([['x', 'y', 'z'], 1]);
    // It backed off alone ("retry 1 in …"); the region was never gated ("… record(s) wait for eu").
    expect(logged).toEqual([expect.stringMatching(/bad version v-bad → eu: 500 InternalError; retry 1 in \d+ ms$/)]);
  } finally {
    await sender.close();
  }
});
