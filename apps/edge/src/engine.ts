/**
 * The data plane of one process: distribution routing, cache lookup, request collapsing,
 * stale serving, custom error responses and the viewer responses.
 *
 * Request flow (named outcomes, VCL-style): route → behaviour → method check →
 *   pass (non-GET/HEAD) | lookup → fresh: Hit | SWR: Hit + background revalidate |
 *   expired: collapsed conditional fill (RefreshHit / Miss / stale Hit) | none: collapsed fill (Miss).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import {
  ageSeconds, canCollapseRequest, chooseViewerEncoding, contentRange, freshnessAt, isNotModified, parseRange,
  type ByteRange,
} from '@bucketfront/cache-policy';
import type { EdgeConfig } from './config/types.js';
import { makeCtx, type DistRuntime, type EngineState, type RequestCtx } from './context.js';
import { fromWire, toWire, type FillCoordinator } from './coordinator.js';
import { fill, shareable, type FillResult, type SharedFill } from './fill.js';
import { EdgeMetrics, type EdgeMetricsSnapshot, type ResultType } from './metrics.js';
import { OriginClient } from './origin/client.js';
import type { EdgeEngine } from './runtime.js';
import type { Coding, StoredEntry } from './store/entry.js';
import { MemoryStore } from './store/memory-store.js';
import { generatedErrorPage } from './viewer/error-page.js';
import { filterOriginHeaders, headerValue, httpDate, isHopByHopRequestHeader, requestId, viaValue } from './viewer/headers.js';

export interface EdgeEngineOptions {
  /** ms since epoch; default Date.now. Tests pass a controllable clock. */
  clock?: () => number;
  /** Cluster workers: collapse misses across workers too (see coordinator.ts). */
  coordinator?: FillCoordinator;
}

export interface EdgeEngineHandle extends EdgeEngine {
  readonly config: EdgeConfig;
  readonly store: MemoryStore;
  readonly metrics: EdgeMetrics;
  /** The `request` listener of the viewer server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  close(): Promise<void>;
}

interface Inflight { promise: Promise<SharedFill> }

const UNCOLLAPSIBLE_MARK_MS = 120_000; // Varnish's default hit-for-miss/uncacheable_ttl (2 min)

export function createEdgeEngine(config: EdgeConfig, opts: EdgeEngineOptions = {}): EdgeEngineHandle {
  const metrics = new EdgeMetrics();
  const store = new MemoryStore({
    maxSizeBytes: config.cache.maxSizeBytes,
    maxObjectBytes: config.cache.maxObjectBytes,
    onEvict: () => { metrics.evictions++; },
  });
  const clock = opts.clock ?? Date.now;
  const uncollapsible = new Map<string, number>();
  const state: EngineState = {
    config, store, metrics, clock,
    via: viaValue(config.pop),
    noteUncollapsible(key, collapsible) {
      if (collapsible) { uncollapsible.delete(key); return; }
      if (uncollapsible.size > 10_000) uncollapsible.clear();
      uncollapsible.set(key, clock() + UNCOLLAPSIBLE_MARK_MS);
    },
  };
  const word = config.productWord;

  const dists: DistRuntime[] = config.distributions.map((d) => ({
    config: d,
    origins: new Map(d.origins.map((o) => [o.id, new OriginClient(o)])),
    groups: new Map(d.originGroups.map((g) => [g.id, g])),
    errorResponses: new Map(d.customErrorResponses.map((e) => [e.errorCode, e])),
  }));
  const byAlias = new Map<string, DistRuntime>();
  for (const d of dists) for (const a of d.config.aliases) byAlias.set(a, d);
  const byId = new Map(dists.map((d) => [d.config.id.toLowerCase(), d]));
  const single = dists.length === 1 ? dists[0] : undefined;

  /**
   * Distribution by Host among aliases; with one distribution it serves every Host. Like
   * `dxxxx.cloudfront.net`, a Host whose first label is a distribution id (any domain, e.g.
   * `e123.bucketfront.localhost`) also selects that distribution.
   */
  function route(host: string | undefined): DistRuntime | undefined {
    if (single) return single;
    if (!host) return undefined;
    let h = host.toLowerCase();
    const colon = h.lastIndexOf(':');
    if (colon > 0 && !h.endsWith(']')) h = h.slice(0, colon);
    return byAlias.get(h) ?? byId.get(h.split('.')[0]!);
  }

  // ---- collapsing (spec §1.9): single flight per cache key; followers wake when the entry is stored.
  const inflight = new Map<string, Inflight>();

  async function collapsedFill(ctx: RequestCtx, stale: StoredEntry | undefined): Promise<{ own: FillResult } | { shared: SharedFill }> {
    const mark = uncollapsible.get(ctx.key);
    const skipCollapse = (mark !== undefined && mark > clock()) || (stale !== undefined && !stale.collapsible);
    if (skipCollapse) return { own: await fill(state, ctx, stale) };
    const existing = inflight.get(ctx.key);
    if (existing) {
      metrics.collapsedWaiters++;
      const shared = await existing.promise;
      if (shared.kind !== 'retry') return { shared };
      return { own: await fill(state, ctx, store.get(ctx.key)) };
    }
    let resolve!: (s: SharedFill) => void;
    const me: Inflight = { promise: new Promise<SharedFill>((r) => { resolve = r; }) };
    inflight.set(ctx.key, me);
    try {
      const r = await coordinatedFill(ctx, stale);
      resolve(shareable(r)); // followers are released here, before the leader writes its response
      return { own: r };
    } catch (err) {
      resolve({ kind: 'retry' });
      throw err;
    } finally {
      if (inflight.get(ctx.key) === me) inflight.delete(ctx.key);
    }
  }

  /**
   * The local leader's fill. With a coordinator (cluster workers) the first worker asking fetches;
   * the others wait for its entry, store it in their own cache and answer Hit.
   */
  async function coordinatedFill(ctx: RequestCtx, stale: StoredEntry | undefined): Promise<FillResult> {
    const coordinator = opts.coordinator;
    if (!coordinator) return fill(state, ctx, stale);
    const a = await coordinator.acquire(ctx.key, ctx.dist.config.id);
    if (a.lead) {
      let r: FillResult | undefined;
      try {
        r = await fill(state, ctx, stale);
        return r;
      } finally {
        a.publish(r !== undefined && r.kind === 'entry' && !r.stale && r.collapsible ? toWire(r.entry, r.stored) : null);
      }
    }
    metrics.collapsedWaiters++;
    const seq = store.beginFill(); // bans recorded while we wait make the shipped entry a miss
    try {
      const w = await a.result;
      if (w) {
        const { entry, stored } = fromWire(w, seq);
        const kept = stored && store.set(entry);
        if (!(stored && !kept && store.isBanned(entry))) {
          return { kind: 'entry', entry, result: 'Hit', stale: false, collapsible: true, stored: kept };
        }
      }
    } finally {
      store.endFill(seq);
    }
    return fill(state, ctx, stale);
  }

  /** Can this viewer take the entry (origin-encoded entries only go to viewers accepting the coding)? */
  function acceptable(e: StoredEntry, ctx: RequestCtx): boolean {
    const enc = e.originEncoding;
    if (enc !== 'gzip' && enc !== 'br') return true;
    return ctx.ae.split(',').includes(enc);
  }

  function lookup(ctx: RequestCtx): StoredEntry | undefined {
    const e = store.get(ctx.key);
    if (e && acceptable(e, ctx)) return e;
    const alt = store.get(`${ctx.key}\nae:${ctx.ae}`);
    return alt && acceptable(alt, ctx) ? alt : undefined;
  }

  function pickCoding(e: StoredEntry, ctx: RequestCtx): Coding {
    if (e.originEncoding === 'gzip' || e.originEncoding === 'br') return e.originEncoding;
    return chooseViewerEncoding(ctx.ae, ctx.httpVersion, { br: e.variants.br !== undefined, gzip: e.variants.gzip !== undefined });
  }

  // ---- responses

  function finish(res: ServerResponse, result: ResultType, status: number, headers: string[], body: Buffer | undefined, head: boolean): void {
    res.writeHead(status, headers);
    if (head || body === undefined) res.end();
    else res.end(body);
    metrics.countRequest(result, head || body === undefined ? 0 : body.length);
  }

  /** Serve a stored (or just-fetched) entry. `result` is the X-Cache outcome; errors (≥ 400) show as Error. */
  function sendEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, result: 'Hit' | 'Miss' | 'RefreshHit', statusOverride?: number): void {
    const now = clock();
    const coding = pickCoding(e, ctx);
    const v = e.variants[coding] ?? e.variants.identity ?? Object.values(e.variants)[0]!;
    const status = statusOverride ?? e.status;
    const isError = e.status >= 400 || statusOverride !== undefined;
    const xResult: ResultType = isError ? 'Error' : result;
    const head = ctx.method === 'HEAD';
    let headers: string[];
    if (result === 'Hit' && statusOverride === undefined) {
      headers = v.hitHeaders.slice();
      headers.push('date', httpDate(now), 'age', String(ageSeconds(e.times, now)), 'x-amz-cf-id', ctx.reqId);
    } else {
      headers = v.headers.slice();
      headers.push('x-cache', `${xResult} from ${word}`, 'via', state.via, 'x-amz-cf-pop', config.pop, 'date', httpDate(now), 'x-amz-cf-id', ctx.reqId);
      if (result !== 'Miss') headers.push('age', String(ageSeconds(e.times, now)));
    }
    if (!isError && status === 200) {
      // Viewer conditionals answered from the entry (RFC 9110 §13.2.2).
      const inm = headerValue(req.headers, 'if-none-match');
      const ims = headerValue(req.headers, 'if-modified-since');
      if ((inm !== undefined || ims !== undefined) && isNotModified({ ifNoneMatch: inm, ifModifiedSince: ims }, { etag: v.etag ?? e.etag, lastModified: e.lastModified })) {
        finish(res, xResult, 304, notModifiedHeaders(headers), undefined, true);
        return;
      }
      const range = headerValue(req.headers, 'range');
      if (range !== undefined && !head && e.variants.identity && e.originEncoding === undefined && ifRangeAllows(req, e)) {
        if (sendRange(res, e, range, headers, xResult)) return;
      }
    }
    finish(res, xResult, status, headers, v.body, head);
  }

  /** RFC 9110 §13.1.5: If-Range with a strong ETag or a date equal to Last-Modified. */
  function ifRangeAllows(req: IncomingMessage, e: StoredEntry): boolean {
    const ifRange = headerValue(req.headers, 'if-range');
    if (ifRange === undefined) return true;
    if (ifRange.startsWith('"')) return e.etag === ifRange;
    return e.lastModified !== undefined && e.lastModified === ifRange;
  }

  function sendRange(res: ServerResponse, e: StoredEntry, rangeHeader: string, headers: string[], xResult: ResultType): boolean {
    const body = e.variants.identity!.body;
    const d = parseRange(rangeHeader, body.length);
    if (d.kind === 'full') return false;
    const identityHeaders = withoutFields(headers, ['content-length', 'content-encoding', 'etag', 'vary']);
    if (e.etag) identityHeaders.push('etag', e.etag);
    if (d.kind === 'unsatisfiable') {
      identityHeaders.push('content-range', `bytes */${body.length}`);
      finish(res, xResult, 416, identityHeaders, Buffer.alloc(0), false);
      return true;
    }
    identityHeaders.push('accept-ranges', 'bytes');
    if (d.ranges.length === 1) {
      const r = d.ranges[0]!;
      identityHeaders.push('content-range', contentRange(r, body.length), 'content-length', String(r.end - r.start + 1));
      finish(res, xResult, 206, identityHeaders, body.subarray(r.start, r.end + 1), false);
      return true;
    }
    const boundary = 'CloudFront' + makeBoundary();
    const type = fieldValue(headers, 'content-type');
    const parts: Buffer[] = [];
    for (const r of d.ranges as ByteRange[]) {
      parts.push(Buffer.from(`\r\n--${boundary}\r\n${type ? `Content-Type: ${type}\r\n` : ''}Content-Range: ${contentRange(r, body.length)}\r\n\r\n`));
      parts.push(body.subarray(r.start, r.end + 1));
    }
    parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
    const multipart = Buffer.concat(parts);
    const h = withoutFields(identityHeaders, ['content-type']);
    h.push('content-type', `multipart/byteranges; boundary=${boundary}`, 'content-length', String(multipart.length));
    finish(res, xResult, 206, h, multipart, false);
    return true;
  }

  function sendFailure(res: ServerResponse, ctx: RequestCtx, status: number, message: string): void {
    void message; // origin details stay in logs, not in the viewer page
    const body = generatedErrorPage(status, ctx.reqId, word);
    finish(res, 'Error', status, generatedHeaders(ctx.reqId, body.length), body, ctx.method === 'HEAD');
  }

  function generatedHeaders(reqId: string, length: number): string[] {
    return [
      'server', 'CloudFront', 'content-type', 'text/html', 'content-length', String(length),
      'x-cache', `Error from ${word}`, 'via', state.via, 'x-amz-cf-pop', config.pop, 'date', httpDate(clock()), 'x-amz-cf-id', reqId,
    ];
  }

  function sendGenerated(req: IncomingMessage, res: ServerResponse, status: number, reqId: string, detail?: string): void {
    const body = generatedErrorPage(status, reqId, word, detail);
    finish(res, 'Error', status, generatedHeaders(reqId, body.length), body, req.method === 'HEAD');
  }

  function sendStream(res: ServerResponse, ctx: RequestCtx, r: Extract<FillResult, { kind: 'stream' }>): void {
    const headers = r.headers.slice();
    const result: ResultType = r.status >= 400 ? 'Error' : 'Miss';
    headers.push('x-cache', `${result} from ${word}`, 'via', state.via, 'x-amz-cf-pop', config.pop, 'date', httpDate(clock()), 'x-amz-cf-id', ctx.reqId);
    res.writeHead(r.status, headers);
    let bytes = 0;
    for (const b of r.head) bytes += b.length;
    if (ctx.method === 'HEAD') { r.rest.destroy(); res.end(); metrics.countRequest(result, 0); return; }
    for (const b of r.head) res.write(b);
    r.rest.on('data', (b: Buffer) => { bytes += b.length; });
    pipeline(r.rest, res, () => { metrics.countRequest(result, bytes); metrics.originBytes += bytes; });
  }

  /**
   * Custom error responses (spec §1.4): the page is fetched via the first behaviour matching its
   * path and cached like any object; the viewer gets the page with ResponseCode. If the page cannot
   * be fetched, the original error goes out.
   */
  async function sendErrorOrCustom(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry | undefined, failure: { status: number; message: string } | undefined, result: 'Hit' | 'Miss' | 'RefreshHit'): Promise<void> {
    const status = e?.status ?? failure!.status;
    const cer = ctx.dist.errorResponses.get(status);
    if (cer?.responsePagePath !== undefined) {
      const [pagePath, pageQuery = ''] = splitPathQuery(cer.responsePagePath);
      const pctx = makeCtx(ctx.dist, 'GET', pagePath, pageQuery, ctx.reqHeaders, ctx.reqId, ctx.clientIp, ctx.httpVersion);
      pctx.method = ctx.method;
      const page = await getOrFill(pctx);
      if (page && page.status < 400) {
        sendEntry(req, res, pctx, page, result, cer.responseCode ?? status);
        return;
      }
    }
    if (e) sendEntry(req, res, ctx, e, result);
    else sendFailure(res, ctx, failure!.status, failure!.message);
  }

  /** Fresh entry or a collapsed fill; used for custom error pages. */
  async function getOrFill(ctx: RequestCtx): Promise<StoredEntry | undefined> {
    const e = lookup(ctx);
    if (e && freshnessAt(e.times, clock()) !== 'stale') return e;
    const r = await collapsedFill(ctx, e);
    if ('shared' in r) return r.shared.kind === 'entry' ? r.shared.entry : undefined;
    if (r.own.kind === 'entry') return r.own.entry;
    if (r.own.kind === 'stream') r.own.rest.destroy();
    return undefined;
  }

  async function respondWithFill(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, stale: StoredEntry | undefined): Promise<void> {
    let r = await collapsedFill(ctx, stale);
    if ('shared' in r) {
      const s = r.shared;
      if (s.kind === 'entry' && acceptable(s.entry, ctx)) {
        if (s.stale) metrics.staleServes++;
        return respondEntry(req, res, ctx, s.entry, 'Hit');
      }
      if (s.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, s, 'Miss');
      r = { own: await fill(state, ctx, stale) };
    }
    let own = r.own;
    // An entry shipped from another worker may be origin-encoded in a coding this viewer refuses.
    if (own.kind === 'entry' && !acceptable(own.entry, ctx)) own = await fill(state, ctx, stale);
    if (own.kind === 'stream') return sendStream(res, ctx, own);
    if (own.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, own, 'Miss');
    if (own.stale) metrics.staleServes++;
    return respondEntry(req, res, ctx, own.entry, own.result);
  }

  function respondEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, result: 'Hit' | 'Miss' | 'RefreshHit'): void | Promise<void> {
    if (e.status >= 400 && ctx.dist.errorResponses.has(e.status)) return sendErrorOrCustom(req, res, ctx, e, undefined, result);
    sendEntry(req, res, ctx, e, result);
  }

  function revalidateInBackground(ctx: RequestCtx, e: StoredEntry): void {
    if (e.revalidating) return;
    e.revalidating = true;
    metrics.backgroundRevalidations++;
    collapsedFill(ctx, e)
      .then((r) => { if ('own' in r && r.own.kind === 'stream') r.own.rest.destroy(); })
      .catch(() => undefined)
      .finally(() => { e.revalidating = false; });
  }

  /** Non-GET/HEAD: streamed to the origin and back, never cached, never collapsed. */
  async function passThrough(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
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
      return sendFailure(res, ctx, kind === 'timeout' ? 504 : 502, String(err));
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

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reqId = requestId();
    const dist = route(req.headers.host);
    if (!dist) return sendGenerated(req, res, 403, reqId, 'Bad request. We can\'t connect to the server for this app or website at this time.');
    const method = req.method ?? 'GET';
    const [path, query] = splitPathQuery(req.url ?? '/');
    const ctx = makeCtx(dist, method, path, query ?? '', req.headers, reqId, req.socket.remoteAddress ?? '127.0.0.1', req.httpVersion);
    if (!ctx.behaviour.allowedMethods.includes(method)) {
      return sendGenerated(req, res, 403, reqId, 'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.');
    }
    if (!canCollapseRequest(method)) return passThrough(req, res, ctx);
    const e = lookup(ctx);
    if (e) {
      const f = freshnessAt(e.times, clock());
      if (f === 'fresh') return respondEntry(req, res, ctx, e, 'Hit');
      if (f === 'stale-while-revalidate') {
        // RFC 5861 §3: serve at once, revalidate once in the background.
        metrics.staleServes++;
        revalidateInBackground(ctx, e);
        return respondEntry(req, res, ctx, e, 'Hit');
      }
    }
    return respondWithFill(req, res, ctx, e);
  }

  return {
    config, store, metrics,
    handle(req, res) {
      handleRequest(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          const body = Buffer.from('internal error');
          res.writeHead(500, ['content-type', 'text/plain', 'content-length', String(body.length), 'x-cache', `Error from ${word}`]);
          res.end(body);
        } else res.destroy(err as Error);
      });
    },
    invalidate(distributionId, paths) {
      store.ban(distributionId, paths);
      metrics.invalidations++;
      // New requests must not join fills that started before the ban.
      const prefix = distributionId.toLowerCase() + '/';
      for (const key of [...inflight.keys()]) {
        if (key.startsWith(prefix) || key.startsWith('OPTIONS ' + prefix)) inflight.delete(key);
      }
    },
    metricsSnapshot(): EdgeMetricsSnapshot {
      const st = store.stats;
      return metrics.snapshot({ entries: st.entries, sizeBytes: st.sizeBytes, maxBytes: st.maxBytes });
    },
    async close() {
      store.clear();
      await Promise.all(dists.flatMap((d) => [...d.origins.values()].map((o) => o.destroy())));
    },
  };
}

function splitPathQuery(url: string): [string, string | undefined] {
  let u = url;
  if (!u.startsWith('/')) {
    // absolute-form request target (RFC 9112 §3.2.2)
    try { const p = new URL(u); u = p.pathname + p.search; } catch { u = '/' + u; }
  }
  const q = u.indexOf('?');
  return q === -1 ? [u, undefined] : [u.slice(0, q), u.slice(q + 1)];
}

function withoutFields(headers: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!names.includes(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  return out;
}

function fieldValue(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** RFC 9110 §15.4.5: a 304 carries the validator and caching fields, no content fields. */
const NOT_MODIFIED_DROP = ['content-length', 'content-type', 'content-encoding', 'content-language', 'content-disposition', 'content-range', 'accept-ranges', 'content-md5'];
function notModifiedHeaders(headers: string[]): string[] {
  return withoutFields(headers, NOT_MODIFIED_DROP);
}

let boundaryCounter = 0;
function makeBoundary(): string {
  return (Date.now().toString(36) + (++boundaryCounter).toString(36)).padStart(16, '0');
}

