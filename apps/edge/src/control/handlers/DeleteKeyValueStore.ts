/**
 * DeleteKeyValueStore: DELETE /2020-05-31/key-value-store/{Name}, If-Match: its ETag → 204.
 * CannotDeleteEntityWhileInUse (409) while a function (either stage, or a configured one) is
 * associated with it.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteKeyValueStore.html
 */
import type { ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { checkIfMatch } from '../if-match.js';
import { functionsUsing, requireStore } from '../kvs-view.js';

export const DeleteKeyValueStore: ControlHandler = (ctx, { req, params }) => {
  const store = requireStore(ctx, params);
  checkIfMatch(req, store.etag);
  const users = functionsUsing(ctx, store);
  if (users.length > 0) {
    throw errors.cannotDeleteEntityWhileInUse(`The key value store ${store.name} is associated with the function(s) ${users.join(', ')}.`);
  }
  ctx.kvs.remove(store.id);
  return { status: 204, body: '' };
};
