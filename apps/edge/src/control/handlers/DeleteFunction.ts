/**
 * DeleteFunction: DELETE /2020-05-31/function/{Name}, If-Match: the DEVELOPMENT or the LIVE ETag
 * → 204. FunctionInUse (409) while a cache behavior of the configuration associates it.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteFunction.html
 *
 * A published function stops running on every worker (a configured function of the same name
 * runs again) and is deleted on peer edges. From a peer (`x-bucketfront-peer: 1`) it is deleted
 * here only, unless it changed here after the deletion.
 */
import { applyDeleted } from '../apply-function.js';
import type { ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { peerDeleteTime } from '../function-peers.js';
import { isAssociated, nameParam } from '../function-view.js';
import { checkIfMatch } from '../if-match.js';
import { PEER_HEADER } from '../peer-fanout.js';

export const DeleteFunction: ControlHandler = async (ctx, { req, params }) => {
  const name = nameParam(params);
  if (req.headers[PEER_HEADER] === '1') {
    const at = peerDeleteTime(req);
    if (ctx.functions.get(name) === undefined) throw errors.noSuchFunctionExists(name);
    if (ctx.functions.mirrorRemove(name, at)) await applyDeleted(ctx, name, at, true);
    return { status: 204, body: '' };
  }
  const fn = ctx.functions.require(name);
  checkIfMatch(req, fn.development.etag, fn.live?.etag);
  if (isAssociated(ctx, name)) throw errors.functionInUse(name);
  const at = ctx.now();
  ctx.functions.remove(name);
  if (fn.live) await applyDeleted(ctx, name, at);
  return { status: 204, body: '' };
};
