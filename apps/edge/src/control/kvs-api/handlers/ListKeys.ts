/**
 * ListKeys: GET /key-value-stores/{KvsARN}/keys?NextToken=&MaxResults= → Items (Key, Value) in
 * key order; NextToken (the last key of a truncated page, base64url) continues. MaxResults 1–50,
 * default 10.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_ListKeys.html
 */
import { kvsErrors } from '../errors.js';
import { requireStoreByArn } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

export const ListKeys: KvsHandler = (ctx, { arn, query }) => {
  const store = requireStoreByArn(ctx.kvs, arn);
  const rawMax = query.get('MaxResults');
  const max = rawMax === null || rawMax === '' ? 10 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 50) throw kvsErrors.validation('MaxResults must be an integer from 1 to 50.');
  const token = query.get('NextToken');
  const after = token === null || token === '' ? '' : Buffer.from(token, 'base64url').toString('utf8');
  const rows = ctx.kvs.listKeys(store.id, after, max + 1);
  const items = rows.slice(0, max);
  const json: Record<string, unknown> = { Items: items.map((r) => ({ Key: r.key, Value: r.value })) };
  if (rows.length > max) json['NextToken'] = Buffer.from(items[items.length - 1]!.key, 'utf8').toString('base64url');
  return { json };
};
