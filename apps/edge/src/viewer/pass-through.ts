/**
 * Methods other than GET/HEAD (when the behaviour allows them): streamed to the origin and back,
 * never cached, never collapsed (nodejs/undici#4817). Deviation from CloudFront: the viewer's
 * end-to-end headers and full query string are forwarded (CloudFront would apply an origin
 * request policy); cookies only when the behaviour forwards them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type { EngineState, RequestCtx } from '../context.js';
import type { ResultType } from '../metrics.js';
import { filterOriginHeaders, headerValue, httpDate, isHopByHopRequestHeader } from './headers.js';
import type { Responder } from './respond.js';

export async function passThrough(state: EngineState, responder: Responder, req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
  const { metrics, clock, config } = state;
  const word = config.productWord;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || isHopByHopRequestHeader(name)) continue;
    if (name === 'cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (ctx.keyedCookies !== '') headers['cookie'] = ctx.keyedCookies;
  const xff = headerValue(req.headers, 'x-forwarded-for');
  headers['x-forwarded-for'] = xff ? `${xff}, ${ctx.clientIp}` : ctx.clientIp;
  headers['x-amz-cf-id'] = ctx.reqId;
  headers['via'] = state.via;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const target = ctx.behaviour.targetOriginId;
  const origin = ctx.dist.origins.get(target) ?? ctx.dist.origins.get(ctx.dist.groups.get(target)!.primaryOriginId)!;
  const path = ctx.originPath + (ctx.query === '' ? '' : '?' + ctx.query);
  metrics.originRequests++;
  let r;
  try {
    r = await origin.request({ method: ctx.method, path, headers, body: hasBody ? req : null });
    metrics.observeOriginLatency(r.latencyMs / 1000);
  } catch (err) {
    metrics.originErrors++;
    const kind = (err as { kind?: string }).kind;
    return responder.sendFailure(res, ctx, kind === 'timeout' ? 504 : 502, String(err));
  }
  const out = filterOriginHeaders(r.headers, { keepSetCookie: ctx.behaviour.cacheKey.cookies.behavior !== 'none', forwardedHeaders: [] });
  for (const name of ['content-length', 'content-encoding', 'etag', 'vary']) {
    const v = headerValue(r.headers, name);
    if (v !== undefined) out.push(name, v);
  }
  const result: ResultType = r.status >= 400 ? 'Error' : 'Miss';
  out.push('x-cache', `${result} from ${word}`, 'via', state.via, 'x-amz-cf-pop', config.pop, 'date', httpDate(clock()), 'x-amz-cf-id', ctx.reqId);
  res.writeHead(r.status, out);
  let bytes = 0;
  r.body.on('data', (b: Buffer) => { bytes += b.length; });
  pipeline(r.body, res, () => { metrics.countRequest(result === 'Miss' ? 'Pass' : 'Error', bytes); });
}
