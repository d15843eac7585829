/**
 * The spool writer when its directory cannot be written (disk full, spool removed): the records
 * it keeps in memory for the next batch are bounded; what it had to drop is reported; once the
 * directory can be written again, the kept records are spooled.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ACTIVE_DIR, READY_DIR, SpoolWriter } from './spool.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const record = (n: number): { distributionId: string; bucket: string; prefix: string; record: string } => ({
  distributionId: 'EDIST',
  bucket: 'logs',
  prefix: '',
  record: `record-${n}-${'x'.repeat(200)}`,
});

it('keeps at most maxBufferedBytes of records while the spool cannot be written, reports the dropped ones, and recovers', async () => {
  dir = await mkdtemp(join(tmpdir(), 'bf-spool-'));
  const errors: string[] = [];
  const spool = new SpoolWriter(dir, (err) => errors.push(err.message), { maxBufferedBytes: 10_000 });
  spool.write(record(0));
  await spool.flush();
  const [active] = await readdir(join(dir, ACTIVE_DIR));
  // The spool file cannot be appended to any more (a full disk; here a directory in its place, record 0 gone with the file).
  const path = join(dir, ACTIVE_DIR, active!);
  await rm(path);
  await mkdir(path);
  for (let n = 1; n <= 500; n++) {
    spool.write(record(n));
    if (n % 50 === 0) await spool.flush();
  }
  expect(errors.length).toBeGreaterThan(0);
  expect(spool.bufferedBytes).toBeGreaterThan(0);
  expect(spool.bufferedBytes).toBeLessThanOrEqual(10_000);

  // Writable again: what was kept is spooled, in order, and what was not is reported.
  await rm(path, { recursive: true });
  await spool.close();
  const ready = await readdir(join(dir, READY_DIR));
  expect(ready).toHaveLength(1);
  const lines = (await readFile(join(dir, READY_DIR, ready[0]!), 'utf8')).split('\n').filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.length).toBeLessThan(500);
  expect(lines.map((l) => Number(/record-(\d+)-/.exec(l)![1]))).toEqual(Array.from({ length: lines.length }, (_, i) => i + 1));
  expect(errors).toContain(`${500 - lines.length} standard log records dropped: the spool could not be written`);
  expect(spool.bufferedBytes).toBe(0);
});
