/**
 * Absolute freshness and stale-serving windows for a stored entry (docs/cloudfront-caching.md#stale).
 * All times are ms since epoch; entries store these absolute times (undici style),
 * never a relative TTL.
 *
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html#stale-content
 * RFC 5861 (stale-while-revalidate / stale-if-error).
 */
import type { CacheControl } from './cache-control.js';
import { DEFAULT_ERROR_CACHING_MIN_TTL } from './ttl.js';

export interface EntryTimes {
  fetchedAt: number;
  /** Fresh while now < freshUntil. */
  freshUntil: number;
  /** Serve stale at once and revalidate in the background while now < swrUntil. */
  swrUntil: number;
  /** Serve stale when the origin is unreachable, times out or answers 5xx, while now < sieUntil. */
  sieUntil: number;
}

export interface StaleInput {
  cacheControl: CacheControl;
  fetchedAt: number;
  /** Edge TTL in seconds (from computeTtl / computeErrorTtl). */
  ttl: number;
  maxTTL: number;
  /** Seconds; the default stale-on-error window, 10 s. */
  errorCachingMinTTL?: number;
}

/**
 * - SWR=N: stale served within min(N, MaxTTL) after expiry, and never past fetchedAt + MaxTTL
 *   ("past MaxTTL the object is gone, whatever N says"; we measure MaxTTL from the fetch).
 * - SIE=N: same window rule, used only when the origin fails.
 * - Neither directive: an expired copy is served on origin 5xx/timeout for ErrorCachingMinTTL
 *   (10 s); `stale-if-error=0` turns this off.
 */
export function computeEntryTimes(input: StaleInput): EntryTimes {
  const { cacheControl: cc, fetchedAt, ttl, maxTTL } = input;
  const freshUntil = fetchedAt + ttl * 1000;
  const hardLimit = fetchedAt + maxTTL * 1000;
  const window = (n: number): number => Math.max(freshUntil, Math.min(freshUntil + Math.min(n, maxTTL) * 1000, hardLimit));
  const swrUntil = cc.staleWhileRevalidate !== undefined ? window(cc.staleWhileRevalidate) : freshUntil;
  let sieUntil: number;
  if (cc.staleIfError !== undefined) sieUntil = window(cc.staleIfError);
  else if (cc.staleWhileRevalidate !== undefined) sieUntil = swrUntil;
  // Default stale-on-error: not bounded by MaxTTL (it is CloudFront's own grace, not the origin's).
  else sieUntil = freshUntil + (input.errorCachingMinTTL ?? DEFAULT_ERROR_CACHING_MIN_TTL) * 1000;
  return { fetchedAt, freshUntil, swrUntil, sieUntil: Math.max(sieUntil, swrUntil) };
}

export type Freshness = 'fresh' | 'stale-while-revalidate' | 'stale';

export function freshnessAt(times: EntryTimes, now: number): Freshness {
  if (now < times.freshUntil) return 'fresh';
  if (now < times.swrUntil) return 'stale-while-revalidate';
  return 'stale';
}

/** May this expired entry be served because the origin failed (unreachable, timeout, 5xx)? */
export function canServeStaleOnError(times: EntryTimes, now: number): boolean {
  return now < times.sieUntil;
}

/** Age header value in whole seconds (RFC 9111 §5.1). */
export function ageSeconds(times: Pick<EntryTimes, 'fetchedAt'>, now: number): number {
  return Math.max(0, Math.floor((now - times.fetchedAt) / 1000));
}
