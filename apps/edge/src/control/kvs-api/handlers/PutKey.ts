/**
 * PutKey: PUT /key-value-stores/{KvsARN}/keys/{Key}, If-Match: the data ETag, body {"Value"} →
 * ItemCount, TotalSizeInBytes and the new ETag. Key ≤ 512 bytes, value ≤ 1 KB (ValidationException),
 * store ≤ 5 MB (ServiceQuotaExceededException); a stale If-Match is ConflictException.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_PutKey.html
 */
import { applyKeyChanges, jsonBody } from '../write.js';
import { checkKey, checkValue } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

export const PutKey: KvsHandler = (ctx, request) => {
  checkKey(request.key);
  const value = checkValue(jsonBody(request.body)['Value']);
  return applyKeyChanges(ctx, request, [{ key: request.key, value }], []);
};
