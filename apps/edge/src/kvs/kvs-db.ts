/**
 * The control plane's side of the key value stores (kvs-schema.ts): stores (CreateKeyValueStore …)
 * and their keys (PutKey, UpdateKeys …), written synchronously in one transaction per change, so
 * every worker's next read sees it. With a file: WAL, synchronous=FULL (durable before the answer),
 * opened through control/sqlite-file.ts (a corrupt file is moved aside with one warning). Without:
 * an in-memory database shared with the data plane of the same process.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { KvsMetadata } from '@bucketfront/cf-functions';
import { openSqliteFile } from '../control/sqlite-file.js';
import { KVS_APPLICATION_ID, KVS_LIMITS, KVS_SCHEMA, KVS_SCHEMA_VERSION } from './kvs-schema.js';

export interface KvsStoreRecord {
  /** CloudFront's store id: a UUID. */
  id: string;
  name: string;
  comment: string;
  /** The control-plane ETag (DescribeKeyValueStore, UpdateKeyValueStore, DeleteKeyValueStore). */
  etag: string;
  created: Date;
  modified: Date;
  /** The data-plane ETag (cloudfront-keyvaluestore): new on every key change. */
  dataEtag: string;
  dataModified: Date;
}

export interface KvsSize {
  itemCount: number;
  totalSizeInBytes: number;
}

/** A write that would take the store over its 5 MB (ServiceQuotaExceededException). */
export class KvsQuotaError extends Error {}

interface StoreRow {
  id: string;
  name: string;
  comment: string;
  etag: string;
  created: number;
  modified: number;
  data_etag: string;
  data_modified: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** `prefix` + upper-case alphanumerics (CloudFront's ETags look like `ETVPDKIKX0DER`). */
export function newEtag(prefix: string, length = 13): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

const toRecord = (r: StoreRow): KvsStoreRecord => ({
  id: r.id,
  name: r.name,
  comment: r.comment,
  etag: r.etag,
  created: new Date(r.created),
  modified: new Date(r.modified),
  dataEtag: r.data_etag,
  dataModified: new Date(r.data_modified),
});

export class KvsDb {
  private readonly s: Record<'insert' | 'byName' | 'byId' | 'list' | 'comment' | 'remove' | 'removeKeys' | 'getKey' | 'listKeys' | 'put' | 'del' | 'size' | 'touch', Database.Statement>;

  private constructor(
    readonly db: Database.Database,
    readonly file: string | undefined,
  ) {
    this.s = {
      insert: db.prepare('INSERT INTO kvs_stores (id, name, comment, etag, created, modified, data_etag, data_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      byName: db.prepare('SELECT * FROM kvs_stores WHERE name = ?'),
      byId: db.prepare('SELECT * FROM kvs_stores WHERE id = ?'),
      list: db.prepare('SELECT * FROM kvs_stores WHERE name > ? ORDER BY name LIMIT ?'),
      comment: db.prepare('UPDATE kvs_stores SET comment = ?, etag = ?, modified = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM kvs_stores WHERE id = ?'),
      removeKeys: db.prepare('DELETE FROM kvs_keys WHERE store = ?'),
      getKey: db.prepare('SELECT value FROM kvs_keys WHERE store = ? AND key = ?'),
      listKeys: db.prepare('SELECT key, value FROM kvs_keys WHERE store = ? AND key > ? ORDER BY key LIMIT ?'),
      put: db.prepare('INSERT OR REPLACE INTO kvs_keys (store, key, value) VALUES (?, ?, ?)'),
      del: db.prepare('DELETE FROM kvs_keys WHERE store = ? AND key = ?'),
      size: db.prepare('SELECT count(*) AS n, coalesce(sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) AS bytes FROM kvs_keys WHERE store = ?'),
      touch: db.prepare('UPDATE kvs_stores SET data_etag = ?, data_modified = ? WHERE id = ?'),
    };
  }

  /** `file` undefined: in memory. A file that cannot be used: one warning, in memory. */
  static open(file: string | undefined, warn: (message: string) => void): KvsDb {
    if (file !== undefined) {
      const opened = openSqliteFile(
        file,
        { what: 'key value store database', noun: 'database', applicationId: KVS_APPLICATION_ID, schemaVersion: KVS_SCHEMA_VERSION, schema: KVS_SCHEMA },
        (db) => db.prepare('SELECT count(*) FROM kvs_keys').get(),
        warn,
      );
      if (opened) return new KvsDb(opened.db, file);
    }
    const db = new Database(':memory:');
    db.exec(KVS_SCHEMA);
    return new KvsDb(db, undefined);
  }

  create(name: string, comment: string, now: Date, data: ReadonlyArray<{ key: string; value: string }> = []): KvsStoreRecord {
    const id = randomUUID();
    const t = now.getTime();
    this.db.transaction(() => {
      this.s.insert.run(id, name, comment, newEtag('E'), t, t, newEtag('KV'), t);
      for (const e of data) this.s.put.run(id, e.key, e.value);
      if (this.size(id).totalSizeInBytes > KVS_LIMITS.storeBytes) throw new KvsQuotaError(`The import exceeds the ${KVS_LIMITS.storeBytes} bytes of a key value store.`);
    })();
    return this.byId(id)!;
  }

  byName(name: string): KvsStoreRecord | undefined {
    const r = this.s.byName.get(name) as StoreRow | undefined;
    return r && toRecord(r);
  }

  byId(id: string): KvsStoreRecord | undefined {
    const r = this.s.byId.get(id) as StoreRow | undefined;
    return r && toRecord(r);
  }

  /** By name, after `marker` (exclusive). */
  list(marker: string, limit: number): KvsStoreRecord[] {
    return (this.s.list.all(marker, limit) as StoreRow[]).map(toRecord);
  }

  setComment(id: string, comment: string, now: Date): KvsStoreRecord {
    this.s.comment.run(comment, newEtag('E'), now.getTime(), id);
    return this.byId(id)!;
  }

  remove(id: string): void {
    this.db.transaction(() => {
      this.s.removeKeys.run(id);
      this.s.remove.run(id);
    })();
  }

  size(id: string): KvsSize {
    const r = this.s.size.get(id) as { n: number; bytes: number };
    return { itemCount: r.n, totalSizeInBytes: r.bytes };
  }

  /** `kvs.meta()` of a store (TestFunction; the data plane reads it through kvs-reader.ts). */
  meta(id: string): KvsMetadata | undefined {
    const store = this.byId(id);
    if (!store) return undefined;
    return { creationDateTime: store.created.toISOString(), lastUpdatedDateTime: store.dataModified.toISOString(), keyCount: this.size(id).itemCount };
  }

  getKey(id: string, key: string): string | undefined {
    return (this.s.getKey.get(id, key) as { value: string } | undefined)?.value;
  }

  /** Keys after `after` (exclusive), in key order. */
  listKeys(id: string, after: string, limit: number): Array<{ key: string; value: string }> {
    return this.s.listKeys.all(id, after, limit) as Array<{ key: string; value: string }>;
  }

  /**
   * Puts then deletes keys in one transaction and gives the store a new data ETag; throws
   * KvsQuotaError (nothing applied) when the store would exceed 5 MB.
   */
  applyKeys(id: string, puts: ReadonlyArray<{ key: string; value: string }>, deletes: readonly string[], now: Date): KvsSize & { etag: string } {
    const etag = newEtag('KV');
    return this.db.transaction(() => {
      for (const p of puts) this.s.put.run(id, p.key, p.value);
      for (const k of deletes) this.s.del.run(id, k);
      const size = this.size(id);
      if (size.totalSizeInBytes > KVS_LIMITS.storeBytes) {
        throw new KvsQuotaError(`The key value store would hold ${size.totalSizeInBytes} bytes; the limit is ${KVS_LIMITS.storeBytes}.`);
      }
      this.s.touch.run(etag, now.getTime(), id);
      return { ...size, etag };
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
