/**
 * The contract every cache tier implements (tested once for all: cache-store.contract.ts).
 *
 * Two tiers hold the edge's cache (docs/edge-cache.md):
 * - a small memory tier per worker (memory-store.ts): today's fast hit path, entries with
 *   pre-built header arrays;
 * - the host's shared tier (disk-store.ts): bodies as files and an index that every worker of
 *   the host reads and writes, that outlives the process and is bounded by `cache.maxDiskBytes`.
 *
 * What a tier stores is a `CachedResponse`: serialisable, with no per-process state (sequence
 * numbers, revalidation flags and pre-built hit headers stay in the worker, on StoredEntry).
 *
 * Ordering of invalidations against fills: a fill takes `generation()` when its origin fetch
 * starts and passes it with the response to `put`; a tier refuses the response when an
 * invalidation recorded after that generation covers it (Varnish's bans,
 * https://varnish-cache.org/docs/trunk/users-guide/purging.html#bans). A tier's generations are
 * only comparable with its own.
 */
import type { EntryTimes } from '@bucketfront/cache-policy';

export type Coding = 'identity' | 'gzip' | 'br';

/** One encoding of a stored response, as a tier stores it. */
export interface StoredBody {
  body: Buffer;
  /**
   * Flat [name, value, …] response headers for this encoding: filtered origin headers (+ Vary) and
   * Content-Length, Content-Encoding and ETag as served. Not X-Cache, Via, Pop, Date, Age.
   */
  headers: string[];
  /** ETag as served for this encoding (weak for edge-compressed variants). */
  etag?: string;
}

export interface CachedResponse<B extends StoredBody = StoredBody> {
  key: string;
  distributionId: string;
  /** Request path in invalidation-normalised form (path invalidations match it). */
  path: string;
  /** A second path invalidations also match (`/index.html` for `/` with a defaultRootObject). */
  altPath?: string;
  /** Keyed query string ('' when none). */
  query: string;
  status: number;
  /** Filtered origin headers, flat (no hop-by-hop, Date, Age, Content-Length, Content-Encoding, ETag). */
  baseHeaders: string[];
  variants: Partial<Record<Coding, B>>;
  /** The edge may add gzip/br variants on demand (store/variants.ts): CloudFront's rules allow it. */
  compressible?: boolean;
  /** The coding the origin applied (Content-Encoding), when it did: `gzip`/`br`, or as sent. */
  originEncoding?: string;
  /** The origin-encoded body did not decode: viewers that refuse its coding get it as it is. */
  undecodable?: boolean;
  times: EntryTimes;
  /** Origin validators for conditional revalidation and viewer 304s. */
  etag?: string;
  lastModified?: string;
  /** Raw Cache-Control / Expires from the origin (TTL recomputation on 304). */
  cacheControl?: string;
  expires?: string;
  /** False when the response disables collapsing (docs/cloudfront-caching.md#collapsing). */
  collapsible: boolean;
  /** Cache tags (cache-tags.ts: lower-cased, valid, at most 50) for `#tag` invalidations. */
  tags?: string[];
}

/** Size and occupancy of a tier. */
export interface CacheStoreStats {
  entries: number;
  sizeBytes: number;
  maxBytes: number;
}

export interface CacheStore<E extends CachedResponse = CachedResponse> {
  /** The tier's invalidation generation now: take it when an origin fetch starts. */
  generation(): number;
  /** The stored response for `key`, fresh or not (the caller decides), or undefined. */
  get(key: string): E | undefined | Promise<E | undefined>;
  /**
   * Store `entry`, fetched from the origin from `generation` on. Resolves false when it was
   * refused: an invalidation newer than `generation` covers it, it is too big, or the tier
   * cannot write. Replaces a stored response for the same key.
   */
  put(entry: E, generation: number): boolean | Promise<boolean>;
  /** New freshness for the stored response of `key` (a 304 revalidation); no-op when absent. */
  refresh(key: string, update: Pick<CachedResponse, 'times' | 'cacheControl' | 'expires'>, generation: number): void | Promise<void>;
  delete(key: string): void | Promise<void>;
  /**
   * Invalidate, for one distribution, every stored response an item covers: a path (`/a`,
   * `/a?x=1`, `/assets/*`: cache-policy matchesInvalidation) or a `#tag` (case-insensitive, exact).
   * Responses whose fetch started before this call and that are `put` afterwards are refused.
   */
  invalidate(distributionId: string, items: readonly string[]): void | Promise<void>;
  stats(): CacheStoreStats;
  close(): void | Promise<void>;
}
