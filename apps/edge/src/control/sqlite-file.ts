/**
 * Opening one of the control plane's SQLite files (better-sqlite3): the invalidation history
 * and the CloudFront Functions store. Each file is marked with its own `application_id` and
 * `user_version`, written in WAL mode with `synchronous=FULL` (an answer the API gave is on disk).
 *
 * Never stops the edge from starting: a file that is not a database, or a corrupt one, is moved
 * aside (`<file>.corrupt-<ms>`) and a fresh one starts; a file we cannot open, that belongs to
 * something else or to a newer bucketfront is left alone and the caller keeps its data in
 * memory. Either way one warning (`what`: "invalidation history", …) says so.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteFileSpec {
  /** Used in warnings: "<what> <file> is unreadable …; … started an empty <noun>". */
  what: string;
  noun: string;
  applicationId: number;
  schemaVersion: number;
  /** Idempotent DDL (CREATE … IF NOT EXISTS). */
  schema: string;
}

/** The opened database and what `read` made of it; undefined: use memory only (already warned). */
export type OpenedSqlite<T> = { db: Database.Database; data: T } | undefined;

/** A store kept in a SQLite file: how to read it at start and to write it afterwards. */
export interface SqliteStoreSpec<S, T> extends SqliteFileSpec {
  /** Every row, read at start (see openSqliteFile). */
  read(db: Database.Database, file: string, warn: (message: string) => void): T;
  /** The store writing to the opened database. */
  open(db: Database.Database, file: string, warn: (message: string) => void): S;
  /** The store and data when the file cannot be used: memory only. */
  inMemory(): { store: S; data: T };
}

/** openSqliteFile, then the store over it; on any problem (already warned) the in-memory store. */
export function openSqliteStore<S, T>(file: string, spec: SqliteStoreSpec<S, T>, warn: (message: string) => void): { store: S; data: T } {
  const opened = openSqliteFile(file, spec, (db) => spec.read(db, file, warn), warn);
  return opened ? { store: spec.open(opened.db, file, warn), data: opened.data } : spec.inMemory();
}

/** Not a database, or a damaged one: worth moving aside. Other failures leave the file alone. */
function isCorruption(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

/**
 * Opens (or creates) `file` and reads it with `read` (which should read every row, so damaged
 * pages surface here and not mid-request). On any problem: one `warn`, then undefined.
 */
export function openSqliteFile<T>(file: string, spec: SqliteFileSpec, read: (db: Database.Database) => T, warn: (message: string) => void): OpenedSqlite<T> {
  try {
    return openDatabase(file, spec, read);
  } catch (err) {
    const reason = (err as Error).message;
    if (isCorruption(err) && existsSync(file)) {
      const aside = `${file}.corrupt-${Date.now()}`;
      try {
        renameSync(file, aside);
        for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
        const fresh = openDatabase(file, spec, read);
        warn(`${spec.what} ${file} is unreadable (${reason}); moved it to ${aside} and started an empty ${spec.noun}`);
        return fresh;
      } catch (second) {
        warn(`${spec.what} ${file} is unreadable (${reason}) and could not be replaced (${(second as Error).message}); starting with an empty ${spec.noun} kept in memory only`);
        return undefined;
      }
    }
    warn(`${spec.what} ${file} cannot be used (${reason}); starting with an empty ${spec.noun} kept in memory only`);
    return undefined;
  }
}

function openDatabase<T>(file: string, spec: SqliteFileSpec, read: (db: Database.Database) => T): { db: Database.Database; data: T } {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    // Reading the schema is the first real read: a file that is not SQLite fails here (SQLITE_NOTADB).
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    if (tables.n > 0 && appId !== spec.applicationId) throw new Error('the file is an SQLite database of something else');
    if (version > spec.schemaVersion) throw new Error(`written by a newer bucketfront (schema ${version})`);
    db.pragma('journal_mode = WAL');
    // An API answer promises the write: each one is durable before the answer.
    db.pragma('synchronous = FULL');
    db.exec(spec.schema);
    db.pragma(`application_id = ${spec.applicationId}`);
    db.pragma(`user_version = ${spec.schemaVersion}`);
    return { db, data: read(db) };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Writes to an opened file; the first failure (disk full…) warns once, closes the file and
 * turns persistence off (the caller's in-memory state carries on). After close, writes are dropped.
 */
export class SqliteWriter {
  private db: Database.Database | undefined;

  constructor(
    db: Database.Database,
    readonly file: string,
    private readonly names: Pick<SqliteFileSpec, 'what' | 'noun'>,
    private readonly warn: (message: string) => void,
  ) {
    this.db = db;
  }

  get open(): boolean {
    return this.db !== undefined;
  }

  write(fn: () => unknown): void {
    if (!this.db) return;
    try {
      fn();
    } catch (err) {
      this.warn(`${this.names.what} ${this.file}: write failed (${(err as Error).message}); the ${this.names.noun} is kept in memory only from now on`);
      this.close();
    }
  }

  close(): void {
    const db = this.db;
    this.db = undefined;
    db?.close();
  }
}
