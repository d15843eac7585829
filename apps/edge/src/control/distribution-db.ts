/**
 * The distributions created through the API, on disk (SQLite, beside the functions store:
 * `<cache.diskPath>/distributions.sqlite`), so they survive a restart: one row per distribution,
 * its DistributionConfig as sent (JSON of the DistributionSpec), ETag, tags and times.
 * Opening never fails the start (sqlite-file.ts): problems warn once and the store is in memory.
 */
import type Database from 'better-sqlite3';
import type { DistributionSpec, Tag } from './distribution-request.js';
import { openSqliteStore, SqliteWriter, type SqliteStoreSpec } from './sqlite-file.js';

export interface StoredDistribution {
  id: string;
  spec: DistributionSpec;
  etag: string;
  tags: Tag[];
  createdTime: Date;
  lastModifiedTime: Date;
}

export interface DistributionDb {
  put(d: StoredDistribution): void;
  remove(id: string): void;
  close(): void;
}

/** `PRAGMA application_id`: marks the file as a bucketfront distributions store ('BFds'). */
const APPLICATION_ID = 0x42466473;
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS distributions (
  id TEXT PRIMARY KEY,
  etag TEXT NOT NULL,
  spec TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  last_modified_time INTEGER NOT NULL
)`;

interface Row {
  id: unknown;
  etag: unknown;
  spec: unknown;
  tags: unknown;
  created_time: unknown;
  last_modified_time: unknown;
}

const inMemory: DistributionDb = { put() {}, remove() {}, close() {} };

const DISTRIBUTIONS_FILE: SqliteStoreSpec<DistributionDb, StoredDistribution[]> = {
  what: 'distributions store',
  noun: 'store',
  applicationId: APPLICATION_ID,
  schemaVersion: SCHEMA_VERSION,
  schema: SCHEMA,
  read: readDistributions,
  open: (db, file, warn) => new SqliteDistributionDb(db, file, warn),
  inMemory: () => ({ store: inMemory, data: [] }),
};

export function openDistributionDb(file: string | undefined, warn: (message: string) => void): { db: DistributionDb; distributions: StoredDistribution[] } {
  if (file === undefined) return { db: inMemory, distributions: [] };
  const { store, data } = openSqliteStore(file, DISTRIBUTIONS_FILE, warn);
  return { db: store, distributions: data };
}

function rowOf(row: Row): StoredDistribution | undefined {
  const { id, etag, spec, tags, created_time, last_modified_time } = row;
  if (typeof id !== 'string' || typeof etag !== 'string' || typeof spec !== 'string' || typeof tags !== 'string') return undefined;
  if (typeof created_time !== 'number' || typeof last_modified_time !== 'number') return undefined;
  try {
    return { id, etag, spec: JSON.parse(spec) as DistributionSpec, tags: JSON.parse(tags) as Tag[], createdTime: new Date(created_time), lastModifiedTime: new Date(last_modified_time) };
  } catch {
    return undefined;
  }
}

function readDistributions(db: Database.Database, file: string, warn: (message: string) => void): StoredDistribution[] {
  const rows = db.prepare('SELECT * FROM distributions ORDER BY created_time, id').all() as Row[];
  const out: StoredDistribution[] = [];
  for (const row of rows) {
    const d = rowOf(row);
    if (d) out.push(d);
  }
  if (out.length < rows.length) warn(`distributions store ${file}: skipped ${rows.length - out.length} unreadable row(s)`);
  return out;
}

class SqliteDistributionDb implements DistributionDb {
  private readonly writer: SqliteWriter;
  private readonly statements: { put: Database.Statement; remove: Database.Statement };

  constructor(db: Database.Database, file: string, warn: (message: string) => void) {
    this.writer = new SqliteWriter(db, file, { what: 'distributions store', noun: 'store' }, warn);
    this.statements = {
      put: db.prepare('INSERT OR REPLACE INTO distributions (id, etag, spec, tags, created_time, last_modified_time) VALUES (?, ?, ?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM distributions WHERE id = ?'),
    };
  }

  put(d: StoredDistribution): void {
    this.writer.write(() => this.statements.put.run(d.id, d.etag, JSON.stringify(d.spec), JSON.stringify(d.tags), d.createdTime.getTime(), d.lastModifiedTime.getTime()));
  }

  remove(id: string): void {
    this.writer.write(() => this.statements.remove.run(id));
  }

  close(): void {
    this.writer.close();
  }
}
