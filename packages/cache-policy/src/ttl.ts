/**
 * Edge TTLs: CloudFront's Min/Default/Max algorithm for success responses
 * (docs/cloudfront-caching.md#ttl) and its error-caching rules (docs/cloudfront-caching.md#error-caching).
 *
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html
 */
import { parseHttpDate } from '@bucketfront/http-basics';
import { isNoCacheDirective, type CacheControl } from './cache-control.js';

export interface TtlSettings {
  /** Seconds. */
  minTTL: number;
  defaultTTL: number;
  maxTTL: number;
}

/** CachingOptimized managed policy: 1 / 86400 / 31536000. */
export const CACHING_OPTIMIZED: TtlSettings = Object.freeze({ minTTL: 1, defaultTTL: 86400, maxTTL: 31536000 });
/** Legacy settings with no policy: 0 / 86400 / 31536000. */
export const LEGACY_DEFAULT_TTLS: TtlSettings = Object.freeze({ minTTL: 0, defaultTTL: 86400, maxTTL: 31536000 });

export const DEFAULT_ERROR_CACHING_MIN_TTL = 10;

export interface FreshnessInput {
  cacheControl: CacheControl;
  /** Raw `Expires` header, if any. */
  expires?: string | undefined;
  /** ms since epoch. */
  now: number;
}

export type TtlSource = 's-maxage' | 'max-age' | 'expires' | 'default' | 'min-ttl';

export type TtlDecision = { store: true; ttl: number; source: TtlSource } | { store: false; reason: 'no-store' | 'not-cacheable-status' | 'status-needs-max-age' | 'never-cached-status' };

/**
 * The origin's freshness lifetime in seconds: `s-maxage` > `max-age` > `Expires` (converted to
 * seconds from `now`; RFC 9111 §4.2.1 would use the Date header, CloudFront says "from now").
 */
export function headerFreshness(input: FreshnessInput): { seconds: number; source: 's-maxage' | 'max-age' | 'expires' } | undefined {
  const { cacheControl: cc } = input;
  if (cc.sMaxAge !== undefined) return { seconds: cc.sMaxAge, source: 's-maxage' };
  if (cc.maxAge !== undefined) return { seconds: cc.maxAge, source: 'max-age' };
  if (input.expires !== undefined) {
    const t = parseHttpDate(input.expires);
    // RFC 9111 §5.3: an invalid Expires (e.g. "0") means "already expired".
    const seconds = t === undefined ? 0 : Math.max(0, Math.floor((t - input.now) / 1000));
    return { seconds, source: 'expires' };
  }
  return undefined;
}

/**
 * TTL for a success (or redirect) response (docs/cloudfront-caching.md#ttl).
 * - header value h → clamp(h, MinTTL, MaxTTL)
 * - none → max(MinTTL, DefaultTTL)  (and never above MaxTTL)
 * - no-store/no-cache/private: MinTTL = 0 → not stored; MinTTL > 0 → MinTTL
 * - max-age=0 with MinTTL 0 → stored with TTL 0: every request revalidates (docs/cloudfront-caching.md#no-cache).
 */
export function computeTtl(input: FreshnessInput & TtlSettings): TtlDecision {
  const { minTTL, defaultTTL, maxTTL } = input;
  if (isNoCacheDirective(input.cacheControl)) {
    return minTTL > 0 ? { store: true, ttl: minTTL, source: 'min-ttl' } : { store: false, reason: 'no-store' };
  }
  const h = headerFreshness(input);
  if (h) return { store: true, ttl: Math.min(Math.max(h.seconds, minTTL), maxTTL), source: h.source };
  return { store: true, ttl: Math.min(Math.max(minTTL, defaultTTL), maxTTL), source: 'default' };
}

/** Error codes CloudFront caches even without caching headers (docs/cloudfront-caching.md#error-caching). */
export const ALWAYS_CACHED_ERRORS: ReadonlySet<number> = new Set([404, 414, 500, 501, 502, 503, 504]);
/** Error codes cached only when the origin sends `max-age`/`s-maxage`. */
export const CACHED_WITH_MAX_AGE_ERRORS: ReadonlySet<number> = new Set([400, 403, 405, 412, 415]);
/** Codes for which `no-store`/`no-cache`/`private` prevent caching (current CloudFront docs). */
export const NO_STORE_HONOURED_ERRORS: ReadonlySet<number> = new Set([404, 410, 414, 501]);

export interface ErrorTtlInput extends FreshnessInput {
  status: number;
  maxTTL: number;
  /** Seconds; the distribution's customErrorResponses[].errorCachingMinTTL for this code, default 10. */
  errorCachingMinTTL?: number;
}

/**
 * TTL for a 4xx/5xx origin response (docs/cloudfront-caching.md#error-caching).
 * TTL = max(header, ErrorCachingMinTTL) capped at MaxTTL; ErrorCachingMinTTL alone without headers.
 * Deviation from CloudFront: codes on neither list (410, 429, 505…) are treated like the
 * "only with max-age/s-maxage" group; CloudFront does not document them.
 */
export function computeErrorTtl(input: ErrorTtlInput): TtlDecision {
  const { status } = input;
  const ecmt = input.errorCachingMinTTL ?? DEFAULT_ERROR_CACHING_MIN_TTL;
  if (status === 416) return { store: false, reason: 'never-cached-status' };
  if (isNoCacheDirective(input.cacheControl) && NO_STORE_HONOURED_ERRORS.has(status)) return { store: false, reason: 'no-store' };
  const cc = input.cacheControl;
  const hasMaxAge = cc.sMaxAge !== undefined || cc.maxAge !== undefined;
  const h = headerFreshness(input);
  if (!ALWAYS_CACHED_ERRORS.has(status) && !hasMaxAge) return { store: false, reason: 'status-needs-max-age' };
  if (!h) return { store: true, ttl: Math.min(ecmt, input.maxTTL), source: 'default' };
  return { store: true, ttl: Math.min(Math.max(h.seconds, ecmt), input.maxTTL), source: h.source };
}

/** Success/redirect statuses the edge may store by the TTL rules (RFC 9110 §15.1 heuristically cacheable, plus 302/307/308 with Cache-Control). */
const CACHEABLE_SUCCESS: ReadonlySet<number> = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308]);

/**
 * One entry point for any origin status: success rules for < 400, error rules otherwise.
 * 307/308 are cached only with a Cache-Control header (docs/cloudfront-caching.md#cacheable); 1xx/206 never.
 */
export function decideStorage(input: FreshnessInput & TtlSettings & { status: number; hasCacheControl: boolean; errorCachingMinTTL?: number }): TtlDecision {
  const { status } = input;
  if (status >= 400) return computeErrorTtl(input);
  if (!CACHEABLE_SUCCESS.has(status)) return { store: false, reason: 'not-cacheable-status' };
  if ((status === 307 || status === 308) && !input.hasCacheControl) return { store: false, reason: 'not-cacheable-status' };
  return computeTtl(input);
}
