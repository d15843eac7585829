/**
 * The disk tier's index: one SQLite file (better-sqlite3) shared by every process of the host.
 * This module is the schema and the SQL; what the rows mean is disk-store.ts's business.
 *
 * Settings (https://www.sqlite.org/pragma.html):
 * - WAL: readers never block the writer and the writer never blocks readers; one writer at a time
 *   across processes, waiting up to `busy_timeout` (5 s) for the lock (https://www.sqlite.org/wal.html);
 * - synchronous=NORMAL: a commit may be lost on power loss, never corrupted (fine for a cache:
 *   body files are checksummed, so a lost or torn write is detected);
 * - cache_size=-4096: at most 4 MiB of page cache per connection; mmap_size=0: no mapping of the file;
 * - journal_size_limit: the -wal file is truncated back to 64 MiB after a checkpoint.
 *
 * Schema (user_version 1):
 * - entries: one row per stored response (key); its body files are named by body_id; identity
 *   columns (distribution, path, alt_path, query) are indexed for invalidations, accessed_at for LRU;
 * - tags: (distribution, tag, key) for `#tag` invalidations;
 * - invalidations: AUTOINCREMENT id = the tier's generation; kept for a retention window;
 * - totals: one row, kept by triggers: entry count, bytes, and the highest pruned invalidation id.
 */
import Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  key TEXT PRIMARY KEY,
  body_id TEXT NOT NULL UNIQUE,
  codings TEXT NOT NULL,
  distribution TEXT NOT NULL,
  path TEXT NOT NULL,
  alt_path TEXT,
  query TEXT NOT NULL,
  size INTEGER NOT NULL,
  accessed_at INTEGER NOT NULL,
  times TEXT NOT NULL,
  cache_control TEXT,
  expires TEXT,
  response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_path ON entries (distribution, path);
CREATE INDEX IF NOT EXISTS entries_alt_path ON entries (distribution, alt_path) WHERE alt_path IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_lru ON entries (accessed_at);
CREATE TABLE IF NOT EXISTS tags (
  distribution TEXT NOT NULL,
  tag TEXT NOT NULL,
  key TEXT NOT NULL,
  PRIMARY KEY (distribution, tag, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_key ON tags (key);
CREATE TABLE IF NOT EXISTS invalidations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  distribution TEXT NOT NULL,
  items TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS invalidations_distribution ON invalidations (distribution, id);
CREATE TABLE IF NOT EXISTS totals (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  entries INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  pruned_through INTEGER NOT NULL
);
INSERT OR IGNORE INTO totals (one, entries, bytes, pruned_through) VALUES (1, 0, 0, 0);
CREATE TRIGGER IF NOT EXISTS entries_inserted AFTER INSERT ON entries BEGIN
  UPDATE totals SET entries = entries + 1, bytes = bytes + new.size;
END;
CREATE TRIGGER IF NOT EXISTS entries_deleted AFTER DELETE ON entries BEGIN
  UPDATE totals SET entries = entries - 1, bytes = bytes - old.size;
  DELETE FROM tags WHERE key = old.key;
END;
`;

export interface EntryRow {
  key: string;
  body_id: string;
  /** Comma-separated codings with a body file. */
  codings: string;
  distribution: string;
  path: string;
  alt_path: string | null;
  query: string;
  size: number;
  accessed_at: number;
  /** JSON EntryTimes. */
  times: string;
  cache_control: string | null;
  expires: string | null;
  /** JSON: the rest of the response (disk-row.ts). */
  response: string;
}

/** What deleting a row leaves to clean up: its body files. */
export interface RowFiles {
  key: string;
  body_id: string;
  codings: string;
}

/** What an invalidation's candidate query returns. */
export interface IdentityRow extends RowFiles {
  path: string;
  alt_path: string | null;
  query: string;
  response: string;
}

const IDENTITY = 'key, body_id, codings, path, alt_path, query, response';

/** The index failed in a way only a fresh file fixes (not a database, corrupt, wrong schema version). */
export function isCorruptIndexError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return err instanceof UnusableIndexError || (typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')));
}

export class UnusableIndexError extends Error {
  readonly code = 'SQLITE_CORRUPT';
}

/** The successor of a prefix in code-unit order: every string starting with `prefix` sorts below it. */
/** Rough bytes of a remembered row: its strings (2 bytes a character at worst) and the object. */
function rowBytes(row: EntryRow): number {
  return 2 * (row.key.length + row.path.length + (row.alt_path?.length ?? 0) + row.query.length + row.response.length + row.times.length) + 256;
}

function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** Bytes of strings the row memo of one process holds at most (see DiskIndex.get). */
const ROW_MEMO_BYTES = 4 * 1024 * 1024;

export class DiskIndex {
  private readonly db: Database.Database;
  private readonly q;
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  /** Rows read since the file last changed (see get); `memoVersion`: PRAGMA data_version then. */
  private readonly rowMemo = new Map<string, EntryRow>();
  private rowMemoBytes = 0;
  private memoVersion = -1;

  /**
   * Open (creating when absent) and prepare. `check`: run `PRAGMA quick_check` first (the owner
   * does, at start-up). Throws; isCorruptIndexError tells a file that must be replaced.
   */
  constructor(file: string, check: boolean) {
    const db = new Database(file, { timeout: 5000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -4096');
      db.pragma('mmap_size = 0');
      db.pragma('journal_size_limit = 67108864');
      if (check) {
        const result = db.pragma('quick_check', { simple: true });
        if (result !== 'ok') throw new UnusableIndexError(`quick_check: ${String(result).split('\n').slice(0, 2).join(' ').slice(0, 200)}`);
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== 0 && version !== SCHEMA_VERSION) throw new UnusableIndexError(`schema version ${version}, expected ${SCHEMA_VERSION}`);
      if (version === 0) {
        db.transaction(() => {
          db.exec(SCHEMA);
          db.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.q = {
      get: db.prepare<[string], EntryRow>('SELECT * FROM entries WHERE key = ?'),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      files: db.prepare<[string], RowFiles>('SELECT key, body_id, codings FROM entries WHERE key = ?'),
      insert: db.prepare<[EntryRow]>(`INSERT INTO entries (key, body_id, codings, distribution, path, alt_path, query, size, accessed_at, times, cache_control, expires, response)
        VALUES (@key, @body_id, @codings, @distribution, @path, @alt_path, @query, @size, @accessed_at, @times, @cache_control, @expires, @response)`),
      insertTag: db.prepare<[string, string, string]>('INSERT OR IGNORE INTO tags (distribution, tag, key) VALUES (?, ?, ?)'),
      delete: db.prepare<[string]>('DELETE FROM entries WHERE key = ?'),
      deleteIfBody: db.prepare<[string, string]>('DELETE FROM entries WHERE key = ? AND body_id = ?'),
      identity: db.prepare<[string], IdentityRow & { distribution: string }>(`SELECT ${IDENTITY}, distribution FROM entries WHERE key = ?`),
      refresh: db.prepare<[string, string | null, string | null, string]>('UPDATE entries SET times = ?, cache_control = ?, expires = ? WHERE key = ?'),
      touch: db.prepare<[number, string, number]>('UPDATE entries SET accessed_at = ? WHERE key = ? AND accessed_at < ?'),
      byPath: db.prepare<[string, string], IdentityRow>(`SELECT ${IDENTITY} FROM entries WHERE distribution = ? AND path = ?`),
      byAltPath: db.prepare<[string, string], IdentityRow>(`SELECT ${IDENTITY} FROM entries WHERE distribution = ? AND alt_path = ?`),
      byPathRange: db.prepare<[string, string, string], IdentityRow>(`SELECT ${IDENTITY} FROM entries WHERE distribution = ? AND path >= ? AND path < ?`),
      byAltPathRange: db.prepare<[string, string, string], IdentityRow>(`SELECT ${IDENTITY} FROM entries WHERE distribution = ? AND alt_path >= ? AND alt_path < ?`),
      byTag: db.prepare<[string, string], IdentityRow>(
        `SELECT ${IDENTITY.split(', ')
          .map((c) => `e.${c}`)
          .join(', ')} FROM tags t JOIN entries e ON e.key = t.key WHERE t.distribution = ? AND t.tag = ?`,
      ),
      hasBody: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM entries WHERE body_id = ?'),
      lru: db.prepare<[number], RowFiles & { size: number }>('SELECT key, body_id, codings, size FROM entries ORDER BY accessed_at LIMIT ?'),
      totals: db.prepare<[], { entries: number; bytes: number; pruned_through: number }>('SELECT entries, bytes, pruned_through FROM totals'),
      generation: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'invalidations'"),
      insertInvalidation: db.prepare<[string, string, number]>('INSERT INTO invalidations (distribution, items, created_at) VALUES (?, ?, ?)'),
      invalidationIdsAfter: db.prepare<[string, number], { id: number }>('SELECT id FROM invalidations WHERE distribution = ? AND id > ? ORDER BY id'),
      invalidationItems: db.prepare<[number], { items: string }>('SELECT items FROM invalidations WHERE id = ?'),
      lastInvalidationBefore: db.prepare<[number], { id: number | null }>('SELECT max(id) AS id FROM invalidations WHERE created_at < ?'),
      pruneInvalidations: db.prepare<[number]>('DELETE FROM invalidations WHERE id <= ?'),
      setPrunedThrough: db.prepare<[number]>('UPDATE totals SET pruned_through = max(pruned_through, ?)'),
    };
  }

  /** Run `fn` in one write transaction (BEGIN IMMEDIATE: takes the write lock first, so reads in it are current). */
  write<T>(fn: () => T): T {
    try {
      return this.tx.immediate(fn) as T;
    } finally {
      this.forgetRows();
    }
  }

  /**
   * The key's row. Rows are remembered until the file changes: `PRAGMA data_version` changes when
   * another connection (process) commits (https://www.sqlite.org/pragma.html#pragma_data_version),
   * and this connection's own writes forget them (they do not change it). A hit then costs that
   * pragma instead of reading and decoding the row (~1.1× more shared-tier hits here).
   */
  get(key: string): EntryRow | undefined {
    const version = this.q.dataVersion.get();
    if (version !== this.memoVersion) {
      this.forgetRows();
      this.memoVersion = version ?? -1;
    }
    let row = this.rowMemo.get(key);
    if (row !== undefined) return row;
    row = this.q.get.get(key);
    if (row === undefined) return undefined;
    const bytes = rowBytes(row);
    if (this.rowMemoBytes + bytes > ROW_MEMO_BYTES) this.forgetRows();
    this.rowMemo.set(key, row);
    this.rowMemoBytes += bytes;
    return row;
  }

  private forgetRows(): void {
    if (this.rowMemo.size === 0) return;
    this.rowMemo.clear();
    this.rowMemoBytes = 0;
  }

  files(key: string): RowFiles | undefined {
    return this.q.files.get(key);
  }

  identity(key: string): (IdentityRow & { distribution: string }) | undefined {
    return this.q.identity.get(key);
  }

  insert(row: EntryRow, tags: readonly string[]): void {
    this.forgetRows();
    this.q.insert.run(row);
    for (const tag of tags) this.q.insertTag.run(row.distribution, tag, row.key);
  }

  delete(key: string): boolean {
    this.forgetRows();
    return this.q.delete.run(key).changes > 0;
  }

  /** Delete the row only while it still names these body files (not a newer put's). */
  deleteIfBody(key: string, bodyId: string): boolean {
    this.forgetRows();
    return this.q.deleteIfBody.run(key, bodyId).changes > 0;
  }

  refresh(key: string, times: string, cacheControl: string | null, expires: string | null): void {
    this.forgetRows();
    this.q.refresh.run(times, cacheControl, expires, key);
  }

  touch(key: string, at: number): void {
    this.forgetRows();
    this.q.touch.run(at, key, at);
  }

  byPath(distribution: string, path: string): IdentityRow[] {
    return [...this.q.byPath.all(distribution, path), ...this.q.byAltPath.all(distribution, path)];
  }

  /** Rows whose path or alt_path starts with `prefix` (an index range scan each). */
  byPathPrefix(distribution: string, prefix: string): IdentityRow[] {
    // SQLite compares UTF-8 bytes, JS code units: they agree on ASCII (normalised paths are ASCII,
    // non-ASCII is percent-encoded); otherwise scan from the ASCII head, the caller filters.
    const head = /^[\x00-\x7f]*/.exec(prefix)![0];
    if (head === '') return this.byPathPrefix(distribution, '/');
    const start = head;
    const end = prefixEnd(head);
    return [...this.q.byPathRange.all(distribution, start, end), ...this.q.byAltPathRange.all(distribution, start, end)];
  }

  byTag(distribution: string, tag: string): IdentityRow[] {
    return this.q.byTag.all(distribution, tag);
  }

  hasBody(bodyId: string): boolean {
    return this.q.hasBody.get(bodyId) !== undefined;
  }

  leastRecentlyUsed(limit: number): Array<RowFiles & { size: number }> {
    return this.q.lru.all(limit);
  }

  totals(): { entries: number; bytes: number; prunedThrough: number } {
    const t = this.q.totals.get();
    return t === undefined ? { entries: 0, bytes: 0, prunedThrough: 0 } : { entries: t.entries, bytes: t.bytes, prunedThrough: t.pruned_through };
  }

  /** The latest invalidation id (0 when none was ever recorded). */
  generation(): number {
    return this.q.generation.get()?.seq ?? 0;
  }

  insertInvalidation(distribution: string, items: readonly string[], at: number): number {
    return Number(this.q.insertInvalidation.run(distribution, JSON.stringify(items), at).lastInsertRowid);
  }

  invalidationIdsAfter(distribution: string, generation: number): number[] {
    return this.q.invalidationIdsAfter.all(distribution, generation).map((r) => r.id);
  }

  invalidationItems(id: number): string[] | undefined {
    const r = this.q.invalidationItems.get(id);
    return r === undefined ? undefined : (JSON.parse(r.items) as string[]);
  }

  /** Drop invalidations recorded before `before` (ms); returns the new pruned-through id. */
  pruneInvalidations(before: number): number {
    const last = this.q.lastInvalidationBefore.get(before)?.id ?? null;
    if (last !== null) {
      this.q.pruneInvalidations.run(last);
      this.q.setPrunedThrough.run(last);
    }
    return this.totals().prunedThrough;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
