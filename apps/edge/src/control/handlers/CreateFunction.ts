/**
 * CreateFunction: POST /2020-05-31/function → 201, Location, ETag, FunctionSummary (DEVELOPMENT).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html
 */
import type { ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { checkDefinition } from '../function-compile.js';
import { parseCreateFunctionRequest } from '../function-request.js';
import { summaryOf } from '../function-view.js';
import { renderFunctionSummary } from '../function-xml.js';

export const CreateFunction: ControlHandler = async (ctx, { body, baseUrl }) => {
  const request = parseCreateFunctionRequest(body);
  if (ctx.functions.get(request.name)) throw errors.functionAlreadyExists(request.name);
  const content = await checkDefinition(ctx, request.name, request);
  // Checked again after the compile: another CreateFunction may have taken the name meanwhile.
  const fn = ctx.functions.create(request.name, content, ctx.now());
  return {
    status: 201,
    headers: { Location: `${baseUrl}/2020-05-31/function/${encodeURIComponent(fn.name)}`, ETag: fn.development.etag },
    body: renderFunctionSummary(summaryOf(ctx, fn, 'DEVELOPMENT')),
  };
};
