/**
 * UpdateFunction: PUT /2020-05-31/function/{Name}, If-Match: the DEVELOPMENT ETag → the new
 * DEVELOPMENT stage and its ETag. LIVE is unchanged until PublishFunction.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateFunction.html
 *
 * The ETag goes out as `ETag` and as `ETtag`: the API model names this operation's header
 * `ETtag` (sic), and botocore / the v3 SDK read it from there.
 */
import type { ControlHandler } from '../context.js';
import { checkDefinition } from '../function-compile.js';
import { parseUpdateFunctionRequest } from '../function-request.js';
import { nameParam, summaryOf } from '../function-view.js';
import { renderFunctionSummary } from '../function-xml.js';
import { checkIfMatch } from '../if-match.js';

export const UpdateFunction: ControlHandler = async (ctx, { req, body, params }) => {
  const name = nameParam(params);
  checkIfMatch(req, ctx.functions.require(name).development.etag);
  const content = await checkDefinition(ctx, name, parseUpdateFunctionRequest(body));
  // Checked again: the compile yielded, another update may have come first.
  checkIfMatch(req, ctx.functions.require(name).development.etag);
  const fn = ctx.functions.update(name, content, ctx.now());
  return {
    status: 200,
    headers: { ETag: fn.development.etag, ETtag: fn.development.etag },
    body: renderFunctionSummary(summaryOf(ctx, fn, 'DEVELOPMENT')),
  };
};
