/**
 * Delivery of spooled records (spool.ts) as CloudFront log files: one process per edge (the
 * cluster primary, or the single process) reads each closed-off spool file in `ready/`, groups
 * its records by distribution, destination and hour, and puts one gzip file per group
 * (`<prefix>/<distribution ID>.YYYY-MM-DD-HH.<unique ID>.gz`, log-format.ts). Every group is
 * tried; when one fails, the spool file is rewritten (under the same name) with the lines of the
 * groups not stored, for the next round: a distribution whose bucket refuses its logs neither
 * holds back nor re-delivers the others. When every group is stored the spool file is removed.
 *
 * Nothing delivered twice: a file's unique ID is derived from the spool file and the group, so
 * a retry (or a crash between the put and the removal) writes the same objects again, whole.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { logBucketName } from '../config/logging-fields.js';
import type { LogDestination } from './destination.js';
import { hourOf, LOG_FIELDS, LOG_FILE_HEADER, logFileKey } from './log-format.js';
import { ACTIVE_DIR, ensureSpoolDirs, parseSpoolLine, READY_DIR } from './spool.js';

export interface LogFile {
  bucket: string;
  key: string;
  records: string[];
  /** The spool lines the records came from (kept when the file could not be stored). */
  spooled: string[];
}

/** Crockford base 32, as CloudFront's unique IDs look (`RT4KCN4SGK9`). */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function uniqueId(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; i < 11; i++) out += BASE32[digest[i]! & 31];
  return out;
}

/** The log files a spool file makes: its records grouped by distribution, bucket, prefix and hour. */
export function logFilesOf(spoolName: string, text: string): LogFile[] {
  const groups = new Map<string, LogFile>();
  for (const line of text.split('\n')) {
    const r = parseSpoolLine(line, LOG_FIELDS.length);
    if (r === undefined) continue;
    const tab = r.record.indexOf('\t');
    const hour = hourOf(r.record.slice(0, tab), r.record.slice(tab + 1, tab + 9));
    const group = `${r.distributionId}\t${r.bucket}\t${r.prefix}\t${hour}`;
    let file = groups.get(group);
    if (file === undefined) {
      file = { bucket: logBucketName(r.bucket), key: logFileKey(r.prefix, r.distributionId, hour, uniqueId(`${spoolName}\t${group}`)), records: [], spooled: [] };
      groups.set(group, file);
    }
    file.records.push(r.record);
    file.spooled.push(line);
  }
  return [...groups.values()];
}

const gzipAsync = promisify(gzip);

/**
 * A log file's bytes: the two header lines, then one record a line, gzip-compressed off the
 * event loop (a backlog must not stall serving in a single-process edge).
 */
export const logFileBody = (f: LogFile): Promise<Buffer> => gzipAsync(`${LOG_FILE_HEADER}${f.records.join('\n')}\n`);

/**
 * `file` replaced whole by `text` (a temporary file beside it, fsynced, renamed over it; its name
 * does not end in `.log`, so no delivery round takes it). The name is kept: the groups left in
 * it keep their unique IDs.
 */
async function replaceFile(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, { flush: true });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export class LogDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    private readonly destination: LogDestination,
    private readonly log: (message: string) => void,
  ) {
    ensureSpoolDirs(dir);
  }

  /** Every `intervalMs`: `beforeEach` (the single process closes its own spool file off), then a delivery. */
  start(intervalMs: number, beforeEach?: () => Promise<void>): void {
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void (beforeEach ?? (() => Promise.resolve()))()
          .then(() => this.deliver())
          .finally(tick);
      }, intervalMs);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Spool files no running process writes any more (`owner` given: those of that dead process,
   * else all of them, at start) go to `ready/`.
   */
  async adopt(owner?: string): Promise<void> {
    const names = await readdir(join(this.dir, ACTIVE_DIR)).catch(() => [] as string[]);
    for (const name of names) {
      if (owner !== undefined && !name.startsWith(owner)) continue;
      await rename(join(this.dir, ACTIVE_DIR, name), join(this.dir, READY_DIR, `${name.replace(/\.log$/, '')}.adopted.log`)).catch(() => undefined);
    }
  }

  /** Delivers every spool file in `ready/` (one round at a time). */
  deliver(): Promise<void> {
    this.running ??= this.deliverReady().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliverReady(): Promise<void> {
    const ready = join(this.dir, READY_DIR);
    const names = (await readdir(ready).catch(() => [] as string[])).filter((n) => n.endsWith('.log')).sort();
    for (const name of names) {
      const file = join(ready, name);
      try {
        const files = logFilesOf(name, await readFile(file, 'utf8'));
        const undelivered: LogFile[] = [];
        for (const f of files) {
          try {
            await this.destination.put(f.bucket, f.key, await logFileBody(f));
          } catch (err) {
            undelivered.push(f);
            this.log(`standard logs: ${name} (${f.bucket}/${f.key}) not delivered to ${this.destination.name} (retried next round): ${(err as Error).message}`);
          }
        }
        if (undelivered.length === 0) await rm(file, { force: true });
        else if (undelivered.length < files.length) await replaceFile(file, undelivered.flatMap((f) => f.spooled.map((l) => `${l}\n`)).join(''));
      } catch (err) {
        this.log(`standard logs: ${name} not delivered to ${this.destination.name} (retried next round): ${(err as Error).message}`);
      }
    }
  }
}
