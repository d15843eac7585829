/**
 * The edge configuration: CloudFront DistributionConfig field names in camelCase.
 * See https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 * Values here are the *validated, defaulted* form produced by `validateEdgeConfig`.
 */

export type QueryStringBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';
export type CookieBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';
export type HeaderBehavior = 'none' | 'whitelist';

export interface CacheKeyConfig {
  queryStrings: { behavior: QueryStringBehavior; items: string[] };
  headers: { behavior: HeaderBehavior; items: string[] };
  cookies: { behavior: CookieBehavior; items: string[] };
}

export interface OriginConfig {
  id: string;
  /** http(s) URL of the origin; path prefix (if any) is prepended to every request path. */
  url: string;
  /** Host header sent to the origin; default: the URL's host. */
  hostHeader?: string;
  /** Seconds, 1–10, default 10. */
  connectionTimeout: number;
  /** 1–3, default 3. */
  connectionAttempts: number;
  /** Seconds, 1–60, default 30. */
  responseTimeout: number;
  /** Seconds, 1–60, default 5. */
  keepaliveTimeout: number;
}

export interface CacheBehaviorConfig {
  /** Absent only on the default behaviour (which is `*`). */
  pathPattern: string;
  targetOriginId: string;
  minTTL: number;
  defaultTTL: number;
  maxTTL: number;
  compress: boolean;
  cacheKey: CacheKeyConfig;
  /** Upper-case method names. Default GET, HEAD. */
  allowedMethods: string[];
  /**
   * GET, HEAD (default) or GET, HEAD, OPTIONS: OPTIONS responses are then cached under their own
   * key. Always set by validateEdgeConfig; optional so hand-built configs stay valid.
   */
  cachedMethods?: string[];
  /**
   * CloudFront Functions run for this behavior: at most one per event type, by name (or the
   * function's ARN). https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionAssociation.html
   */
  functionAssociations?: FunctionAssociationConfig[];
}

export interface FunctionAssociationConfig {
  eventType: 'viewer-request' | 'viewer-response';
  /** The function's name, or its ARN (`arn:aws:cloudfront::<account>:function/<name>`). */
  functionArn: string;
}

/** A CloudFront function given in the configuration (LIVE from the start). */
export interface FunctionConfig {
  name: string;
  runtime: 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
  comment?: string;
  /** The code, or `file`: a path (relative to the configuration file) read at start. */
  code?: string;
  file?: string;
  /** Names (or ids / ARNs) of key value stores the function reads with `cf.kvs()` (at most one). */
  keyValueStoreAssociations: string[];
}

/**
 * A CloudFront KeyValueStore given in the configuration: its keys and values (`data`), or `file`,
 * a JSON file in CloudFront's import format `{"data": [{"key": "k", "value": "v"}]}`.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/kvs-with-functions-create-s3-kvp.html
 */
export interface KeyValueStoreConfig {
  name: string;
  comment?: string;
  data?: Array<{ key: string; value: string }>;
  file?: string;
}

export interface CustomErrorResponseConfig {
  errorCode: number;
  responsePagePath?: string;
  responseCode?: number;
  /** Seconds, default 10. */
  errorCachingMinTTL: number;
}

export interface OriginGroupConfig {
  id: string;
  primaryOriginId: string;
  secondaryOriginId: string;
  failoverCriteria: { statusCodes: number[] };
}

export interface DistributionConfig {
  id: string;
  aliases: string[];
  /** Served for `/` only. */
  defaultRootObject?: string;
  comment?: string;
  enabled: boolean;
  origins: OriginConfig[];
  originGroups: OriginGroupConfig[];
  defaultCacheBehavior: CacheBehaviorConfig;
  cacheBehaviors: CacheBehaviorConfig[];
  customErrorResponses: CustomErrorResponseConfig[];
  /**
   * The response header (lower-cased) whose comma-separated values tag a cached object for
   * `#tag` invalidations.
   * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheTagConfig.html
   */
  cacheTagConfig?: { headerName: string };
}

export interface EdgeConfig {
  /** X-Amz-Cf-Pop value, e.g. `PHX50-C2`. */
  pop: string;
  /** The word in `X-Cache: Hit from <productWord>`; default `cloudfront`. */
  productWord: string;
  /**
   * Per worker. fillBudgetBytes: what all fills in flight may buffer together (beyond it a
   * response streams to the viewer uncached). Memory ≈ workers × (maxSizeBytes + fillBudgetBytes
   * + Node baseline) + the primary (README "Workers and memory"). Optional so hand-built configs
   * stay valid; validateEdgeConfig always sets it.
   */
  cache: {
    maxSizeBytes: number; maxObjectBytes: number; fillBudgetBytes?: number;
    /**
     * The host's shared tier (store/disk-store.ts): a directory of body files and an index that
     * every worker reads and writes and that survives restarts. Absent: a private temporary
     * directory, removed when the edge stops. `false`: no shared tier (each worker its own memory).
     */
    diskPath?: string | false;
    /** Bytes of bodies the shared tier keeps (LRU beyond it); default 1 GiB. */
    maxDiskBytes?: number;
  };
  /**
   * Seconds a response may make no write progress to its viewer (a viewer that stops reading)
   * before the connection is closed, like nginx `send_timeout`; default 60. Optional so hand-built
   * configs stay valid; validateEdgeConfig always sets it.
   */
  viewerSendTimeout?: number;
  /** Control URLs of peer edges (invalidation fan-out). */
  peers: string[];
  distributions: DistributionConfig[];
  /** CloudFront Functions and key value stores the behaviors' functionAssociations name. */
  functions?: FunctionConfig[];
  keyValueStores?: KeyValueStoreConfig[];
}
