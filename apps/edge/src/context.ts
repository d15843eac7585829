/**
 * Per-process engine state and the per-request context (distribution, behaviour, cache key).
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  buildCacheKey, filterCookies, filterQueryString, keysAcceptEncoding, normaliseAcceptEncoding,
  normaliseInvalidationPath, selectBehaviour, type NormalisedAcceptEncoding,
} from '@bucketfront/cache-policy';
import type { CacheBehaviorConfig, CustomErrorResponseConfig, DistributionConfig, EdgeConfig, OriginGroupConfig } from './config/types.js';
import type { EdgeMetrics } from './metrics.js';
import type { OriginClient } from './origin/client.js';
import type { MemoryStore } from './store/memory-store.js';

export interface DistRuntime {
  config: DistributionConfig;
  origins: Map<string, OriginClient>;
  groups: Map<string, OriginGroupConfig>;
  errorResponses: Map<number, CustomErrorResponseConfig>;
}

export interface EngineState {
  config: EdgeConfig;
  store: MemoryStore;
  metrics: EdgeMetrics;
  /** ms since epoch; injectable for tests. */
  clock: () => number;
  via: string;
  /** Remember that a key's last response disabled collapsing (hit-for-miss). */
  noteUncollapsible(key: string, collapsible: boolean): void;
}

export interface RequestCtx {
  dist: DistRuntime;
  behaviour: CacheBehaviorConfig;
  method: string;
  /** Raw request path as received (percent-encoded), without query. */
  viewerPath: string;
  /** Path sent to the origin (defaultRootObject applied for `/`). */
  originPath: string;
  /** Raw query string ('' when none). */
  query: string;
  /** Query string filtered by the cache policy: part of the key and sent to the origin. */
  keyedQuery: string;
  keyedCookies: string;
  key: string;
  ae: NormalisedAcceptEncoding;
  aeKeyed: boolean;
  reqHeaders: IncomingHttpHeaders;
  reqId: string;
  clientIp: string;
  httpVersion: string;
  /** Viewer path in invalidation-normalised form. */
  banPath: string;
  altBanPath?: string;
}

export function makeCtx(
  dist: DistRuntime, method: string, viewerPath: string, query: string,
  reqHeaders: IncomingHttpHeaders, reqId: string, clientIp: string, httpVersion: string,
): RequestCtx {
  const dro = dist.config.defaultRootObject;
  // Default root object: only for `/`, never subdirectories (spec §1.11).
  const originPath = viewerPath === '/' && dro !== undefined ? '/' + dro : viewerPath;
  const behaviour = selectBehaviour(dist.config.cacheBehaviors, dist.config.defaultCacheBehavior, originPath);
  const policy = behaviour.cacheKey;
  const aeKeyed = keysAcceptEncoding(policy);
  // Deviation from CloudFront: the key does not include the normalised Accept-Encoding; one entry
  // holds every encoding variant (compressed once at fill) and the variant is chosen per viewer.
  // Origin-encoded responses (origin sent Content-Encoding gzip/br) are stored under key + AE,
  // which is CloudFront's key. Observable headers and bodies are the same.
  const key = buildCacheKey({ host: dist.config.id, path: viewerPath, query, headers: reqHeaders, policy, method });
  const ctx: RequestCtx = {
    dist, behaviour, method, viewerPath, originPath, query,
    keyedQuery: filterQueryString(query, policy.queryStrings),
    keyedCookies: filterCookies(reqHeaders['cookie'], policy.cookies),
    key,
    ae: normaliseAcceptEncoding(reqHeaders['accept-encoding']),
    aeKeyed,
    reqHeaders, reqId, clientIp, httpVersion,
    banPath: normaliseInvalidationPath(viewerPath),
  };
  if (originPath !== viewerPath) ctx.altBanPath = normaliseInvalidationPath(originPath);
  return ctx;
}
