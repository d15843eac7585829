/**
 * DescribeFunction: GET /2020-05-31/function/{Name}/describe?Stage= (DEVELOPMENT by default)
 * → FunctionSummary of that stage, with the stage's ETag.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DescribeFunction.html
 */
import type { ControlHandler } from '../context.js';
import { parseStage } from '../function-request.js';
import { nameParam, summaryOf } from '../function-view.js';
import { renderFunctionSummary } from '../function-xml.js';

export const DescribeFunction: ControlHandler = (ctx, { params, query }) => {
  const stage = parseStage(query.get('Stage'), 'DEVELOPMENT');
  const { fn, stage: s } = ctx.functions.requireStage(nameParam(params), stage);
  return { status: 200, headers: { ETag: s.etag }, body: renderFunctionSummary(summaryOf(ctx, fn, stage)) };
};
