/**
 * A behavior's CloudFront Functions around one viewer request: viewer-request before the cache
 * lookup, viewer-response where the response's head is written.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-functions.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeCtx, type EngineState, type RequestCtx } from './context.js';
import { applyRequest, responseHeaders, viewerRequestEvent, viewerResponseEvent, type ViewerRequest } from './functions/event.js';
import type { BehaviorFunctions, EdgeFunctions } from './functions/registry.js';
import { runOnViewerResponse } from './functions/viewer-response.js';
import type { Responder } from './viewer/respond.js';

export type ViewerFunctionRunner = (req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, fns: BehaviorFunctions, host: string, query: string | undefined) => RequestCtx | undefined;

/**
 * A behavior's viewer functions: the viewer-request function runs now (its generated response
 * or failure is the answer: undefined is returned), then the request goes on as the function
 * left it, in the behavior chosen before (CloudFront does not choose again); the viewer-response
 * function is set to run where the response's head is written (functions/viewer-response.ts).
 * Both run synchronously: key value stores are read from memory.
 */
export function createViewerFunctionRunner(state: EngineState, functions: EdgeFunctions, responder: Responder): ViewerFunctionRunner {
  const { metrics, clock } = state;
  const { functionErrorPage, sendFunctionError, sendFunctionResponse } = responder;
  const fx = functions;
  return (req, res, ctx, fns, host, query) => {
    const ectx = { distributionId: ctx.dist.config.id, distributionDomainName: host, requestId: ctx.reqId, clientIp: ctx.clientIp };
    let request: ViewerRequest = { method: ctx.method, uri: ctx.viewerPath, query: ctx.query, headers: req.headers };
    let next = ctx;
    if (fns.viewerRequest !== undefined) {
      const event = viewerRequestEvent(request, ectx);
      const r = fns.viewerRequest.runSync(event, { kvs: fx.kvs, kvsMeta: fx.kvsMeta, now: clock(), reuseResults: true, ...(query === undefined ? {} : { rawQueryString: query }) });
      metrics.counts.functionInvocations++;
      if (r.ok && r.reused === true) metrics.counts.functionResultsReused++;
      if (!r.ok) {
        metrics.counts.functionErrors++;
        sendFunctionError(req, res, ctx.reqId, r.error);
        return undefined;
      }
      if ('response' in r.output) {
        sendFunctionResponse(req, res, ctx.reqId, r.output.response);
        return undefined;
      }
      const changed = applyRequest(request, r.output.request, event.request);
      if (changed !== request) {
        request = changed;
        req.headers = request.headers;
        next = makeCtx(ctx.dist, ctx.method, request.uri, request.query, request.headers, ctx.reqId, ctx.clientIp, ctx.httpVersion, ctx.behavior);
      }
    }
    if (fns.viewerResponse !== undefined) {
      const seen = request;
      runOnViewerResponse(res, (response) => {
        // Resolved again now, not kept from the request: a PublishFunction in between replaced
        // (and disposed) the sandbox, and the response runs the function LIVE when it is written.
        const onResponse = fx.forBehavior(ctx.behavior).viewerResponse;
        if (onResponse === undefined) return response;
        const r = onResponse.runSync(viewerResponseEvent(seen, response, ectx), { kvs: fx.kvs, kvsMeta: fx.kvsMeta, now: clock(), reuseResults: true });
        metrics.counts.functionInvocations++;
        if (r.ok && r.reused === true) metrics.counts.functionResultsReused++;
        if (!r.ok) {
          metrics.counts.functionErrors++;
          return functionErrorPage(ctx.reqId, r.error);
        }
        if (!('response' in r.output)) return response; // a request is not a valid viewer-response result (validated by the runtime)
        return { status: r.output.response.statusCode, headers: responseHeaders(r.output.response, response.headers) };
      });
    }
    return next;
  };
}
