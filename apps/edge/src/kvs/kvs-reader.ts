/**
 * `cf.kvs()` reads of API-created stores, in a data-plane process: prepared statements on a
 * read-only connection to the control plane's file (or on its in-memory database in a single
 * process without a cache directory). Synchronous: a lookup is one indexed SELECT (~µs).
 */
import Database from 'better-sqlite3';
import type { KvsMetadata } from '@bucketfront/cf-functions';

export class KvsReader {
  private db: Database.Database | undefined;
  private statements: { get: Database.Statement; meta: Database.Statement } | undefined;
  private retryAt = 0;

  /** `source`: the file to open read-only (opened on first use, retried every second until it exists), or an open database. */
  constructor(private readonly source: string | Database.Database) {}

  get(storeId: string, key: string): string | undefined {
    const s = this.prepared();
    const row = s?.get.get(storeId, key) as { value: string } | undefined;
    return row?.value;
  }

  meta(storeId: string): KvsMetadata | undefined {
    const row = this.prepared()?.meta.get(storeId) as { created: number; data_modified: number; n: number } | undefined;
    if (row === undefined) return undefined;
    return { creationDateTime: new Date(row.created).toISOString(), lastUpdatedDateTime: new Date(row.data_modified).toISOString(), keyCount: row.n };
  }

  close(): void {
    if (typeof this.source === 'string') this.db?.close();
    this.db = undefined;
    this.statements = undefined;
  }

  private prepared(): { get: Database.Statement; meta: Database.Statement } | undefined {
    if (this.statements) return this.statements;
    if (Date.now() < this.retryAt) return undefined;
    try {
      const db = typeof this.source === 'string' ? new Database(this.source, { readonly: true, fileMustExist: true }) : this.source;
      this.statements = {
        get: db.prepare('SELECT value FROM kvs_keys WHERE store = ? AND key = ?'),
        meta: db.prepare('SELECT created, data_modified, (SELECT count(*) FROM kvs_keys WHERE store = s.id) AS n FROM kvs_stores s WHERE id = ?'),
      };
      this.db = db;
      return this.statements;
    } catch {
      // Not created yet (or unreadable): the stores read as empty; try again in a second.
      this.retryAt = Date.now() + 1000;
      return undefined;
    }
  }
}
