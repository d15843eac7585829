/**
 * Crash safety: a child process writes objects concurrently and is SIGKILLed
 * mid-flight; the reopened store must hold every acknowledged write intact,
 * list only complete objects and leave no temp or orphaned files.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { INLINE_OBJECT_BYTES, createFsStore, type ObjectStore } from '@bucketfront/object-store';
import { sourceNodeArgs } from '@bucketfront/test-support';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'bf-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Log {
  started: Map<string, Set<string>>;
  /** key → md5 of the latest acknowledged write, or null after an acknowledged delete. */
  acked: Map<string, string | null>;
  acks: number;
  /** Keys a delete was started for (they may be gone even without an ack). */
  deleting: Set<string>;
}

/** Runs the writer until `acksBeforeKill` acknowledgements (plus a little slack), then SIGKILLs it. */
function runAndKill(runId: number, acksBeforeKill: number, extraDelayMs: number): Promise<Log> {
  const log: Log = { started: new Map(), acked: new Map(), acks: 0, deleting: new Set() };
  const child = spawn(process.execPath, [...sourceNodeArgs(join(here, 'crash-writer.ts')), dataDir, String(runId)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let pending = '';
    let killing = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (d: Buffer) => {
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [kind, key, md5] = line.split(' ');
        if (kind === 'start') {
          if (!log.started.has(key!)) log.started.set(key!, new Set());
          log.started.get(key!)!.add(md5!);
        } else if (kind === 'ack') {
          log.acked.set(key!, md5!);
          log.acks++;
        } else if (kind === 'delstart') {
          log.deleting.add(key!);
        } else if (kind === 'del') {
          log.acked.set(key!, null);
        }
      }
      if (!killing && log.acks >= acksBeforeKill) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraDelayMs);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}/${signal} before the kill:\n${stderr}`));
      else resolve(log);
    });
  });
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

async function md5Of(store: ObjectStore, key: string): Promise<string> {
  const got = await store.getObject('crash', key);
  const h = createHash('md5');
  for await (const c of got!.body) h.update(c as Buffer);
  return h.digest('hex');
}

describe('crash safety (SIGKILL while writing)', () => {
  // Different moments: right after start, mid-way, later, with a random extra delay.
  const runs: [acks: number, delayMs: number][] = [
    [1, 0],
    [8, 3],
    [25, 17],
    [60, 41],
  ];
  const everAcked = new Map<string, string | null>();
  const everStarted = new Map<string, Set<string>>();
  const everDeleting = new Set<string>();
  let debrisSeen = 0;
  let orphansRemoved = 0;
  let dataFilesBeforeOpen = 0;

  it.each(runs)('kill after %i acks (+%i ms): acknowledged data intact, nothing torn, no debris', async (acks, delay) => {
    const runId = runs.findIndex(([a]) => a === acks) + 1;
    const log = await runAndKill(runId, acks, delay);
    expect(log.acks).toBeGreaterThanOrEqual(acks);
    for (const [k, v] of log.acked) everAcked.set(k, v);
    for (const k of log.deleting) everDeleting.add(k);
    for (const [k, set] of log.started) {
      if (!everStarted.has(k)) everStarted.set(k, new Set());
      for (const m of set) everStarted.get(k)!.add(m);
    }

    // what the kill left behind (temp manifests, unreferenced data), for the final check
    const before = await walk(dataDir);
    debrisSeen += before.filter((p) => p.endsWith('.tmp')).length;
    dataFilesBeforeOpen = before.filter((p) => p.endsWith('.data')).length;

    const store = await createFsStore({ dataDir, minPartSize: 64 * 1024 });
    try {
      // no temp files or debris directories survive open
      const paths = await walk(dataDir);
      const debris = paths.filter((p) => /\.tmp$|\/\.tmp-|\/\.del-/.test(p));
      expect(debris).toEqual([]);

      // every listed object is complete: its bytes hash to its ETag (or, for
      // multipart objects, to a whole-object MD5 that some writer started)
      const listed = new Map<string, { etag: string; parts: number }>();
      let startAfter: string | undefined;
      for (;;) {
        const page = await store.listObjects('crash', { maxKeys: 1000, ...(startAfter !== undefined ? { startAfter } : {}) });
        for (const o of page.objects) {
          // data files per object: one per part, one for a plain object, none when inline
          const files = o.metadata.partSizes?.length ?? (o.size <= INLINE_OBJECT_BYTES ? 0 : 1);
          listed.set(o.key, { etag: o.etag, parts: files });
        }
        if (!page.isTruncated) break;
        startAfter = page.lastReturned;
      }
      for (const [key, { etag }] of listed) {
        const md5 = await md5Of(store, key);
        if (!etag.includes('-')) expect(etag, key).toBe(`"${md5}"`);
        expect(everStarted.get(key)?.has(md5), `${key} holds bytes some writer sent`).toBe(true);
      }

      // every acknowledged write is there (a shared key may hold a later write)
      for (const [key, md5] of everAcked) {
        if (md5 === null) {
          expect(listed.has(key), `${key} was deleted`).toBe(false);
          continue;
        }
        if (everDeleting.has(key) && !listed.has(key)) continue; // its delete was in flight
        expect(listed.has(key), `${key} acknowledged`).toBe(true);
        const actual = await md5Of(store, key);
        if (key.startsWith('hot/')) expect(everStarted.get(key)!.has(actual)).toBe(true);
        else expect(actual, key).toBe(md5);
      }

      // no leaked data files: objects' segments + live uploads' parts, nothing else
      const dataFiles = paths.filter((p) => p.endsWith('.data'));
      const inObjects = dataFiles.filter((p) => p.includes('/o/')).length;
      const expectedInObjects = [...listed.values()].reduce((n, o) => n + o.parts, 0);
      expect(inObjects).toBe(expectedInObjects);
      let liveParts = 0;
      const uploads = await store.listMultipartUploads('crash', { maxUploads: 1000 });
      for (const u of uploads.uploads) {
        liveParts += (await store.listParts('crash', u.key, u.uploadId, { maxParts: 1000 })).parts.length;
      }
      expect(dataFiles.length - inObjects).toBe(liveParts);
      orphansRemoved += dataFilesBeforeOpen - dataFiles.length;
    } finally {
      await store.close();
    }
  });

  it('the kills really landed mid-write (recovery had work to do)', () => {
    console.log(`recovery removed ${debrisSeen} temp files and ${orphansRemoved} unreferenced data files over ${runs.length} kills`);
    expect(debrisSeen + orphansRemoved).toBeGreaterThan(0);
  });
});
