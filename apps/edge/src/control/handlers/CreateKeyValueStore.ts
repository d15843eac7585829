/**
 * CreateKeyValueStore: POST /2020-05-31/key-value-store → 201, Location, ETag, KeyValueStore (READY).
 * The id is a UUID, the ARN `arn:aws:cloudfront::<account>:key-value-store/<id>`.
 * ImportSource and Tags → UnsupportedOperation.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateKeyValueStore.html
 */
import type { ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { parseCreateKeyValueStoreRequest } from '../kvs-request.js';
import { renderKeyValueStore } from '../kvs-xml.js';

export const CreateKeyValueStore: ControlHandler = (ctx, { body, baseUrl }) => {
  const request = parseCreateKeyValueStoreRequest(body);
  if (ctx.kvs.byName(request.name)) throw errors.entityAlreadyExists(`A key value store with the name ${request.name} already exists.`);
  const store = ctx.kvs.create(request.name, request.comment, ctx.now());
  return {
    status: 201,
    headers: { Location: `${baseUrl}/2020-05-31/key-value-store/${encodeURIComponent(store.name)}`, ETag: store.etag },
    body: renderKeyValueStore(store),
  };
};
