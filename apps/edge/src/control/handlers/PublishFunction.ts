/**
 * PublishFunction: POST /2020-05-31/function/{Name}/publish, If-Match: the DEVELOPMENT ETag →
 * DEVELOPMENT is copied to LIVE (a new LIVE ETag), and every cache behavior associated with the
 * function runs it: on every worker of this edge before the answer, on peer edges soon after.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PublishFunction.html
 *
 * From a peer edge (`x-bucketfront-peer: 1`, function-peers.ts) the body carries the published
 * version: stored as this edge's DEVELOPMENT and LIVE stages and applied on its workers.
 */
import { applyPublished } from '../apply-function.js';
import type { ControlContext, ControlHandler, ControlRequest, ControlResponse } from '../context.js';
import { errors } from '../errors.js';
import { parseCreateFunctionRequest } from '../function-request.js';
import { peerPublishMeta } from '../function-peers.js';
import type { StoredFunction, StoredStage } from '../function-store.js';
import { nameParam, summaryOf } from '../function-view.js';
import { renderFunctionSummary } from '../function-xml.js';
import { checkIfMatch } from '../if-match.js';
import { PEER_HEADER } from '../peer-fanout.js';

function answer(ctx: ControlContext, fn: StoredFunction & { live: StoredStage }): ControlResponse {
  return { status: 200, headers: { ETag: fn.live.etag }, body: renderFunctionSummary(summaryOf(ctx, fn, 'LIVE')) };
}

async function fromPeer(ctx: ControlContext, name: string, { req, body }: ControlRequest): Promise<ControlResponse> {
  const meta = peerPublishMeta(req);
  const def = parseCreateFunctionRequest(body);
  if (def.name !== name) throw errors.invalidArgument(`The document names ${def.name}, the path ${name}.`);
  const runtime = def.config.runtime;
  if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') throw errors.invalidArgument(`The runtime '${runtime}' is not valid.`);
  const live: StoredStage = { etag: meta.etag, code: def.code, comment: def.config.comment, runtime, kvsAssociations: def.config.kvsAssociations, lastModifiedTime: meta.lastModifiedTime };
  ctx.functions.mirror(name, meta.createdTime, live);
  // What this edge has LIVE now (this version, or a later one that arrived first).
  const fn = ctx.functions.require(name) as StoredFunction & { live: StoredStage };
  await applyPublished(ctx, fn, true);
  return answer(ctx, fn);
}

export const PublishFunction: ControlHandler = async (ctx, request) => {
  const name = nameParam(request.params);
  if (request.req.headers[PEER_HEADER] === '1') return fromPeer(ctx, name, request);
  checkIfMatch(request.req, ctx.functions.require(name).development.etag);
  const fn = ctx.functions.publish(name, ctx.now()) as StoredFunction & { live: StoredStage };
  await applyPublished(ctx, fn);
  return answer(ctx, fn);
};
