/**
 * DeleteKey: DELETE /key-value-stores/{KvsARN}/keys/{Key}, If-Match: the data ETag → ItemCount,
 * TotalSizeInBytes and the new ETag (deleting an absent key changes nothing else).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_DeleteKey.html
 */
import { applyKeyChanges } from '../write.js';
import { checkKey } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

export const DeleteKey: KvsHandler = (ctx, request) => {
  checkKey(request.key);
  return applyKeyChanges(ctx, request, [], [request.key]);
};
