/**
 * UpdateKeyValueStore: PUT /2020-05-31/key-value-store/{Name}, If-Match: its ETag, body
 * UpdateKeyValueStoreRequest (Comment) → KeyValueStore + the new ETag.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateKeyValueStore.html
 */
import type { ControlHandler } from '../context.js';
import { checkIfMatch } from '../if-match.js';
import { parseUpdateKeyValueStoreRequest } from '../kvs-request.js';
import { requireStore } from '../kvs-view.js';
import { renderKeyValueStore } from '../kvs-xml.js';

export const UpdateKeyValueStore: ControlHandler = (ctx, { req, body, params }) => {
  const store = requireStore(ctx, params);
  const { comment } = parseUpdateKeyValueStoreRequest(body);
  checkIfMatch(req, store.etag);
  const updated = ctx.kvs.setComment(store.id, comment, ctx.now());
  return { status: 200, headers: { ETag: updated.etag }, body: renderKeyValueStore(updated) };
};
