/**
 * TestFunction: POST /2020-05-31/function/{Name}/test, If-Match: the ETag of the stage tested
 * (`Stage` in the body, DEVELOPMENT by default) → TestResult. The function runs in the same
 * sandbox as at the edge (@bucketfront/cf-functions testFunction), reading the configuration's
 * key value stores. Failures of the function are in the result (FunctionErrorMessage); an event
 * object that is not one is InvalidArgument; a run that cannot happen at all, TestFunctionFailed.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestFunction.html
 */
import { CloudFrontApiError, testFunction } from '@bucketfront/cf-functions';
import type { ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { compileForApi } from '../function-compile.js';
import { parseTestFunctionRequest } from '../function-request.js';
import { nameParam, summaryOf } from '../function-view.js';
import { renderTestResult } from '../function-xml.js';
import { checkIfMatch } from '../if-match.js';

export const TestFunction: ControlHandler = async (ctx, { req, body, params }) => {
  const name = nameParam(params);
  const test = parseTestFunctionRequest(body);
  const { fn, stage } = ctx.functions.requireStage(name, test.stage);
  checkIfMatch(req, stage.etag);
  const compiled = await compileForApi(ctx, name, stage);
  try {
    const result = await testFunction(compiled, test.eventObject, { stage: test.stage, kvs: await ctx.keyValueStores(), kvsMeta: (id) => ctx.kvs.meta(id) });
    return { status: 200, body: renderTestResult(summaryOf(ctx, fn, test.stage), result) };
  } catch (err) {
    if (err instanceof CloudFrontApiError) throw errors.invalidArgument(err.message);
    throw errors.testFunctionFailed(`The function could not be run: ${(err as Error)?.message ?? String(err)}`);
  } finally {
    compiled.dispose();
  }
};
