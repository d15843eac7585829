/**
 * The host's shared cache tier: body files plus a SQLite index in one directory, read and written
 * by every process of the host (one `owner`, any number of `member`s), kept across restarts,
 * bounded by `maxBytes` (LRU). Contract: cache-store.ts.
 *
 * Layout under `dir`:
 * - `index.sqlite` (+ `-wal`, `-shm`): disk-index.ts (WAL: concurrent readers, one writer at a time);
 * - `bodies/<2 hex>/<bodyId>.<coding>`: one file per variant, written once (body-files.ts);
 * - `tmp/`: bodies being written, renamed into `bodies/` before the row that names them commits.
 *
 * Ownership: only the owner evicts (a timer every second deletes least-recently-used rows down to
 * 90% of maxBytes once over maxBytes, like nginx's cache manager,
 * https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_cache_path), prunes invalidations
 * older than 10 minutes, checks the index at open (resetting it when corrupt) and sweeps leftovers
 * (disk-sweep.ts). Between two passes the tier may exceed maxBytes by what was put meanwhile.
 *
 * Failure never reaches the server: an unusable directory gives a disabled store (misses, refused
 * puts), a failing write a refused put, a damaged body a miss (and its row is dropped), and an
 * invalidation that cannot be recorded disables the store in this process (it could serve what
 * was invalidated otherwise).
 *
 * Memory per process: SQLite's page cache is bounded at 4 MiB (cache_size=-4096) and the file is not
 * memory-mapped (mmap_size=0); add ≈ 0.5 MiB for the connection (schema, prepared statements,
 * lookaside, the WAL index in `-shm`, 32 KiB per 4 MiB of WAL), up to 10,000 pending access-time
 * updates (≈ 1–2 MiB with long keys) and up to 256 compiled invalidation batches. Bodies are read
 * into memory whole on a hit (≤ maxObjectBytes per variant) and not kept by this module, except
 * up to 8 MiB of idle pooled buffers for borrowed reads (buffer-pool.ts); a borrowed body over
 * `streamOver` is opened instead, and streamed by the caller (viewer/send-file.ts).
 */
import { accessSync, constants as fsConstants, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheStore, CacheStoreStats, CachedResponse, Coding } from './cache-store.js';
import { BODIES_DIR, type BodyFile, type BodyRead, POOLED_READ_MAX, TMP_DIR, newBodyId, openCheckedBodyFile, readBodyFile, unlinkBodyFiles, writeBodyFile } from './body-files.js';
import { BufferPool } from './buffer-pool.js';
import { DiskIndex, isCorruptIndexError, type RowFiles } from './disk-index.js';
import { DiskInvalidations } from './disk-invalidations.js';
import { bodiesOf, codingsOf, fromRow, parseCodings, tagsOf, toRow } from './disk-row.js';
import { DISCARD_PREFIX, sweepLeftovers } from './disk-sweep.js';
import { compileInvalidationItems } from './invalidation-cover.js';

export const INDEX_FILE = 'index.sqlite';
/** How long invalidations are kept to order fills against them (a fill slower than this is refused). */
export const INVALIDATION_RETENTION_MS = 10 * 60_000;
const MAINTENANCE_INTERVAL_MS = 1000;
const TOUCH_FLUSH_MS = 1000;
const MAX_PENDING_TOUCHES = 10_000;
const EVICT_BATCH = 256;
/** Idle pooled body buffers kept per process (buffer-pool.ts). */
const POOL_IDLE_BYTES = 8 * 1024 * 1024;
/** Eviction stops at this fraction of maxBytes. */
const LOW_WATER = 0.9;
/** A leftover file younger than this may belong to a put in progress. */
const LEFTOVER_MIN_AGE_MS = 60_000;

export interface DiskStoreOptions {
  dir: string;
  /** Bytes of bodies (plus a per-entry overhead: disk-row.ts) the tier keeps. */
  maxBytes: number;
  /** Largest body (per variant) stored. */
  maxObjectBytes: number;
  /** One owner per directory (opens first; evicts, prunes, repairs); every other process is a member. */
  role: 'owner' | 'member';
  /** Warnings (default console.warn). */
  log?: (msg: string) => void;
  /** ms clock for access times and invalidation retention (default Date.now). */
  clock?: () => number;
}

/** A borrow's result: `files`, the bodies opened instead of read (their `body` is empty). */
export interface BorrowedResponse {
  entry: CachedResponse;
  borrowed: boolean;
  files?: Partial<Record<Coding, BodyFile>>;
}

/** The `body` of a variant whose bytes are in `files` (never sent: see BorrowedResponse). */
const EMPTY_BODY = Buffer.alloc(0);

export interface DiskStoreHealth {
  disabled: boolean;
  reason?: string;
  /** Bodies found missing, short or with a wrong checksum (their rows were dropped). */
  corruptBodies: number;
  writeErrors: number;
  readErrors: number;
}

export class DiskStore implements CacheStore<CachedResponse> {
  private index: DiskIndex | undefined;
  private readonly invalidations: DiskInvalidations | undefined;
  private disabledReason: string | undefined;
  private closed = false;
  private readonly clock: () => number;
  private readonly log: (msg: string) => void;
  private readonly pendingTouches = new Map<string, number>();
  private touchTimer: NodeJS.Timeout | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private secondSweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private readonly warned = new Set<string>();
  private readonly counters = { corruptBodies: 0, writeErrors: 0, readErrors: 0 };
  private lastStats: CacheStoreStats;
  private readonly pool = new BufferPool(POOLED_READ_MAX, POOL_IDLE_BYTES);
  private readonly lendBuffer = (n: number): Buffer | undefined => this.pool.take(n);

  /** Open the tier in `dir`; never throws (a store that cannot work is `disabled`: see health()). */
  static open(opts: DiskStoreOptions): DiskStore {
    const log = opts.log ?? ((msg: string) => console.warn(msg));
    const file = join(opts.dir, INDEX_FILE);
    const disabled = (what: string, err: unknown): DiskStore => {
      const reason = `disk cache disabled: cannot ${what} (${describe(err)})`;
      log(reason);
      return new DiskStore(opts, log, undefined, reason);
    };
    try {
      mkdirSync(join(opts.dir, BODIES_DIR), { recursive: true });
      mkdirSync(join(opts.dir, TMP_DIR), { recursive: true });
      accessSync(opts.dir, fsConstants.W_OK);
    } catch (err) {
      return disabled(`create or write directory ${opts.dir}`, err);
    }
    let index: DiskIndex;
    try {
      index = new DiskIndex(file, opts.role === 'owner');
    } catch (err) {
      if (opts.role !== 'owner' || !isCorruptIndexError(err)) return disabled(`open index ${file}`, err);
      log(`disk cache: index ${file} is unusable (${describe(err)}); moved to ${file}.corrupt, starting empty (old bodies are removed in the background)`);
      try {
        resetIndex(opts.dir);
        index = new DiskIndex(file, false);
      } catch (err2) {
        return disabled(`replace corrupt index ${file}`, err2);
      }
    }
    const store = new DiskStore(opts, log, index, undefined);
    if (opts.role === 'owner') store.startOwnerDuties();
    return store;
  }

  private constructor(
    private readonly opts: DiskStoreOptions,
    log: (msg: string) => void,
    index: DiskIndex | undefined,
    reason: string | undefined,
  ) {
    this.log = log;
    this.clock = opts.clock ?? Date.now;
    this.index = index;
    this.invalidations = index === undefined ? undefined : new DiskInvalidations(index);
    this.disabledReason = reason;
    this.lastStats = { entries: 0, sizeBytes: 0, maxBytes: opts.maxBytes };
  }

  get disabled(): boolean {
    return this.index === undefined;
  }

  health(): DiskStoreHealth {
    return { disabled: this.disabled, ...(this.disabledReason === undefined ? {} : { reason: this.disabledReason }), ...this.counters };
  }

  generation(): number {
    if (this.index === undefined) return 0;
    try {
      return this.index.generation();
    } catch (err) {
      this.readFailed(err);
      return -1; // refused by put: an unknown generation cannot be ordered
    }
  }

  async get(key: string): Promise<CachedResponse | undefined> {
    return (await this.read(key, true, undefined, undefined))?.entry;
  }

  /**
   * Like get, but when `lend(bodyBytes)` says so (the caller will drop the response once sent), its
   * bodies may be read into pooled buffers (`borrowed`): hand the response to giveBack once
   * nothing reads them any more, or drop it (buffer-pool.ts). With `streamOver`, a lent body longer
   * than that is not read but opened (`files`, its `body` empty) once this process has checked its
   * CRC-32: the caller streams it (viewer/send-file.ts) and closes it.
   */
  async borrow(key: string, lend: (bodyBytes: number) => boolean, streamOver?: number): Promise<BorrowedResponse | undefined> {
    return this.read(key, true, lend, streamOver);
  }

  /** Return the bodies of a borrowed response to the pool (see borrow). */
  giveBack(entry: CachedResponse): void {
    for (const c of codingsOf(entry)) this.pool.give(entry.variants[c]!.body);
  }

  private async read(key: string, retry: boolean, lend: ((bodyBytes: number) => boolean) | undefined, streamOver: number | undefined): Promise<BorrowedResponse | undefined> {
    const index = this.index;
    if (index === undefined) return undefined;
    let row: ReturnType<typeof index.get>;
    let bodies: ReturnType<typeof bodiesOf>;
    try {
      row = index.get(key);
      if (row === undefined) return undefined;
      bodies = bodiesOf(row);
    } catch (err) {
      this.readFailed(err);
      return undefined;
    }
    const dir = this.opts.dir;
    const borrowed = lend?.(bodies.reduce((n, b) => n + b.length, 0)) === true;
    const alloc = borrowed ? this.lendBuffer : undefined;
    const files: Partial<Record<Coding, BodyFile>> = {};
    const reads = await Promise.all(
      bodies.map(async (b): Promise<BodyRead | { ok: true; file: BodyFile }> => {
        const opened = borrowed && streamOver !== undefined && b.length > streamOver ? openCheckedBodyFile(dir, row.body_id, b.coding, b.length) : undefined;
        return opened ?? readBodyFile(dir, row.body_id, b.coding, b.length, b.crc32, alloc);
      }),
    );
    const found: Partial<Record<Coding, Buffer>> = {};
    for (let i = 0; i < reads.length; i++) {
      const r = reads[i]!;
      const coding = bodies[i]!.coding;
      if (r.ok && 'file' in r) {
        files[coding] = r.file;
        found[coding] = EMPTY_BODY;
        continue;
      }
      if (r.ok) {
        found[coding] = r.body;
        continue;
      }
      // Every file this read opened, also for variants after this one.
      for (const other of reads) if (other.ok && 'file' in other) other.file.close();
      if (!r.damaged) {
        this.readFailed(Object.assign(new Error(r.problem), { code: r.problem }));
        return undefined;
      }
      if (this.index === undefined) return undefined;
      let dropped: boolean;
      try {
        // Still the row we read? Then its body is damaged. Otherwise another process replaced or deleted it meanwhile.
        dropped = index.deleteIfBody(key, row.body_id);
      } catch (err) {
        this.writeFailed(err);
        return undefined;
      }
      if (!dropped) return retry ? this.read(key, false, lend, streamOver) : undefined;
      this.counters.corruptBodies++;
      this.log(`disk cache: dropped ${key}: body ${coding} of ${row.body_id} is damaged (${r.problem})`);
      await unlinkBodyFiles(dir, row.body_id, parseCodings(row.codings));
      return undefined;
    }
    this.touch(key);
    const entry = fromRow(row, found);
    return Object.keys(files).length === 0 ? { entry, borrowed } : { entry, borrowed, files };
  }

  async put(entry: CachedResponse, generation: number): Promise<boolean> {
    const index = this.index;
    const invalidations = this.invalidations;
    if (index === undefined || invalidations === undefined) return false;
    const codings = codingsOf(entry);
    for (const c of codings) if (entry.variants[c]!.body.length > this.opts.maxObjectBytes) return false;
    const subject = { path: entry.path, altPath: entry.altPath, query: entry.query, tags: entry.tags };
    try {
      if (invalidations.refuses(entry.distributionId, subject, generation)) return false; // early: spare the writes
    } catch (err) {
      this.readFailed(err);
      return false;
    }
    const bodyId = newBodyId();
    const dir = this.opts.dir;
    const writes = await Promise.allSettled(codings.map((c) => writeBodyFile(dir, bodyId, c, entry.variants[c]!.body)));
    const failed = writes.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed !== undefined || this.index === undefined) {
      await unlinkBodyFiles(dir, bodyId, codings);
      if (failed !== undefined) this.writeFailed(failed.reason);
      return false;
    }
    const row = toRow(entry, bodyId, this.clock());
    let outcome: { stored: boolean; replaced?: RowFiles };
    try {
      outcome = index.write(() => {
        if (invalidations.refuses(entry.distributionId, subject, generation)) return { stored: false };
        const replaced = index.files(entry.key);
        if (replaced !== undefined) index.delete(entry.key);
        index.insert(row, entry.tags ?? []);
        return replaced === undefined ? { stored: true } : { stored: true, replaced };
      });
    } catch (err) {
      await unlinkBodyFiles(dir, bodyId, codings);
      this.writeFailed(err);
      return false;
    }
    if (!outcome.stored) {
      await unlinkBodyFiles(dir, bodyId, codings);
      return false;
    }
    if (outcome.replaced !== undefined) await this.unlinkRows([outcome.replaced]);
    return true;
  }

  async refresh(key: string, update: Pick<CachedResponse, 'times' | 'cacheControl' | 'expires'>, generation: number): Promise<void> {
    const index = this.index;
    const invalidations = this.invalidations;
    if (index === undefined || invalidations === undefined) return;
    let dropped: RowFiles | undefined;
    try {
      dropped = index.write(() => {
        const row = index.identity(key);
        if (row === undefined) return undefined;
        const subject = { path: row.path, altPath: row.alt_path ?? undefined, query: row.query, tags: tagsOf(row) };
        if (invalidations.refuses(row.distribution, subject, generation)) {
          index.delete(key);
          return row;
        }
        index.refresh(key, JSON.stringify(update.times), update.cacheControl ?? null, update.expires ?? null);
        return undefined;
      });
    } catch (err) {
      this.writeFailed(err);
      return;
    }
    if (dropped !== undefined) await this.unlinkRows([dropped]);
  }

  async delete(key: string): Promise<void> {
    const index = this.index;
    if (index === undefined) return;
    let files: RowFiles | undefined;
    try {
      files = index.write(() => {
        const f = index.files(key);
        if (f !== undefined) index.delete(key);
        return f;
      });
    } catch (err) {
      this.writeFailed(err);
      return;
    }
    if (files !== undefined) await this.unlinkRows([files]);
  }

  /**
   * Record the invalidation (a new generation) and delete what it covers, in one transaction.
   * Rejects when it could not be recorded: other processes could still read what it covers.
   */
  async invalidate(distributionId: string, items: readonly string[]): Promise<void> {
    const index = this.index;
    const invalidations = this.invalidations;
    if (index === undefined || invalidations === undefined) return;
    const cover = compileInvalidationItems(items);
    let rows: RowFiles[] | undefined;
    for (let attempt = 1; rows === undefined; attempt++) {
      try {
        rows = index.write(() => {
          index.insertInvalidation(distributionId, items, this.clock());
          const covered = invalidations.coveredRows(distributionId, cover);
          for (const r of covered) index.deleteIfBody(r.key, r.body_id);
          return covered;
        });
      } catch (err) {
        if (attempt < 3 && (err as { code?: string }).code === 'SQLITE_BUSY') continue;
        // Not applied: the caller must not report it Completed (it stays InProgress and is
        // applied again at the next start, control/invalidation-history.ts).
        this.log(`disk cache: an invalidation of ${distributionId} could not be recorded (${describe(err)})`);
        throw err;
      }
    }
    await this.unlinkRows(rows);
  }

  /** Exact as of the last commit (any process's): the totals row is kept by triggers. */
  stats(): CacheStoreStats {
    if (this.index === undefined) return { entries: 0, sizeBytes: 0, maxBytes: this.opts.maxBytes };
    try {
      const t = this.index.totals();
      this.lastStats = { entries: t.entries, sizeBytes: t.bytes, maxBytes: this.opts.maxBytes };
    } catch (err) {
      this.readFailed(err);
    }
    return this.lastStats;
  }

  /** A hit on `key`: its access time is written with others, at most once a second (LRU). */
  touch(key: string): void {
    if (this.index === undefined) return;
    this.pendingTouches.set(key, this.clock());
    if (this.pendingTouches.size >= MAX_PENDING_TOUCHES) this.flushTouches();
    else if (this.touchTimer === undefined) {
      this.touchTimer = setTimeout(() => {
        this.touchTimer = undefined;
        this.flushTouches();
      }, TOUCH_FLUSH_MS);
      this.touchTimer.unref();
    }
  }

  /**
   * One maintenance pass now: flush access times; as owner also prune invalidations past the
   * retention window and evict down to 90% of maxBytes when over it. Resolves when evicted bodies are unlinked.
   */
  async maintain(): Promise<void> {
    const index = this.index;
    if (index === undefined) return;
    this.flushTouches();
    if (this.opts.role !== 'owner') return;
    try {
      const prunedThrough = index.write(() => index.pruneInvalidations(this.clock() - INVALIDATION_RETENTION_MS));
      this.invalidations?.forgetThrough(prunedThrough);
    } catch (err) {
      this.writeFailed(err);
    }
    await this.unlinkRows(this.evict(index));
  }

  /** Resolves when the owner's start-up sweep of leftovers (tmp/, orphan bodies, a reset's old bodies) is done. */
  whenSwept(): Promise<void> {
    return this.sweeping;
  }

  close(): void {
    if (this.closed) return;
    this.flushTouches();
    this.closed = true;
    this.stopTimers();
    this.index?.close();
    this.index = undefined;
    this.disabledReason ??= 'closed';
  }

  private startOwnerDuties(): void {
    this.maintenanceTimer = setInterval(() => {
      void this.maintain();
    }, MAINTENANCE_INTERVAL_MS);
    this.maintenanceTimer.unref();
    const sweep = (): Promise<void> =>
      sweepLeftovers({
        dir: this.opts.dir,
        hasBody: (id) => {
          if (this.index === undefined) throw new Error('closed');
          return this.index.hasBody(id);
        },
        minAgeMs: LEFTOVER_MIN_AGE_MS,
        stopped: () => this.index === undefined,
      }).then(
        (r) => {
          if (r.young > 0 && this.secondSweepTimer === undefined && this.index !== undefined) {
            this.secondSweepTimer = setTimeout(() => {
              this.sweeping = sweep();
            }, LEFTOVER_MIN_AGE_MS + 1000);
            this.secondSweepTimer.unref();
          }
        },
        () => {},
      );
    this.sweeping = sweep();
  }

  /** Delete least-recently-used rows, in short transactions, until bytes ≤ 90% of maxBytes. */
  private evict(index: DiskIndex): RowFiles[] {
    const removed: RowFiles[] = [];
    try {
      let bytes = index.totals().bytes;
      if (bytes <= this.opts.maxBytes) return removed;
      const target = Math.floor(this.opts.maxBytes * LOW_WATER);
      while (bytes > target && this.index !== undefined) {
        const batch = index.write(() => {
          const gone: RowFiles[] = [];
          for (const r of index.leastRecentlyUsed(EVICT_BATCH)) {
            if (bytes <= target) break;
            if (index.deleteIfBody(r.key, r.body_id)) gone.push(r);
            bytes -= r.size;
          }
          bytes = index.totals().bytes;
          return gone;
        });
        if (batch.length === 0) break;
        removed.push(...batch);
      }
    } catch (err) {
      this.writeFailed(err);
    }
    return removed;
  }

  private flushTouches(): void {
    if (this.touchTimer !== undefined) {
      clearTimeout(this.touchTimer);
      this.touchTimer = undefined;
    }
    const index = this.index;
    if (index === undefined || this.pendingTouches.size === 0) return;
    const touches = [...this.pendingTouches];
    this.pendingTouches.clear();
    try {
      index.write(() => {
        for (const [key, at] of touches) index.touch(key, at);
      });
    } catch (err) {
      this.writeFailed(err);
    }
  }

  private async unlinkRows(rows: readonly RowFiles[]): Promise<void> {
    await Promise.all(rows.map((r) => unlinkBodyFiles(this.opts.dir, r.body_id, parseCodings(r.codings))));
  }

  private stopTimers(): void {
    for (const t of [this.touchTimer, this.maintenanceTimer, this.secondSweepTimer]) if (t !== undefined) clearTimeout(t);
    this.touchTimer = this.maintenanceTimer = this.secondSweepTimer = undefined;
  }

  /** Counted; one warning per distinct error code. */
  private writeFailed(err: unknown): void {
    if (this.closed) return;
    this.counters.writeErrors++;
    this.warnOnce('write', err);
  }

  private readFailed(err: unknown): void {
    if (this.closed) return;
    this.counters.readErrors++;
    this.warnOnce('read', err);
  }

  private warnOnce(kind: 'read' | 'write', err: unknown): void {
    const code = errorCode(err);
    if (this.warned.has(`${kind}:${code}`)) return;
    this.warned.add(`${kind}:${code}`);
    this.log(`disk cache: a ${kind} in ${this.opts.dir} failed (${describe(err)}); the response is not cached (further ${code} errors are counted, not logged)`);
  }
}

/** Move a corrupt index aside and discard the bodies it named (removed by the owner's sweep). */
function resetIndex(dir: string): void {
  const file = join(dir, INDEX_FILE);
  renameSync(file, `${file}.corrupt`);
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
  renameSync(join(dir, BODIES_DIR), join(dir, DISCARD_PREFIX + newBodyId().slice(0, 8)));
  mkdirSync(join(dir, BODIES_DIR));
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  return code === 'EUNKNOWN' || message.includes(code) ? message : `${code}: ${message}`;
}
