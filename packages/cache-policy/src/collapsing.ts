/**
 * Request collapsing eligibility (docs/cloudfront-caching.md#collapsing).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-traffic-spikes
 */
import type { CacheControl } from './cache-control.js';

/** Only safe, cacheable methods are ever collapsed (nodejs/undici#4817: never coalesce POSTs). */
export function canCollapseRequest(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * Collapsing is disabled only when MinTTL = 0 and the origin sends `private`, `no-store`,
 * `no-cache`, `max-age=0` or `s-maxage=0`. Followers of such a response go to the origin
 * themselves (Varnish "hit-for-miss").
 */
export function canCollapseResponse(cc: CacheControl, minTTL: number): boolean {
  if (minTTL > 0) return true;
  return !(cc.private || cc.noStore || cc.noCache || cc.maxAge === 0 || cc.sMaxAge === 0);
}
