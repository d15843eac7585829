/**
 * GetFunction: GET /2020-05-31/function/{Name}?Stage= (DEVELOPMENT by default) → the code as
 * sent, `application/octet-stream`, with the stage's ETag.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetFunction.html
 */
import type { ControlHandler } from '../context.js';
import { parseStage } from '../function-request.js';
import { nameParam } from '../function-view.js';

export const GetFunction: ControlHandler = (ctx, { params, query }) => {
  const { stage } = ctx.functions.requireStage(nameParam(params), parseStage(query.get('Stage'), 'DEVELOPMENT'));
  return { status: 200, headers: { 'content-type': 'application/octet-stream', ETag: stage.etag }, body: stage.code };
};
