/**
 * The data plane of one process: distribution routing, cache lookup, request collapsing,
 * stale serving, custom error responses and the viewer responses.
 *
 * Request flow (named outcomes, VCL-style): route → behaviour → method check →
 *   pass (non-GET/HEAD) | lookup → fresh: Hit | SWR: Hit + background revalidate |
 *   expired: collapsed conditional fill (RefreshHit / Miss / stale Hit) | none: collapsed fill (Miss).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canCollapseRequest, distributionKeyPrefix, freshnessAt } from '@bucketfront/cache-policy';
import type { EdgeConfig } from './config/types.js';
import { makeCtx, type DistRuntime, type EngineState, type RequestCtx } from './context.js';
import { fromWire, toWire, type FillCoordinator } from './coordinator.js';
import { FillBudget } from './fill-budget.js';
import { CONFIG_DEFAULTS } from './config/validate.js';
import { fill, shareable, type FillResult, type SharedFill } from './fill.js';
import { EdgeMetrics, type EdgeMetricsSnapshot } from './metrics.js';
import { OriginClient } from './origin/client.js';
import type { EdgeEngine } from './runtime.js';
import type { CachedResponse } from './store/cache-store.js';
import { applyRequest, responseHeaders, viewerRequestEvent, viewerResponseEvent, type ViewerRequest } from './functions/event.js';
import type { BehaviorFunctions, EdgeFunctions } from './functions/registry.js';
import { runOnViewerResponse } from './functions/viewer-response.js';
import type { StoredEntry } from './store/entry.js';
import { MarkSet } from './store/mark-set.js';
import { MemoryStore } from './store/memory-store.js';
import { requestId, viaValue } from './viewer/headers.js';
import { passThrough } from './viewer/pass-through.js';
import { fromCached, sharedMetrics, TOUCH_INTERVAL_MS, type SharedTier } from './shared-tier.js';
import { fetchRange, viewerRange } from './range-pass.js';
import { createResponder } from './viewer/respond.js';

export interface EdgeEngineOptions {
  /** ms since epoch; default Date.now. Tests pass a controllable clock. */
  clock?: () => number;
  /** Cluster workers: collapse misses across workers too (see coordinator.ts). */
  coordinator?: FillCoordinator;
  /** The host's shared tier (disk-store.ts), below this process's memory tier. */
  shared?: SharedTier;
  /**
   * This engine applies invalidations to the shared tier itself (single process). In a cluster
   * the primary does, before it asks the workers (cluster.ts).
   */
  invalidatesShared?: boolean;
  /** CloudFront Functions of the configuration, compiled (functions/registry.ts). */
  functions?: EdgeFunctions;
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
const TOO_BIG_MARK_MS = 120_000; // same lifetime; a cacheable response for the key clears it earlier

export function createEdgeEngine(config: EdgeConfig, opts: EdgeEngineOptions = {}): EdgeEngineHandle {
  const metrics = new EdgeMetrics();
  const store = new MemoryStore({
    maxSizeBytes: config.cache.maxSizeBytes,
    maxObjectBytes: config.cache.maxObjectBytes,
    onEvict: () => { metrics.evictions++; },
  });
  const clock = opts.clock ?? Date.now;
  const uncollapsible = new MarkSet(clock, UNCOLLAPSIBLE_MARK_MS);
  // Keys whose object is over cache.maxObjectBytes: streamed uncached, so a Range goes to the origin.
  const tooBig = new MarkSet(clock, TOO_BIG_MARK_MS);
  const state: EngineState = {
    config, store, metrics, clock,
    fillBudget: new FillBudget(config.cache.fillBudgetBytes ?? CONFIG_DEFAULTS.fillBudgetBytes),
    via: viaValue(config.pop),
    noteUncollapsible(key, collapsible) { uncollapsible.set(key, !collapsible); },
    noteTooBig(key, big) { tooBig.set(key, big); },
  };
  const shared = opts.shared;
  if (shared) {
    state.shared = shared;
    state.sharedWrites = new FillBudget(config.cache.fillBudgetBytes ?? CONFIG_DEFAULTS.fillBudgetBytes);
  }
  const responder = createResponder(state);
  const { sendEntry, sendFailure, sendGenerated, sendStream, functionErrorPage, sendFunctionError, sendFunctionResponse } = responder;
  const functions = opts.functions;

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
   * `e123.bucketfront.localhost`) also selects that distribution. Host names are compared without
   * case, port and a trailing dot (`www.example.com.` is the fully qualified `www.example.com`,
   * RFC 1034 §3.1). Ids are upper-case letters and digits (config/validate.ts), so lower-casing
   * them for the Host comparison is one-to-one.
   */
  function route(host: string | undefined): DistRuntime | undefined {
    if (single) return single;
    if (!host) return undefined;
    let h = host.toLowerCase();
    const colon = h.lastIndexOf(':');
    if (colon > 0 && !h.endsWith(']')) h = h.slice(0, colon);
    if (h.endsWith('.')) h = h.slice(0, -1);
    return byAlias.get(h) ?? byId.get(h.split('.')[0]!);
  }

  // ---- collapsing (spec §1.9): single flight per cache key; followers wake when the entry is stored.
  const inflight = new Map<string, Inflight>();

  async function collapsedFill(ctx: RequestCtx, stale: StoredEntry | undefined): Promise<{ own: FillResult } | { shared: SharedFill }> {
    // Oversize objects are streamed to the leader only: followers would wait for nothing.
    const skipCollapse = uncollapsible.has(ctx.key) || tooBig.has(ctx.key) || (stale !== undefined && !stale.collapsible);
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
  async function coordinatedFill(ctx: RequestCtx, stale: StoredEntry | undefined, asked = 0): Promise<FillResult> {
    const coordinator = opts.coordinator;
    if (!coordinator) return fill(state, ctx, stale);
    const a = await coordinator.acquire(ctx.key, ctx.dist.config.id);
    if (a.lead) {
      let r: FillResult | undefined;
      try {
        // Another worker may have filled the shared tier since this one looked (it released the key then).
        const found = await sharedLookup(ctx);
        r = found && isFresh(found) ? { kind: 'entry', entry: found, result: 'Hit', stale: false, collapsible: found.collapsible, stored: true } : await fill(state, ctx, found ?? stale);
        return r;
      } finally {
        const wire = r !== undefined && r.kind === 'entry' && !r.stale && r.collapsible ? toWire(r.entry, r.stored) : null;
        // Waiters get the entry now; the key stays taken until the shared tier has it, so that a
        // worker asking meanwhile does not fetch it again (cluster.ts).
        a.publish(wire, r?.kind === 'entry' ? r.persisted : undefined);
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
    // Nothing shipped: the leader's entry is in the shared tier (or there is none to share); an
    // expired one there (max-age=0…) is revalidated, as this worker would its own.
    const found = await sharedLookup(ctx);
    if (found && isFresh(found)) return { kind: 'entry', entry: found, result: 'Hit', stale: false, collapsible: found.collapsible, stored: true };
    // Not there either (the leader's write failed or was refused): ask once more, so that one of
    // the waiters fetches for all of them rather than each one.
    if (asked === 0) return coordinatedFill(ctx, found ?? stale, 1);
    return fill(state, ctx, found ?? stale);
  }

  function lookup(ctx: RequestCtx): StoredEntry | undefined {
    return store.get(ctx.key);
  }

  const isFresh = (e: StoredEntry): boolean => freshnessAt(e.times, clock()) === 'fresh';

  /**
   * The shared tier's entry for the key (fresh or not), made a memory-tier entry of this worker
   * (kept in the memory tier when it fits).
   */
  async function sharedLookup(ctx: RequestCtx): Promise<StoredEntry | undefined> {
    return (await sharedRead(ctx, false))?.entry;
  }

  /**
   * sharedLookup for the viewer's own request. `borrowed`: the memory tier cannot keep the entry
   * and its bodies are pooled buffers (disk-store.ts borrow): give them back once sent.
   */
  async function sharedRead(ctx: RequestCtx, mayBorrow: boolean): Promise<{ entry: StoredEntry; borrowed: boolean } | undefined> {
    if (!shared) return undefined;
    const seq = store.beginFill(); // invalidations this worker applies while it reads cover the result
    try {
      let r: { entry: CachedResponse; borrowed: boolean } | undefined;
      if (mayBorrow) r = await shared.borrow(ctx.key, (bodyBytes) => !store.canHold(bodyBytes));
      else {
        const c = await shared.get(ctx.key);
        r = c === undefined ? undefined : { entry: c, borrowed: false };
      }
      if (r === undefined) return undefined;
      const e = fromCached(state, r.entry, seq);
      if (store.isBanned(e)) return undefined;
      const kept = store.set(e);
      metrics.sharedHits++; // (the shared tier recorded the access itself)
      return { entry: e, borrowed: r.borrowed && !kept };
    } catch {
      return undefined; // the shared tier failing is a miss, never an error
    } finally {
      store.endFill(seq);
    }
  }

  /**
   * A viewer's request the memory tier missed: the shared tier's entry, or a fill. A borrowed
   * entry (fresh, answered at once, never kept or shared) gives its buffers back when the response
   * has been handed to the socket; an aborted response leaves them to the garbage collector.
   */
  async function respondFromShared(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
    const found = await sharedRead(ctx, true);
    const now = clock();
    if (found === undefined) return respondFromCache(req, res, ctx, undefined, now);
    const e = found.entry;
    if (!found.borrowed || freshnessAt(e.times, now) !== 'fresh' || (e.status >= 400 && ctx.dist.errorResponses.has(e.status))) {
      return respondFromCache(req, res, ctx, e, now);
    }
    res.once('finish', () => shared!.giveBack(e));
    return sendEntry(req, res, ctx, e, 'Hit');
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
      const page0 = parseTarget(cer.responsePagePath);
      const pctx = makeCtx(ctx.dist, 'GET', page0.path, page0.query ?? '', ctx.reqHeaders, ctx.reqId, ctx.clientIp, ctx.httpVersion);
      pctx.method = ctx.method;
      const page = await getOrFill(pctx);
      if (page && page.status < 400) {
        return sendEntry(req, res, pctx, page, result, cer.responseCode ?? status);
      }
    }
    if (e) return sendEntry(req, res, ctx, e, result);
    sendFailure(res, ctx, failure!.status, failure!.message);
  }

  /** Fresh entry or a collapsed fill; used for custom error pages. */
  async function getOrFill(ctx: RequestCtx): Promise<StoredEntry | undefined> {
    const e = lookup(ctx) ?? await sharedLookup(ctx);
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
      if (s.kind === 'entry') {
        if (s.stale) metrics.staleServes++;
        return respondEntry(req, res, ctx, s.entry, 'Hit');
      }
      if (s.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, s, 'Miss');
      r = { own: await fill(state, ctx, stale) };
    }
    const own = r.own;
    if (own.kind === 'stream') return sendStreamOrRange(req, res, ctx, own);
    if (own.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, own, 'Miss');
    if (own.stale) metrics.staleServes++;
    return respondEntry(req, res, ctx, own.entry, own.result);
  }

  /**
   * An object too big to cache, found on a full fetch: a viewer that asked for a range gets the
   * origin's answer to that range (206 / 416) instead of the whole body (spec §1.7).
   */
  async function sendStreamOrRange(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, s: Extract<FillResult, { kind: 'stream' }>): Promise<void> {
    const range = viewerRange(ctx);
    if (range === undefined || s.status !== 200) return sendStream(res, ctx, s);
    s.rest.destroy(); // abort the full transfer
    return rangeFromOrigin(req, res, ctx, range);
  }

  async function rangeFromOrigin(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, range: string): Promise<void> {
    const r = await fetchRange(state, ctx, range);
    if (r.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, r, 'Miss');
    sendStream(res, ctx, r);
  }

  function respondEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, result: 'Hit' | 'Miss' | 'RefreshHit'): void | Promise<void> {
    if (e.status >= 400 && ctx.dist.errorResponses.has(e.status)) return sendErrorOrCustom(req, res, ctx, e, undefined, result);
    return sendEntry(req, res, ctx, e, result);
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

  /** Synchronous on hits (no promise per request); returns a promise only when it has to wait. */
  function handleRequest(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
    const reqId = requestId();
    const target = parseTarget(req.url ?? '/');
    // RFC 9112 §3.2.2: with an absolute-form target the authority replaces Host.
    const dist = route(target.authority ?? req.headers.host);
    if (!dist) return sendGenerated(req, res, 403, reqId, 'Bad request. We can\'t connect to the server for this app or website at this time.');
    const method = req.method ?? 'GET';
    const { path, query } = target;
    const ctx = makeCtx(dist, method, path, query ?? '', req.headers, reqId, req.socket.remoteAddress ?? '127.0.0.1', req.httpVersion);
    if (!ctx.behaviour.allowedMethods.includes(method)) {
      return sendGenerated(req, res, 403, reqId, 'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.');
    }
    if (functions !== undefined && ctx.behaviour.functionAssociations !== undefined) {
      const fns = functions.forBehavior(ctx.behaviour);
      if (fns.viewerRequest !== undefined || fns.viewerResponse !== undefined) {
        const next = runViewerFunctions(req, res, ctx, fns, target.authority ?? req.headers.host ?? '', query);
        return next === undefined ? undefined : serve(req, res, next);
      }
    }
    return serve(req, res, ctx);
  }

  /**
   * A behavior's viewer functions: the viewer-request function runs now (its generated response
   * or failure is the answer: undefined is returned), then the request goes on as the function
   * left it, in the behavior chosen before (CloudFront does not choose again); the viewer-response
   * function is set to run where the response's head is written (functions/viewer-response.ts).
   * Both run synchronously: key value stores are read from memory.
   */
  function runViewerFunctions(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, fns: BehaviorFunctions, host: string, query: string | undefined): RequestCtx | undefined {
    const fx = functions!;
    const ectx = { distributionId: ctx.dist.config.id, distributionDomainName: host, requestId: ctx.reqId, clientIp: ctx.clientIp };
    let request: ViewerRequest = { method: ctx.method, uri: ctx.viewerPath, query: ctx.query, headers: req.headers };
    let next = ctx;
    if (fns.viewerRequest !== undefined) {
      const event = viewerRequestEvent(request, ectx);
      const r = fns.viewerRequest.runSync(event, { kvs: fx.kvs, kvsMeta: fx.kvsMeta, now: clock(), ...(query === undefined ? {} : { rawQueryString: query }) });
      metrics.functionInvocations++;
      if (!r.ok) {
        metrics.functionErrors++;
        sendFunctionError(req, res, ctx.reqId, r.error);
        return undefined;
      }
      if ('response' in r.output) {
        sendFunctionResponse(req, res, ctx.reqId, r.output.response);
        return undefined;
      }
      const changed = applyRequest(request, r.output.request, event.request);
      if (changed !== request) {
        request = changed;
        req.headers = request.headers;
        next = makeCtx(ctx.dist, ctx.method, request.uri, request.query, request.headers, ctx.reqId, ctx.clientIp, ctx.httpVersion, ctx.behaviour);
      }
    }
    if (fns.viewerResponse !== undefined) {
      const seen = request;
      runOnViewerResponse(res, (response) => {
        // Resolved again now, not kept from the request: a PublishFunction in between replaced
        // (and disposed) the sandbox, and the response runs the function LIVE when it is written.
        const onResponse = fx.forBehavior(ctx.behaviour).viewerResponse;
        if (onResponse === undefined) return response;
        const r = onResponse.runSync(viewerResponseEvent(seen, response, ectx), { kvs: fx.kvs, kvsMeta: fx.kvsMeta, now: clock() });
        metrics.functionInvocations++;
        if (!r.ok) {
          metrics.functionErrors++;
          return functionErrorPage(ctx.reqId, r.error);
        }
        if (!('response' in r.output)) return response; // a request is not a valid viewer-response result (validated by the runtime)
        return { status: r.output.response.statusCode, headers: responseHeaders(r.output.response, response.headers) };
      });
    }
    return next;
  }

  /** The request (after any viewer-request function): pass-through, memory tier, shared tier or a fill. */
  function serve(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): void | Promise<void> {
    const method = ctx.method;
    // OPTIONS is cacheable (own key, see buildCacheKey) when the behaviour's cachedMethods include it.
    const cacheable = canCollapseRequest(method) || (method === 'OPTIONS' && ctx.behaviour.cachedMethods?.includes('OPTIONS') === true);
    if (!cacheable) return passThrough(state, responder, req, res, ctx);
    const e = lookup(ctx);
    if (e === undefined && shared) return respondFromShared(req, res, ctx);
    const now = clock();
    if (e !== undefined && shared && e.touchedAt !== undefined && now - e.touchedAt > TOUCH_INTERVAL_MS) {
      e.touchedAt = now;
      shared.touch(ctx.key);
    }
    return respondFromCache(req, res, ctx, e, now);
  }

  /** What was found in the cache (or nothing): fresh → Hit, SWR → Hit + background fill, else a fill. */
  function respondFromCache(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry | undefined, now: number): void | Promise<void> {
    if (e) {
      const f = freshnessAt(e.times, now);
      if (f === 'fresh') return respondEntry(req, res, ctx, e, 'Hit');
      if (f === 'stale-while-revalidate') {
        // RFC 5861 §3: serve at once, revalidate once in the background.
        metrics.staleServes++;
        revalidateInBackground(ctx, e);
        return respondEntry(req, res, ctx, e, 'Hit');
      }
    }
    if (e === undefined && tooBig.has(ctx.key)) {
      const range = viewerRange(ctx);
      if (range !== undefined) return rangeFromOrigin(req, res, ctx, range);
    }
    return respondWithFill(req, res, ctx, e);
  }

  return {
    config, store, metrics,
    handle(req, res) {
      const fail = (err: unknown): void => {
        if (!res.headersSent) {
          try {
            const body = Buffer.from('internal error');
            // A writeHead that threw may have left its status message behind: never reuse it.
            res.statusMessage = 'Internal Server Error';
            res.writeHead(500, ['content-type', 'text/plain', 'content-length', String(body.length), 'x-cache', `Error from ${config.productWord}`]);
            res.end(body);
            return;
          } catch {
            // fall through: the connection goes, the process stays
          }
        }
        res.destroy(err as Error);
      };
      try {
        const pending = handleRequest(req, res);
        if (pending) pending.catch(fail);
      } catch (err) {
        fail(err);
      }
    },
    async invalidate(distributionId, paths) {
      // The shared tier first: a worker reading it after this point cannot bring the old entry back.
      if (shared && opts.invalidatesShared) await shared.invalidate(distributionId, paths);
      store.ban(distributionId, paths);
      metrics.invalidations++;
      // New requests must not join fills that started before the ban.
      const prefix = distributionKeyPrefix(distributionId);
      for (const key of [...inflight.keys()]) {
        if (key.startsWith(prefix) || key.startsWith('OPTIONS ' + prefix)) inflight.delete(key);
      }
    },
    metricsSnapshot(): EdgeMetricsSnapshot {
      const st = store.stats();
      return metrics.snapshot({ entries: st.entries, sizeBytes: st.sizeBytes, maxBytes: st.maxBytes }, shared && sharedMetrics(shared));
    },
    async close() {
      store.clear();
      await Promise.all(dists.flatMap((d) => [...d.origins.values()].map((o) => o.destroy())));
    },
  };
}

interface Target { authority?: string; path: string; query: string | undefined }

/**
 * Request target → authority (absolute-form only), raw path and raw query. The path is kept as
 * received (no WHATWG URL parsing, which would resolve dot segments and re-encode): the origin
 * gets the viewer's path. RFC 9112 §3.2.
 */
export function parseTarget(url: string): Target {
  let u = url;
  let authority: string | undefined;
  if (!u.startsWith('/')) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s.exec(u);
    if (m) {
      // absolute-form (RFC 9112 §3.2.2); userinfo is not part of the host
      authority = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
      u = m[2]!.startsWith('/') ? m[2]! : '/' + m[2]!;
    } else u = '/' + u;
  }
  const q = u.indexOf('?');
  const t: Target = q === -1 ? { path: u, query: undefined } : { path: u.slice(0, q), query: u.slice(q + 1) };
  if (authority !== undefined && authority !== '') t.authority = authority;
  return t;
}
