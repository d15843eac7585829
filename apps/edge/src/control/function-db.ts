/**
 * The CloudFront Functions created through the API, on disk (SQLite, beside the invalidation
 * history: `<cache.diskPath>/functions.sqlite`), so they survive a restart: one row per function
 * and stage (DEVELOPMENT, LIVE), the code as sent.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionSummary.html
 *
 * Opening never fails the start (sqlite-file.ts): problems warn once and the store is in memory.
 */
import type Database from 'better-sqlite3';
import type { FunctionStage } from './function-request.js';
import { openSqliteStore, SqliteWriter, type SqliteStoreSpec } from './sqlite-file.js';

/** One stage of a function as stored. */
export interface StoredStage {
  etag: string;
  code: Buffer;
  comment: string;
  runtime: 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
  kvsAssociations: string[];
  lastModifiedTime: Date;
}

export interface StoredFunction {
  name: string;
  createdTime: Date;
  development: StoredStage;
  live?: StoredStage;
}

export interface FunctionDb {
  /** Writes (replaces) one stage of a function. */
  putStage(name: string, createdTime: Date, stage: FunctionStage, s: StoredStage): void;
  /** Removes a function (both stages). */
  remove(name: string): void;
  close(): void;
}

/** `PRAGMA application_id`: marks the file as a bucketfront functions store ('BFfn'). */
const APPLICATION_ID = 0x4246666e;
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS functions (
  name TEXT NOT NULL,
  stage TEXT NOT NULL,
  created_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  code BLOB NOT NULL,
  comment TEXT NOT NULL,
  runtime TEXT NOT NULL,
  kvs_associations TEXT NOT NULL,
  last_modified_time INTEGER NOT NULL,
  PRIMARY KEY (name, stage)
)`;

interface Row {
  name: unknown;
  stage: unknown;
  created_time: unknown;
  etag: unknown;
  code: unknown;
  comment: unknown;
  runtime: unknown;
  kvs_associations: unknown;
  last_modified_time: unknown;
}

const inMemory: FunctionDb = { putStage() {}, remove() {}, close() {} };

export interface OpenedFunctions {
  db: FunctionDb;
  /** By name. */
  functions: StoredFunction[];
}

const FUNCTIONS_FILE: SqliteStoreSpec<FunctionDb, StoredFunction[]> = {
  what: 'functions store',
  noun: 'store',
  applicationId: APPLICATION_ID,
  schemaVersion: SCHEMA_VERSION,
  schema: SCHEMA,
  read: readFunctions,
  open: (db, file, warn) => new SqliteFunctionDb(db, file, warn),
  inMemory: () => ({ store: inMemory, data: [] }),
};

export function openFunctionDb(file: string, warn: (message: string) => void): OpenedFunctions {
  const { store, data } = openSqliteStore(file, FUNCTIONS_FILE, warn);
  return { db: store, functions: data };
}

export function inMemoryFunctionDb(): OpenedFunctions {
  return { db: inMemory, functions: [] };
}

function stageOf(row: Row): { name: string; stage: FunctionStage; createdTime: Date; value: StoredStage } | undefined {
  const { name, stage, created_time, etag, code, comment, runtime, kvs_associations, last_modified_time } = row;
  if (typeof name !== 'string' || (stage !== 'DEVELOPMENT' && stage !== 'LIVE')) return undefined;
  if (typeof etag !== 'string' || !Buffer.isBuffer(code) || typeof comment !== 'string') return undefined;
  if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') return undefined;
  if (typeof created_time !== 'number' || typeof last_modified_time !== 'number' || typeof kvs_associations !== 'string') return undefined;
  let kvs: unknown;
  try {
    kvs = JSON.parse(kvs_associations);
  } catch {
    return undefined;
  }
  if (!Array.isArray(kvs) || !kvs.every((k) => typeof k === 'string')) return undefined;
  return {
    name,
    stage,
    createdTime: new Date(created_time),
    value: { etag, code, comment, runtime, kvsAssociations: kvs as string[], lastModifiedTime: new Date(last_modified_time) },
  };
}

function readFunctions(db: Database.Database, file: string, warn: (message: string) => void): StoredFunction[] {
  const rows = db.prepare('SELECT * FROM functions ORDER BY name, stage').all() as Row[];
  const development = new Map<string, { createdTime: Date; value: StoredStage }>();
  const live = new Map<string, StoredStage>();
  let skipped = 0;
  for (const row of rows) {
    const s = stageOf(row);
    if (!s) skipped++;
    else if (s.stage === 'DEVELOPMENT') development.set(s.name, { createdTime: s.createdTime, value: s.value });
    else live.set(s.name, s.value);
  }
  const functions: StoredFunction[] = [];
  for (const [name, d] of development) {
    const f: StoredFunction = { name, createdTime: d.createdTime, development: d.value };
    const l = live.get(name);
    if (l) f.live = l;
    functions.push(f);
  }
  // A LIVE row without its DEVELOPMENT row cannot be managed through the API.
  skipped += [...live.keys()].filter((n) => !development.has(n)).length;
  if (skipped > 0) warn(`functions store ${file}: skipped ${skipped} unreadable row(s)`);
  return functions;
}

class SqliteFunctionDb implements FunctionDb {
  private readonly writer: SqliteWriter;
  private readonly statements: { put: Database.Statement; remove: Database.Statement };

  constructor(db: Database.Database, file: string, warn: (message: string) => void) {
    this.writer = new SqliteWriter(db, file, { what: 'functions store', noun: 'store' }, warn);
    this.statements = {
      put: db.prepare('INSERT OR REPLACE INTO functions (name, stage, created_time, etag, code, comment, runtime, kvs_associations, last_modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      remove: db.prepare('DELETE FROM functions WHERE name = ?'),
    };
  }

  putStage(name: string, createdTime: Date, stage: FunctionStage, s: StoredStage): void {
    this.writer.write(() => this.statements.put.run(name, stage, createdTime.getTime(), s.etag, s.code, s.comment, s.runtime, JSON.stringify(s.kvsAssociations), s.lastModifiedTime.getTime()));
  }

  remove(name: string): void {
    this.writer.write(() => this.statements.remove.run(name));
  }

  close(): void {
    this.writer.close();
  }
}
