/**
 * The invalidation history on disk, in one SQLite file (better-sqlite3): CloudFront keeps
 * invalidation records after they complete, so GetInvalidation / ListInvalidations answer
 * the same after an edge restart. https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
 *
 * Never stops the edge from starting: a file that is not a database, or a corrupt one, is
 * moved aside (`<file>.corrupt-<ms>`) and a fresh history starts; a file we cannot open, that
 * belongs to something else or to a newer bucketfront is left alone and the history stays in
 * memory. Either way one warning says so. A write that fails later (disk full…) also warns
 * once and turns persistence off; the in-memory history carries on.
 */
import type Database from 'better-sqlite3';
import { openSqliteStore, SqliteWriter, type SqliteStoreSpec } from './sqlite-file.js';

export type PersistedStatus = 'InProgress' | 'Completed';

/** One invalidation as stored: the batch as sent, the create time to the millisecond. */
export interface PersistedInvalidation {
  id: string;
  distributionId: string;
  callerReference: string;
  paths: string[];
  createTime: Date;
  status: PersistedStatus;
}

/** `PRAGMA application_id`: marks the file as a bucketfront invalidation history ('BFiv'). */
const APPLICATION_ID = 0x42466976;
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS invalidations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  distribution_id TEXT NOT NULL,
  id TEXT NOT NULL,
  caller_reference TEXT NOT NULL,
  paths TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  UNIQUE (distribution_id, id)
)`;

interface Row {
  distribution_id: unknown;
  id: unknown;
  caller_reference: unknown;
  paths: unknown;
  create_time: unknown;
  status: unknown;
}

export interface InvalidationHistory {
  /** Where it lives; undefined when kept in memory only. */
  readonly file: string | undefined;
  insert(record: PersistedInvalidation): void;
  setStatus(distributionId: string, id: string, status: PersistedStatus): void;
  remove(distributionId: string, id: string): void;
  close(): void;
}

export interface OpenedHistory {
  history: InvalidationHistory;
  /** Oldest first (the order they were created in). */
  records: PersistedInvalidation[];
}

const inMemory: InvalidationHistory = {
  file: undefined,
  insert() {},
  setStatus() {},
  remove() {},
  close() {},
};

const HISTORY_FILE: SqliteStoreSpec<InvalidationHistory, PersistedInvalidation[]> = {
  what: 'invalidation history',
  noun: 'history',
  applicationId: APPLICATION_ID,
  schemaVersion: SCHEMA_VERSION,
  schema: SCHEMA,
  read: readRecords,
  open: (db, file, warn) => new SqliteHistory(db, file, warn),
  inMemory: () => ({ store: inMemory, data: [] }),
};

/** Opens (or creates) the history in `file`; on any problem, one `warn` and an empty history. */
export function openInvalidationHistory(file: string, warn: (message: string) => void): OpenedHistory {
  const { store, data } = openSqliteStore(file, HISTORY_FILE, warn);
  return { history: store, records: data };
}

function readRecords(db: Database.Database, file: string, warn: (message: string) => void): PersistedInvalidation[] {
  const rows = db.prepare('SELECT distribution_id, id, caller_reference, paths, create_time, status FROM invalidations ORDER BY seq').all() as Row[];
  const records: PersistedInvalidation[] = [];
  let skipped = 0;
  for (const row of rows) {
    const record = recordOf(row);
    if (record) records.push(record);
    else skipped++;
  }
  if (skipped > 0) warn(`invalidation history ${file}: skipped ${skipped} unreadable record(s)`);
  return records;
}

function recordOf(row: Row): PersistedInvalidation | undefined {
  const { distribution_id, id, caller_reference, paths, create_time, status } = row;
  if (typeof distribution_id !== 'string' || typeof id !== 'string' || typeof caller_reference !== 'string') return undefined;
  if (typeof create_time !== 'number' || !Number.isFinite(create_time)) return undefined;
  if (status !== 'InProgress' && status !== 'Completed') return undefined;
  if (typeof paths !== 'string') return undefined;
  let list: unknown;
  try {
    list = JSON.parse(paths);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string')) return undefined;
  return { id, distributionId: distribution_id, callerReference: caller_reference, paths: list as string[], createTime: new Date(create_time), status };
}

class SqliteHistory implements InvalidationHistory {
  private readonly writer: SqliteWriter;
  private readonly statements: {
    insert: Database.Statement;
    setStatus: Database.Statement;
    remove: Database.Statement;
  };

  constructor(
    db: Database.Database,
    readonly file: string,
    warn: (message: string) => void,
  ) {
    this.writer = new SqliteWriter(db, file, { what: 'invalidation history', noun: 'history' }, warn);
    this.statements = {
      insert: db.prepare('INSERT INTO invalidations (distribution_id, id, caller_reference, paths, create_time, status) VALUES (?, ?, ?, ?, ?, ?)'),
      setStatus: db.prepare('UPDATE invalidations SET status = ? WHERE distribution_id = ? AND id = ?'),
      remove: db.prepare('DELETE FROM invalidations WHERE distribution_id = ? AND id = ?'),
    };
  }

  insert(r: PersistedInvalidation): void {
    this.writer.write(() => this.statements.insert.run(r.distributionId, r.id, r.callerReference, JSON.stringify(r.paths), r.createTime.getTime(), r.status));
  }

  setStatus(distributionId: string, id: string, status: PersistedStatus): void {
    this.writer.write(() => this.statements.setStatus.run(status, distributionId, id));
  }

  remove(distributionId: string, id: string): void {
    this.writer.write(() => this.statements.remove.run(distributionId, id));
  }

  /** After close (e.g. an apply that finishes during shutdown) writes are dropped: the next start re-applies. */
  close(): void {
    this.writer.close();
  }
}
