/**
 * Range requests for objects the edge cannot cache (over `cache.maxObjectBytes`): the viewer's
 * Range and If-Range go to the origin and its 206 / 416 / 200 streams back with the edge's
 * headers, uncached. CloudFront: "If the cache doesn't contain the requested range, CloudFront
 * forwards the request to the origin" (docs/cloudfront-caching.md#range); an object too big to cache is never in it.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RangeGETs.html
 */
import type { EngineState, RequestCtx } from './context.js';
import { failureFor, fetchOrigin, filterOptions, originRequestHeaders, streamHeaders, type FillResult } from './fill.js';
import { headerValue } from './viewer/headers.js';

/** The viewer's Range when it should reach the origin: GET only (RFC 9110 §14.2: Range is defined for GET). */
export function viewerRange(ctx: RequestCtx): string | undefined {
  return ctx.method === 'GET' ? headerValue(ctx.reqHeaders, 'range') : undefined;
}

/** One uncached origin request carrying the viewer's Range (and If-Range, RFC 9110 §13.1.5). */
export async function fetchRange(s: EngineState, ctx: RequestCtx, range: string): Promise<Extract<FillResult, { kind: 'stream' | 'failure' }>> {
  const headers = originRequestHeaders(s, ctx);
  headers['range'] = range;
  const ifRange = headerValue(ctx.reqHeaders, 'if-range');
  if (ifRange !== undefined) headers['if-range'] = ifRange;
  try {
    const res = await fetchOrigin(s, ctx, 'GET', headers);
    return { kind: 'stream', status: res.status, headers: streamHeaders(res.headers, filterOptions(ctx)), head: [], rest: res.body };
  } catch (err) {
    return failureFor(err);
  }
}
