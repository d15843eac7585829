/**
 * Origin fetches for cacheable requests (GET/HEAD): origin headers, origin-group failover,
 * body buffering within the fill budget, building the stored entry, storage decision,
 * conditional revalidation of expired entries (docs/cloudfront-caching.md#conditional) and stale-on-error (docs/cloudfront-caching.md#stale).
 */
import type { Readable } from 'node:stream';
import { canCollapseResponse, canServeStaleOnError, computeEntryTimes, decideStorage, isCompressibleResponse, parseCacheControl, type CacheControl } from '@bucketfront/cache-policy';
import { OriginFailure, readBody, type OriginResponse } from './origin/client.js';
import type { Coding, StoredEntry, Variant } from './store/entry.js';
import { parseCacheTags } from './store/cache-tags.js';
import { buildVariant } from './store/variants.js';
import { entrySize, toCached } from './shared-tier.js';
import { filterOriginHeaders, filterVary, headerValue, type HeaderMap } from './viewer/headers.js';
import { banPaths, type EngineState, type RequestCtx } from './context.js';

export type FillResult =
  | {
      kind: 'entry';
      entry: StoredEntry;
      result: 'Miss' | 'RefreshHit' | 'Hit';
      stale: boolean;
      collapsible: boolean;
      stored: boolean;
      /** The write to the host's shared tier, when one started: settles once other workers can read it. */
      persisted?: Promise<boolean>;
    }
  | { kind: 'stream'; status: number; headers: string[]; head: Buffer[]; rest: Readable }
  | { kind: 'failure'; status: 502 | 504; message: string };

/** What followers of a collapsed fill receive: never a stream (only the leader can consume it). */
export type SharedFill = { kind: 'entry'; entry: StoredEntry; stale: boolean } | { kind: 'failure'; status: 502 | 504; message: string } | { kind: 'retry' };

export function shareable(r: FillResult): SharedFill {
  if (r.kind === 'entry') return r.collapsible ? { kind: 'entry', entry: r.entry, stale: r.stale } : { kind: 'retry' };
  if (r.kind === 'failure') return r;
  return { kind: 'retry' };
}

function dump(body: Readable): void {
  body.on('error', () => undefined);
  body.resume();
}

/** Request headers the edge sends to the origin (docs/cloudfront-caching.md#origin-request). */
export function originRequestHeaders(s: EngineState, ctx: RequestCtx): Record<string, string> {
  const h: Record<string, string> = {};
  const keyed = ctx.behavior.cacheKey.headers;
  if (keyed.behavior === 'whitelist') {
    // ctx.reqHeaders holds no field named in Connection (hop-by-hop, RFC 9110 §7.6.1).
    for (const name of keyed.items) {
      const v = headerValue(ctx.reqHeaders, name.toLowerCase());
      if (v !== undefined) h[name.toLowerCase()] = v;
    }
  }
  if (h['user-agent'] === undefined) h['user-agent'] = 'Amazon CloudFront';
  if (!ctx.aeKeyed) h['accept-encoding'] = ctx.ae;
  if (ctx.keyedCookies !== '') h['cookie'] = ctx.keyedCookies;
  const xff = headerValue(ctx.reqHeaders, 'x-forwarded-for');
  h['x-forwarded-for'] = xff ? `${xff}, ${ctx.clientIp}` : ctx.clientIp;
  h['x-amz-cf-id'] = ctx.reqId;
  h['via'] = s.via;
  return h;
}

/** Send to the target origin, or through an origin group with failover (docs/cloudfront-caching.md#origins). */
export async function fetchOrigin(s: EngineState, ctx: RequestCtx, method: string, headers: Record<string, string>): Promise<OriginResponse> {
  const target = ctx.behavior.targetOriginId;
  const group = ctx.dist.groups.get(target);
  const path = ctx.originPath + (ctx.keyedQuery === '' ? '' : '?' + ctx.keyedQuery);
  if (!group) return timed(s, ctx.dist.origins.get(target)!, method, path, headers);
  const canFailover = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  try {
    const r = await timed(s, ctx.dist.origins.get(group.primaryOriginId)!, method, path, headers);
    if (!canFailover || !group.failoverCriteria.statusCodes.includes(r.status)) return r;
    dump(r.body);
  } catch (err) {
    if (!canFailover) throw err;
  }
  return timed(s, ctx.dist.origins.get(group.secondaryOriginId)!, method, path, headers);
}

async function timed(
  s: EngineState,
  origin: { request: (r: { method: string; path: string; headers: Record<string, string> }) => Promise<OriginResponse> },
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<OriginResponse> {
  s.metrics.counts.originRequests++;
  try {
    const r = await origin.request({ method, path, headers });
    s.metrics.observeOriginLatency(r.latencyMs / 1000);
    return r;
  } catch (err) {
    s.metrics.counts.originErrors++;
    if ((err as { kind?: string }).kind === 'tls') s.metrics.counts.originTlsErrors++;
    throw err;
  }
}

export function failureFor(err: unknown): Extract<FillResult, { kind: 'failure' }> {
  const f = err instanceof OriginFailure ? err : new OriginFailure('error', String(err));
  return { kind: 'failure', status: f.kind === 'timeout' ? 504 : 502, message: f.message };
}

/**
 * Fetch `ctx` from the origin and store it. With `stale` (an expired entry) the request is
 * conditional (If-None-Match / If-Modified-Since from the stored validators): 304 → RefreshHit
 * with the TTL recomputed; anything else replaces it; failures/5xx serve it while its
 * stale-if-error window lasts.
 */
export async function fill(s: EngineState, ctx: RequestCtx, stale: StoredEntry | undefined): Promise<FillResult> {
  const seq = s.store.beginFill();
  // The shared tier's generation, taken with the memory tier's: invalidations from now on refuse this fill there too.
  const gen = sharedGeneration(s);
  let reserved = 0; // fill budget held by the buffered body until it is stored or dropped
  try {
    const headers = originRequestHeaders(s, ctx);
    if (stale && canRevalidate(ctx)) {
      if (stale.etag) headers['if-none-match'] = stale.etag;
      if (stale.lastModified) headers['if-modified-since'] = stale.lastModified;
    }
    const serveStale = (): FillResult | undefined => {
      if (!stale || !canServeStaleOnError(stale.times, s.clock())) return undefined;
      return { kind: 'entry', entry: stale, result: 'Hit', stale: true, collapsible: true, stored: true };
    };
    let res: OriginResponse;
    try {
      // HEAD is fetched as GET so the object can be cached (nginx does the same); cached OPTIONS stays OPTIONS.
      res = await fetchOrigin(s, ctx, ctx.method === 'OPTIONS' ? 'OPTIONS' : 'GET', headers);
    } catch (err) {
      return serveStale() ?? failureFor(err);
    }
    if (res.status === 304 && stale) {
      dump(res.body);
      return { kind: 'entry', entry: refresh(s, ctx, stale, res, seq, gen), result: 'RefreshHit', stale: false, collapsible: true, stored: true };
    }
    if (res.status >= 500) {
      const st = serveStale();
      if (st) {
        dump(res.body);
        return st;
      }
    }
    const cl = headerValue(res.headers, 'content-length');
    const contentLength = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
    const filterOpts = filterOptions(ctx);
    if (contentLength !== undefined && contentLength > s.store.maxObjectBytes) {
      withdraw(s, ctx, res.status, seq);
      s.noteTooBig(ctx.key, true);
      return { kind: 'stream', status: res.status, headers: streamHeaders(res.headers, filterOpts), head: [], rest: res.body };
    }
    let body: Buffer;
    try {
      // Over the worker's fill budget (cache.fillBudgetBytes): streamed, uncached; not marked too big.
      const r = await readBody(res.body, s.store.maxObjectBytes, { contentLength, budget: s.fillBudget });
      if ('tooLarge' in r) {
        withdraw(s, ctx, res.status, seq);
        if (!r.overBudget) s.noteTooBig(ctx.key, true);
        return { kind: 'stream', status: res.status, headers: streamHeaders(res.headers, filterOpts), head: r.head, rest: r.rest };
      }
      body = r.buffer;
      reserved = r.reserved;
    } catch (err) {
      // Truncated body, Content-Length mismatch, body timeout: never cached (docs/cloudfront-caching.md#cacheable).
      return serveStale() ?? failureFor(err instanceof OriginFailure ? err : new OriginFailure(/timeout/i.test(String(err)) ? 'timeout' : 'error', String(err)));
    }
    s.metrics.counts.originBytes += body.length;
    return await buildAndStore(s, ctx, res.status, res.headers, body, contentLength, seq, gen);
  } finally {
    s.fillBudget.release(reserved);
    s.store.endFill(seq);
  }
}

/**
 * A full non-5xx response that is not stored (a 403 or 404 without caching headers, `no-store`, too
 * big…) means the stored one must not be used any more: RFC 9111 §4.3.3 ("the cache MUST NOT use
 * the stored response to satisfy the request") — so an object the origin withdrew stops being
 * served, also behind stale-while-revalidate. A 5xx keeps it (stale-if-error, RFC 5861 §4).
 * https://www.rfc-editor.org/rfc/rfc9111#section-4.3.3
 */
function withdraw(s: EngineState, ctx: RequestCtx, status: number, seq: number): void {
  if (status >= 500) return;
  s.store.deleteOlder(ctx.key, seq);
  void s.shared?.delete(ctx.key);
}

/** Write the entry to the shared tier within the process's write budget (undefined: not written). */
function persist(s: EngineState, entry: StoredEntry, gen: number): Promise<boolean> | undefined {
  if (s.shared === undefined) return undefined;
  let bytes = 0;
  for (const v of Object.values(entry.variants)) if (v) bytes += v.body.length;
  if (s.sharedWrites !== undefined && !s.sharedWrites.reserve(bytes)) return undefined;
  return s.shared.put(toCached(entry), gen).finally(() => s.sharedWrites?.release(bytes));
}

/** The shared tier's generation (0 without one, or when it cannot answer: its puts are then refused). */
function sharedGeneration(s: EngineState): number {
  try {
    return s.shared?.generation() ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Expired entries are revalidated with If-None-Match / If-Modified-Since (docs/cloudfront-caching.md#conditional), except when
 * the behavior forwards cookies: "If-Modified-Since and If-None-Match conditional requests are
 * not supported when CloudFront is configured to forward cookies (all or a subset)."
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html
 */
export function canRevalidate(ctx: RequestCtx): boolean {
  return ctx.behavior.cacheKey.cookies.behavior === 'none';
}

export function filterOptions(ctx: RequestCtx): { keepSetCookie: boolean; forwardedHeaders: string[] } {
  const hk = ctx.behavior.cacheKey.headers;
  return {
    keepSetCookie: ctx.behavior.cacheKey.cookies.behavior !== 'none',
    forwardedHeaders: hk.behavior === 'whitelist' ? hk.items.map((h) => h.toLowerCase()) : [],
  };
}

export function streamHeaders(h: HeaderMap, opts: { keepSetCookie: boolean; forwardedHeaders: string[] }): string[] {
  const out = filterOriginHeaders(h, opts);
  for (const name of ['content-length', 'content-encoding', 'etag']) {
    const v = headerValue(h, name);
    if (v !== undefined) out.push(name, v);
  }
  const vary = filterVary(headerValue(h, 'vary'), { ...opts, addAcceptEncoding: false });
  if (vary) out.push('vary', vary);
  return out;
}

function ttlSettings(ctx: RequestCtx, status: number, cc: CacheControl, expires: string | undefined, hasCacheControl: boolean, now: number) {
  const cer = ctx.dist.errorResponses.get(status);
  const errorCachingMinTTL = cer?.errorCachingMinTTL;
  const b = ctx.behavior;
  const decision = decideStorage({
    status,
    cacheControl: cc,
    expires,
    now,
    hasCacheControl,
    minTTL: b.minTTL,
    defaultTTL: b.defaultTTL,
    maxTTL: b.maxTTL,
    errorCachingMinTTL,
  });
  return { decision, errorCachingMinTTL };
}

/** 304 from the origin: RFC 9111 §4.3.4 freshening. Cache-Control/Expires from the 304 win when present. */
function refresh(s: EngineState, ctx: RequestCtx, stale: StoredEntry, res: OriginResponse, seq: number, gen: number): StoredEntry {
  const now = s.clock();
  const ccRaw = headerValue(res.headers, 'cache-control') ?? stale.cacheControl;
  const expires = headerValue(res.headers, 'expires') ?? stale.expires;
  const cc = parseCacheControl(ccRaw);
  const { decision, errorCachingMinTTL } = ttlSettings(ctx, stale.status, cc, expires, ccRaw !== undefined, now);
  const ttl = decision.store ? decision.ttl : 0;
  stale.times = computeEntryTimes({ cacheControl: cc, fetchedAt: now, ttl, maxTTL: ctx.behavior.maxTTL, errorCachingMinTTL });
  stale.seq = seq;
  stale.cacheControl = ccRaw;
  stale.expires = expires;
  s.store.set(stale);
  const update: Parameters<NonNullable<EngineState['shared']>['refresh']>[1] = { times: stale.times };
  if (ccRaw !== undefined) update.cacheControl = ccRaw;
  if (expires !== undefined) update.expires = expires;
  void s.shared?.refresh(stale.key, update, gen);
  return stale;
}

/** Build the entry (all variants, pre-built headers), decide storage and collapsibility, store it. */
async function buildAndStore(s: EngineState, ctx: RequestCtx, status: number, h: HeaderMap, body: Buffer, contentLength: number | undefined, seq: number, gen: number): Promise<FillResult> {
  const now = s.clock();
  const ccRaw = headerValue(h, 'cache-control');
  const expires = headerValue(h, 'expires');
  const cc = parseCacheControl(ccRaw);
  const { decision, errorCachingMinTTL } = ttlSettings(ctx, status, cc, expires, ccRaw !== undefined, now);
  const b = ctx.behavior;
  const varyRaw = headerValue(h, 'vary');
  // Deviation from CloudFront: `Vary: *` with MinTTL 0 is not stored at all (CloudFront stores it
  // but always goes to the origin, which is observably the same except for stale fallback).
  const varyStar = varyRaw?.split(',').some((v) => v.trim() === '*');
  const store = decision.store && !(varyStar && b.minTTL === 0);
  const ttl = decision.store ? decision.ttl : 0;
  const contentEncoding = headerValue(h, 'content-encoding');
  const filterOpts = filterOptions(ctx);

  // Compressed variants are made on demand when a viewer asks (store/variants.ts, docs/cloudfront-caching.md#compression).
  const compressible =
    b.compress &&
    !ctx.aeKeyed &&
    isCompressibleResponse({
      status,
      contentLength,
      contentType: headerValue(h, 'content-type'),
      contentEncoding,
    }).ok;
  const coding = contentEncoding?.trim().toLowerCase();
  // The coding of the bytes as the origin sent them (e.g. an S3 object stored with Content-Encoding:
  // gzip): one entry, served as is to viewers accepting the coding (CloudFront does not compress it
  // again) and decoded on demand for the others (store/variants.ts), so every viewer is answered from
  // one origin fetch with bytes it can read.
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html#compressed-content-cloudfront-how-it-works
  const originCoding: Coding = coding === 'gzip' || coding === 'x-gzip' ? 'gzip' : coding === 'br' ? 'br' : 'identity';
  const baseHeaders = filterOriginHeaders(h, filterOpts);
  const varies = compressible || originCoding !== 'identity';
  const vary = filterVary(varyRaw, { ...filterOpts, addAcceptEncoding: varies });
  const etag = headerValue(h, 'etag');
  const lastModified = headerValue(h, 'last-modified');
  const common = vary ? [...baseHeaders, 'vary', vary] : baseHeaders;
  // Other codings (deflate, compress…) are stored and served as the origin sent them.
  const variant = buildVariant(s, status, common, body, originCoding, { etag, contentEncoding });
  const variants: Partial<Record<Coding, Variant>> = { [originCoding]: variant };
  const bp = banPaths(ctx);
  const entry: StoredEntry = {
    key: ctx.key,
    distributionId: ctx.dist.config.id,
    path: bp.path,
    query: ctx.keyedQuery,
    status,
    baseHeaders,
    variants,
    times: computeEntryTimes({ cacheControl: cc, fetchedAt: now, ttl, maxTTL: b.maxTTL, errorCachingMinTTL }),
    seq,
    size: 0,
    collapsible: canCollapseResponse(cc, b.minTTL),
    touchedAt: now,
  };
  if (bp.altPath !== undefined) entry.altPath = bp.altPath;
  // Tags only where the distribution names their header (CacheTagConfig): opt-in, as on CloudFront.
  const tagHeader = ctx.dist.config.cacheTagConfig?.headerName;
  const tags = tagHeader === undefined ? [] : parseCacheTags(h[tagHeader]);
  if (tags.length > 0) entry.tags = tags;
  if (compressible) entry.compressible = true;
  if (contentEncoding !== undefined) entry.originEncoding = originCoding === 'identity' ? contentEncoding : originCoding;
  if (etag !== undefined) entry.etag = etag;
  if (lastModified !== undefined) entry.lastModified = lastModified;
  if (ccRaw !== undefined) entry.cacheControl = ccRaw;
  if (expires !== undefined) entry.expires = expires;
  entry.size = entrySize(entry);
  // An invalidation that arrived while the origin answered covers the response: neither tier takes it.
  const cacheable = store && !s.store.isBanned(entry);
  // The memory tier may refuse it for its size alone; the shared tier still keeps it.
  const inMemory = cacheable && s.store.set(entry);
  if (cacheable && !inMemory) s.store.deleteOlder(ctx.key, seq); // never keep an older body than the shared tier's
  const persisted = cacheable ? persist(s, entry, gen) : undefined;
  if (!cacheable) withdraw(s, ctx, status, seq);
  s.noteUncollapsible(ctx.key, entry.collapsible);
  s.noteTooBig(ctx.key, false);
  const r: FillResult = { kind: 'entry', entry, result: 'Miss', stale: false, collapsible: entry.collapsible, stored: inMemory || persisted !== undefined };
  if (persisted) r.persisted = persisted;
  return r;
}
