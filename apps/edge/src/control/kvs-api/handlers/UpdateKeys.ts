/**
 * UpdateKeys: POST /key-value-stores/{KvsARN}/keys, If-Match: the data ETag, body
 * {"Puts": [{Key, Value}], "Deletes": [{Key}]} → applied together (one transaction, one new ETag).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_UpdateKeys.html
 */
import { kvsErrors } from '../errors.js';
import { applyKeyChanges, jsonBody } from '../write.js';
import { checkKey, checkValue } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

const list = (v: unknown, member: string): Array<Record<string, unknown>> => {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'object' && e !== null)) throw kvsErrors.validation(`${member} must be a list of objects.`);
  return v as Array<Record<string, unknown>>;
};

export const UpdateKeys: KvsHandler = (ctx, request) => {
  const body = jsonBody(request.body);
  const puts = list(body['Puts'], 'Puts').map((p) => {
    const key = typeof p['Key'] === 'string' ? p['Key'] : '';
    checkKey(key);
    return { key, value: checkValue(p['Value']) };
  });
  const deletes = list(body['Deletes'], 'Deletes').map((d) => {
    const key = typeof d['Key'] === 'string' ? d['Key'] : '';
    checkKey(key);
    return key;
  });
  return applyKeyChanges(ctx, request, puts, deletes);
};
