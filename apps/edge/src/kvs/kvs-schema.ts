/**
 * The key value stores created through the CloudFront API, in one SQLite file beside the cache
 * (`<cache.diskPath>/kvs.sqlite`): the control plane (primary process) writes it, every worker
 * reads it synchronously with its own read-only connection (WAL: readers see each committed
 * write at once, without IPC). https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions.html
 */

/** `PRAGMA application_id` of the file ('BFkv'). */
export const KVS_APPLICATION_ID = 0x42466b76;
export const KVS_SCHEMA_VERSION = 1;

export const KVS_SCHEMA = `
CREATE TABLE IF NOT EXISTS kvs_stores (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  comment TEXT NOT NULL,
  etag TEXT NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  data_etag TEXT NOT NULL,
  data_modified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kvs_keys (
  store TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (store, key)
) WITHOUT ROWID`;

/** CloudFront's limits (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-functions). */
export const KVS_LIMITS = { keyBytes: 512, valueBytes: 1024, storeBytes: 5 * 1024 * 1024 } as const;

/** The file's name in the cache directory. */
export const KVS_FILE_NAME = 'kvs.sqlite';
