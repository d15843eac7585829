/**
 * Methods other than GET/HEAD (when the behavior allows them): streamed to the origin and back,
 * never cached, never collapsed (nodejs/undici#4817). Deviation from CloudFront: the viewer's
 * end-to-end headers and full query string are forwarded (CloudFront would apply an origin
 * request policy); cookies only when the behavior forwards them.
 *
 * Bounded (issue 18 item 4): a pool of its own per origin (origin/client.ts passThrough) with a
 * queue timeout → 503, as CloudFront answers when it "temporarily can't satisfy a request because
 * of resource constraints at an edge location"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-503-service-unavailable.html),
 * and a minimum upload rate → 408 (body-rate.ts).
 *
 * `Expect: 100-continue` (RFC 9110 §10.1.1): undici cannot send it (nodejs/undici#197, it throws),
 * so the edge answers it: Expect is not forwarded, and the viewer gets 100 Continue once the
 * origin request starts (a method the behavior refuses gets its 403 without 100).
 */
import { viewerResponseOf } from '../functions/viewer-response.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { EngineState, RequestCtx } from '../context.js';
import type { ResultType } from '../metrics.js';
import { rateCheckedBody } from './body-rate.js';
import { edgeResponseFields, filterOriginHeaders, headerValue, isHopByHopRequestHeader } from './headers.js';
import type { Responder } from './respond.js';

export async function passThrough(state: EngineState, responder: Responder, req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
  const { metrics, clock } = state;
  // ctx.reqHeaders holds no field named in Connection (hop-by-hop too, RFC 9110 §7.6.1).
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.reqHeaders)) {
    if (value === undefined || isHopByHopRequestHeader(name)) continue;
    if (name === 'cookie' || name === 'expect') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (ctx.keyedCookies !== '') headers['cookie'] = ctx.keyedCookies;
  const xff = headerValue(ctx.reqHeaders, 'x-forwarded-for');
  headers['x-forwarded-for'] = xff ? `${xff}, ${ctx.clientIp}` : ctx.clientIp;
  headers['x-amz-cf-id'] = ctx.reqId;
  headers['via'] = state.via;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const target = ctx.behavior.targetOriginId;
  const origin = ctx.dist.origins.get(target) ?? ctx.dist.origins.get(ctx.dist.groups.get(target)!.primaryOriginId)!;
  const path = ctx.originPath + (ctx.query === '' ? '' : '?' + ctx.query);
  let tooSlow = false;
  const onTooSlow = (): void => {
    tooSlow = true;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.shouldKeepAlive = false; // the rest of the body is never read
    responder.sendFailure(res, ctx, 408, 'viewer body too slow');
  };
  const expectsContinue = (headerValue(req.headers, 'expect') ?? '').toLowerCase() === '100-continue';
  metrics.counts.originRequests++;
  const body = hasBody ? rateCheckedBody(req, onTooSlow) : null;
  // The viewer went away (mid-upload, or before its response was fully sent): abort the origin
  // request at once, which gives its pass-through connection back (origin/client.ts).
  const viewerGone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) viewerGone.abort();
  });
  let r: Awaited<ReturnType<typeof origin.passThrough>>;
  try {
    r = await origin.passThrough({
      method: ctx.method,
      path,
      headers,
      body,
      signal: viewerGone.signal,
      onStart: () => {
        if (expectsContinue && !res.headersSent) res.writeContinue();
      },
    });
    metrics.observeOriginLatency(r.latencyMs / 1000);
  } catch (err) {
    metrics.counts.originErrors++;
    if ((err as { kind?: string }).kind === 'tls') metrics.counts.originTlsErrors++;
    if (tooSlow || viewerGone.signal.aborted) return; // answered already, or nobody left to answer
    if (body) {
      body.destroy();
      res.shouldKeepAlive = false;
    } // the body was not (fully) read
    const kind = (err as { kind?: string }).kind;
    return responder.sendFailure(res, ctx, kind === 'busy' ? 503 : kind === 'timeout' ? 504 : 502, String(err));
  }
  if (tooSlow) {
    r.body.destroy();
    return;
  }
  const out = filterOriginHeaders(r.headers, { keepSetCookie: ctx.behavior.cacheKey.cookies.behavior !== 'none', forwardedHeaders: [] });
  for (const name of ['content-length', 'content-encoding', 'etag', 'vary']) {
    const v = headerValue(r.headers, name);
    if (v !== undefined) out.push(name, v);
  }
  const result: ResultType = r.status >= 400 ? 'Error' : 'Miss';
  out.push(...edgeResponseFields(state, result, clock(), ctx.reqId));
  const vr = viewerResponseOf(res, r.status, out);
  if (vr.errorBody !== undefined) {
    r.body.destroy();
    return responder.finish(res, 'Error', vr.status, vr.headers, vr.errorBody, ctx.method === 'HEAD');
  }
  res.writeHead(vr.status, vr.headers);
  let bytes = 0;
  r.body.on('data', (b: Buffer) => {
    bytes += b.length;
  });
  pipeline(r.body, res, () => {
    metrics.countRequest(result === 'Miss' ? 'Pass' : 'Error', bytes);
  });
}
