/** The `{KvsARN}` path parameter → the API-created store it names; request members checked against CloudFront's limits. */
import { KVS_LIMITS } from '../../kvs/kvs-schema.js';
import type { KvsDb, KvsStoreRecord } from '../../kvs/kvs-db.js';
import { kvsErrors } from './errors.js';

const ARN = /^arn:aws:cloudfront::\d{12}:key-value-store\/([0-9a-f-]{36})$/;

export function requireStoreByArn(kvs: KvsDb, arn: string): KvsStoreRecord {
  const m = ARN.exec(arn);
  if (!m) throw kvsErrors.validation(`${arn} is not a key value store ARN (arn:aws:cloudfront::<account>:key-value-store/<id>).`);
  const store = kvs.byId(m[1]!);
  if (!store) throw kvsErrors.notFound(`The key value store ${arn} does not exist.`);
  return store;
}

/** The data-plane ETag must be the current one: else ConflictException. */
export function checkDataIfMatch(ifMatch: string | undefined, store: KvsStoreRecord): void {
  if (ifMatch === undefined) throw kvsErrors.validation('If-Match is required: the ETag from DescribeKeyValueStore.');
  if (ifMatch !== store.dataEtag) throw kvsErrors.conflict(`The key value store has changed: If-Match ${ifMatch} is not its current ETag.`);
}

export function checkKey(key: string): void {
  if (key.length === 0) throw kvsErrors.validation('A key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > KVS_LIMITS.keyBytes) throw kvsErrors.validation(`A key is at most ${KVS_LIMITS.keyBytes} bytes.`);
}

export function checkValue(value: unknown): string {
  if (typeof value !== 'string') throw kvsErrors.validation('Value must be a string.');
  if (Buffer.byteLength(value, 'utf8') > KVS_LIMITS.valueBytes) throw kvsErrors.validation(`A value is at most ${KVS_LIMITS.valueBytes} bytes.`);
  return value;
}
