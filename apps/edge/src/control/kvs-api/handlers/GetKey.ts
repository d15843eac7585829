/**
 * GetKey: GET /key-value-stores/{KvsARN}/keys/{Key} → Key, Value, ItemCount, TotalSizeInBytes;
 * ResourceNotFoundException when the key is absent.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_GetKey.html
 */
import { kvsErrors } from '../errors.js';
import { requireStoreByArn } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

export const GetKey: KvsHandler = (ctx, { arn, key }) => {
  const store = requireStoreByArn(ctx.kvs, arn);
  const value = ctx.kvs.getKey(store.id, key);
  if (value === undefined) throw kvsErrors.notFound(`The key ${key} does not exist.`);
  const size = ctx.kvs.size(store.id);
  return { json: { Key: key, Value: value, ItemCount: size.itemCount, TotalSizeInBytes: size.totalSizeInBytes } };
};
