/**
 * The spool of standard log records: each process (a cluster worker, or the single process)
 * appends its records to its own file, `active/<pid>-<start>.log`, in batches; at every delivery
 * interval it closes that file off by renaming it into `ready/`, where the deliverer
 * (delivery.ts) takes it. A spool line is `<distribution id>\t<bucket>\t<prefix>\t<record>`.
 *
 * Cost on the request path: a string pushed onto an array. The batch is written at most
 * FLUSH_MS later (or at FLUSH_LINES lines) with one append; files are fsynced once, when they
 * are closed off, never per record. A process killed loses at most its last unwritten batch.
 *
 * While the spool cannot be written (a full disk), the records wait in memory for the next batch,
 * up to `maxBufferedBytes`; later ones are dropped (as CloudFront's standard logs are best-effort)
 * and counted, and the count is reported once a batch is written again.
 */
import { mkdirSync } from 'node:fs';
import { appendFile, open, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

const FLUSH_MS = 100;
const FLUSH_LINES = 1000;
/** Records kept in memory while the spool cannot be written (a worker's heap is not the spool). */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export const ACTIVE_DIR = 'active';
export const READY_DIR = 'ready';

/** Where a spool line is delivered, with the record. */
export interface SpoolRecord {
  distributionId: string;
  bucket: string;
  prefix: string;
  record: string;
}

export const spoolLine = (r: SpoolRecord): string => `${r.distributionId}\t${r.bucket}\t${r.prefix}\t${r.record}\n`;

/** A spool line back; undefined for a torn line (the tail a killed process left half-written). */
export function parseSpoolLine(line: string, fields: number): SpoolRecord | undefined {
  const parts = line.split('\t');
  if (parts.length !== 3 + fields) return undefined;
  return { distributionId: parts[0]!, bucket: parts[1]!, prefix: parts[2]!, record: parts.slice(3).join('\t') };
}

/** Makes `<dir>/active` and `<dir>/ready`. */
export function ensureSpoolDirs(dir: string): void {
  mkdirSync(join(dir, ACTIVE_DIR), { recursive: true });
  mkdirSync(join(dir, READY_DIR), { recursive: true });
}

/** The active spool files of process `pid` start with this. */
export const ownerPrefix = (pid: number): string => `${pid}-`;

export class SpoolWriter {
  private lines: string[] = [];
  /** UTF-16 length of `lines` (an approximation of their bytes). */
  private buffered = 0;
  private dropped = 0;
  private readonly maxBufferedBytes: number;
  private timer: NodeJS.Timeout | undefined;
  /** Appends and renames, one after the other. */
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private rotation: NodeJS.Timeout | undefined;
  private readonly name: string;
  private readonly active: string;

  constructor(
    private readonly dir: string,
    private readonly onError: (err: Error) => void,
    opts: { maxBufferedBytes?: number } = {},
  ) {
    this.maxBufferedBytes = opts.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    ensureSpoolDirs(dir);
    this.name = `${ownerPrefix(process.pid)}${Date.now().toString(36)}`;
    this.active = join(dir, ACTIVE_DIR, `${this.name}.log`);
  }

  /** On the request path: buffered, written with the next batch. */
  write(r: SpoolRecord): void {
    const line = spoolLine(r);
    if (this.buffered + line.length > this.maxBufferedBytes) {
      this.dropped++;
      return;
    }
    this.buffered += line.length;
    this.lines.push(line);
    if (this.lines.length >= FLUSH_LINES) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Appends the buffered lines to the active file. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return this.chain;
    const batch = this.lines.join('');
    this.lines = [];
    this.buffered -= batch.length;
    // A failed append (disk full) keeps the batch for the next one.
    return this.inOrder(() =>
      appendFile(this.active, batch).then(
        () => this.reportDropped(),
        (err: unknown) => {
          this.lines.unshift(batch);
          this.buffered += batch.length;
          throw err;
        },
      ),
    );
  }

  /** What the records waiting for the next batch take in memory. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    this.onError(new Error(`${this.dropped} standard log records dropped: the spool could not be written`));
    this.dropped = 0;
  }

  /** Flushes, then closes the active file off into `ready/` (fsynced) for the deliverer. */
  rotate(): Promise<void> {
    void this.flush();
    return this.inOrder(async () => {
      const size = await stat(this.active).then(
        (s) => s.size,
        () => 0,
      );
      if (size === 0) return;
      const fh = await open(this.active, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(this.active, join(this.dir, READY_DIR, `${this.name}.${++this.seq}.log`));
    });
  }

  /** Closes the file off every `ms` (a cluster worker; the single process rotates before each delivery). */
  rotateEvery(ms: number): void {
    this.rotation = setInterval(() => void this.rotate(), ms);
    this.rotation.unref();
  }

  /** The last records of a stopping process: written and closed off for the deliverer. */
  close(): Promise<void> {
    if (this.rotation !== undefined) clearInterval(this.rotation);
    return this.rotate();
  }

  private inOrder(step: () => Promise<unknown>): Promise<void> {
    this.chain = this.chain.then(step).then(
      () => undefined,
      (err: unknown) => this.onError(err as Error),
    );
    return this.chain;
  }
}
