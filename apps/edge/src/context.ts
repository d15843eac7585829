/**
 * Per-process engine state and the per-request context (distribution, behavior, cache key).
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  buildCacheKey,
  filterCookies,
  filterQueryString,
  keysAcceptEncoding,
  normaliseAcceptEncoding,
  normaliseInvalidationPath,
  normalisePercentEncoding,
  selectBehavior,
  withoutDotSegments,
  type NormalisedAcceptEncoding,
} from '@bucketfront/cache-policy';
import { endToEndHeaders } from './viewer/headers.js';
import type { CacheBehaviorConfig, CustomErrorResponseConfig, DistributionConfig, EdgeConfig, OriginGroupConfig } from './config/types.js';
import type { EdgeMetrics } from './metrics.js';
import type { FillBudget } from './fill-budget.js';
import type { OriginClient } from './origin/client.js';
import type { MemoryStore } from './store/memory-store.js';
import type { SharedTier } from './shared-tier.js';

export interface DistRuntime {
  config: DistributionConfig;
  origins: Map<string, OriginClient>;
  groups: Map<string, OriginGroupConfig>;
  errorResponses: Map<number, CustomErrorResponseConfig>;
}

export interface EngineState {
  config: EdgeConfig;
  store: MemoryStore;
  /** The host's shared tier (bodies as files + a shared index), when there is one. */
  shared?: SharedTier;
  /**
   * Bodies being written to the shared tier, per process (as much as cache.fillBudgetBytes): a slow
   * or full disk cannot pile up writes (and their buffers) without bound; beyond it a response is
   * kept in memory only.
   */
  sharedWrites?: FillBudget;
  /** Bytes fills in flight may buffer together (cache.fillBudgetBytes), per process. */
  fillBudget: FillBudget;
  metrics: EdgeMetrics;
  /** ms since epoch; injectable for tests. */
  clock: () => number;
  via: string;
  /** The port of the edge's TLS viewer listener, for redirects to https (viewer/protocol-policy.ts); none: 443 assumed. */
  httpsPort?: number;
  /** Remember that a key's last response disabled collapsing (hit-for-miss). */
  noteUncollapsible(key: string, collapsible: boolean): void;
  /** Remember that a key's object is over `cache.maxObjectBytes` (streamed, Range goes to the origin). */
  noteTooBig(key: string, tooBig: boolean): void;
}

export interface RequestCtx {
  dist: DistRuntime;
  behavior: CacheBehaviorConfig;
  method: string;
  /** Raw request path as received (percent-encoded), without query. */
  viewerPath: string;
  /** `viewerPath` in RFC 3986 normal form: what behaviors and invalidations are matched against. */
  path: string;
  /** Path sent to the origin: the raw viewer path, as CloudFront forwards it (defaultRootObject applied for `/`). */
  originPath: string;
  /** Raw query string ('' when none). */
  query: string;
  /** Query string filtered by the cache policy: part of the key and sent to the origin. */
  keyedQuery: string;
  keyedCookies: string;
  key: string;
  ae: NormalisedAcceptEncoding;
  aeKeyed: boolean;
  /** The viewer's end-to-end request headers (fields named in Connection removed): keyed and forwarded. */
  reqHeaders: IncomingHttpHeaders;
  reqId: string;
  clientIp: string;
  httpVersion: string;
  /** Path bans also match (defaultRootObject's object for `/`), raw. */
  altPath?: string;
}

/** Viewer path in invalidation-normalised form (computed at fill time only, not on hits). */
export function banPaths(ctx: RequestCtx): { path: string; altPath?: string } {
  const out: { path: string; altPath?: string } = { path: normaliseInvalidationPath(ctx.path) };
  if (ctx.altPath !== undefined) out.altPath = normaliseInvalidationPath(ctx.altPath);
  return out;
}

/** Accept-Encoding values repeat across viewers: normalise each distinct value once. */
const aeMemo = new Map<string, NormalisedAcceptEncoding>();
function normalisedAe(v: string | undefined): NormalisedAcceptEncoding {
  if (v === undefined) return 'identity';
  let n = aeMemo.get(v);
  if (n === undefined) {
    n = normaliseAcceptEncoding(v);
    if (aeMemo.size > 1000) aeMemo.clear();
    aeMemo.set(v, n);
  }
  return n;
}

export function makeCtx(
  dist: DistRuntime,
  method: string,
  viewerPath: string,
  query: string,
  viewerHeaders: IncomingHttpHeaders,
  reqId: string,
  clientIp: string,
  httpVersion: string,
  /** The behavior chosen before a viewer-request function changed the URI (CloudFront keeps it). */
  chosenBehavior?: CacheBehaviorConfig,
): RequestCtx {
  // One view for the key and for forwarding: fields named in Connection are absent from both.
  const reqHeaders = endToEndHeaders(viewerHeaders);
  const dro = dist.config.defaultRootObject;
  // Default root object: only for `/`, never subdirectories (docs/cloudfront-caching.md#default-root-object).
  const originPath = viewerPath === '/' && dro !== undefined ? '/' + dro : viewerPath;
  // The edge decides on the normalised path (uri-path.ts); the origin gets the raw one, as from
  // CloudFront. A fast no-op for paths without `%` or `/.`.
  // The key takes the normalised path except for dot segments: the origin receives the raw path and
  // S3 reads `..` as part of a key, so `/x/../index.html` (NoSuchKey) must not fill `/index.html`.
  const keyPath = normalisePercentEncoding(viewerPath);
  const path = withoutDotSegments(keyPath);
  const behavior = chosenBehavior ?? selectBehavior(dist.config.cacheBehaviors, dist.config.defaultCacheBehavior, originPath === viewerPath ? path : originPath);
  const policy = behavior.cacheKey;
  const aeKeyed = keysAcceptEncoding(policy);
  // Deviation from CloudFront: the key does not include the normalised Accept-Encoding; one entry
  // holds every encoding variant (compressed once at fill, or decoded once when the origin sent
  // gzip/br) and the variant is chosen per viewer: one origin fetch serves every viewer.
  const key = buildCacheKey({ host: dist.config.id, path: keyPath, query, headers: reqHeaders, policy, method });
  const ctx: RequestCtx = {
    dist,
    behavior,
    method,
    viewerPath,
    path,
    originPath,
    query,
    keyedQuery: filterQueryString(query, policy.queryStrings),
    keyedCookies: filterCookies(reqHeaders['cookie'], policy.cookies),
    key,
    ae: normalisedAe(reqHeaders['accept-encoding']),
    aeKeyed,
    reqHeaders,
    reqId,
    clientIp,
    httpVersion,
  };
  if (originPath !== viewerPath) ctx.altPath = originPath;
  return ctx;
}
