/** The write path shared by PutKey, DeleteKey and UpdateKeys. */
import { KvsQuotaError } from '../../kvs/kvs-db.js';
import type { ControlContext } from '../context.js';
import { kvsErrors } from './errors.js';
import { checkDataIfMatch, requireStoreByArn } from './store-ref.js';
import type { KvsRequest, KvsResponse } from './types.js';

export function jsonBody(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw kvsErrors.validation('The request body is not JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw kvsErrors.validation('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** Checks If-Match against the store's data ETag, then applies the changes (visible to every worker once committed). */
export function applyKeyChanges(ctx: ControlContext, request: KvsRequest, puts: Array<{ key: string; value: string }>, deletes: string[]): KvsResponse {
  const store = requireStoreByArn(ctx.kvs, request.arn);
  checkDataIfMatch(request.ifMatch, store);
  try {
    const r = ctx.kvs.applyKeys(store.id, puts, deletes, ctx.now());
    return { etag: r.etag, json: { ItemCount: r.itemCount, TotalSizeInBytes: r.totalSizeInBytes } };
  } catch (err) {
    if (err instanceof KvsQuotaError) throw kvsErrors.quota(err.message);
    throw err;
  }
}
