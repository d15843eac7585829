/**
 * The viewer request pipeline of one process (named outcomes, VCL-style): route → behavior →
 * method check → viewer functions → pass (not cacheable) | lookup → fresh: Hit |
 * SWR: Hit + background revalidate | expired: collapsed conditional fill (RefreshHit / Miss /
 * stale Hit) | none: collapsed fill (Miss); error statuses go through the custom error responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { canCollapseRequest, freshnessAt } from '@bucketfront/cache-policy';
import { parseRequestTarget } from '@bucketfront/http-basics';
import { type CacheLookup, closeFiles, type SharedRead } from './cache-lookup.js';
import type { FillCollapser } from './collapsed-fill.js';
import { makeCtx, type EngineState, type RequestCtx } from './context.js';
import type { DistributionRouter } from './distribution-router.js';
import { fill, type FillResult } from './fill.js';
import type { EdgeFunctions } from './functions/registry.js';
import { fetchRange, viewerRange } from './range-pass.js';
import { TOUCH_INTERVAL_MS } from './shared-tier.js';
import type { StoredEntry } from './store/entry.js';
import type { MarkSet } from './store/mark-set.js';
import type { ViewerFunctionRunner } from './viewer-functions.js';
import { requestId } from './viewer/headers.js';
import { passThrough } from './viewer/pass-through.js';
import { httpsLocation, viewerProtocolDecision } from './viewer/protocol-policy.js';
import type { Responder } from './viewer/respond.js';

type Result = 'Hit' | 'Miss' | 'RefreshHit';

export interface ViewerPipelineOptions {
  route: DistributionRouter;
  responder: Responder;
  lookup: CacheLookup;
  collapser: FillCollapser;
  /** Keys over cache.maxObjectBytes: a Range request for one goes to the origin. */
  tooBig: MarkSet;
  /** The compiled CloudFront Functions, with the runner of a behavior's viewer functions. */
  functions?: { registry: EdgeFunctions; run: ViewerFunctionRunner };
}

/** The `request` handler: synchronous on hits (no promise per request), a promise only when it has to wait. */
export type ViewerRequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export function createViewerPipeline(state: EngineState, opts: ViewerPipelineOptions): ViewerRequestHandler {
  const { metrics, clock } = state;
  const shared = state.shared;
  const { route, responder, lookup, collapser, tooBig, functions } = opts;
  const { canSendFromFile, sendEntry, sendFailure, sendGenerated, sendRedirect, sendStream } = responder;
  const { collapsedFill } = collapser;

  /**
   * A viewer's request the memory tier missed: the shared tier's entry, or a fill. A borrowed
   * entry (fresh, answered at once, never kept or shared) gives its buffers back when the response
   * has been handed to the socket; an aborted response leaves them to the garbage collector. Its
   * large bodies may come as open files (streamed: cache-lookup.ts SharedRead), closed when the
   * response closes; when this viewer needs the bytes themselves (a range, a coding still to make,
   * a stale entry to revalidate), the entry is read again whole.
   */
  async function respondFromShared(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): Promise<void> {
    let found = await lookup.sharedRead(ctx, true, true);
    const now = clock();
    if (found?.streamed === true && !(servesAtOnce(found, ctx, now) && canSendFromFile(req, ctx, found.entry))) {
      closeFiles(found.entry);
      found = await lookup.sharedRead(ctx, true, false);
    }
    if (found === undefined) return respondFromCache(req, res, ctx, undefined, now);
    const e = found.entry;
    if (!servesAtOnce(found, ctx, now)) return respondFromCache(req, res, ctx, e, now);
    if (found.streamed) {
      metrics.counts.sharedStreamedHits++;
      // Both: a response queued behind another on a pipelined connection that dies never emits
      // 'close' (Node 20), its request does; after a normal end the request closes after the response.
      const close = (): void => closeFiles(e);
      res.once('close', close);
      req.once('close', close);
    }
    res.once('finish', () => shared!.giveBack(e));
    return sendEntry(req, res, ctx, e, 'Hit');
  }

  /** A borrowed entry that is a plain Hit: fresh, and not an error status with a custom error response. */
  function servesAtOnce(found: SharedRead, ctx: RequestCtx, now: number): boolean {
    const e = found.entry;
    return found.borrowed && freshnessAt(e.times, now) === 'fresh' && !(e.status >= 400 && ctx.dist.errorResponses.has(e.status));
  }

  /**
   * Custom error responses: the page is fetched via the first behavior matching its path and
   * cached like any object; the viewer gets the page with ResponseCode. If the page cannot be
   * fetched, the original error goes out.
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/GeneratingCustomErrorResponses.html
   */
  async function sendErrorOrCustom(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestCtx,
    e: StoredEntry | undefined,
    failure: { status: number; message: string } | undefined,
    result: Result,
  ): Promise<void> {
    const status = e?.status ?? failure!.status;
    const cer = ctx.dist.errorResponses.get(status);
    if (cer?.responsePagePath !== undefined) {
      const page0 = parseRequestTarget(cer.responsePagePath);
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
    const e = lookup.memory(ctx) ?? (await lookup.shared(ctx));
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
        if (s.stale) metrics.counts.staleServes++;
        return respondEntry(req, res, ctx, s.entry, 'Hit');
      }
      if (s.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, s, 'Miss');
      r = { own: await fill(state, ctx, stale) };
    }
    const own = r.own;
    if (own.kind === 'stream') return sendStreamOrRange(req, res, ctx, own);
    if (own.kind === 'failure') return sendErrorOrCustom(req, res, ctx, undefined, own, 'Miss');
    if (own.stale) metrics.counts.staleServes++;
    return respondEntry(req, res, ctx, own.entry, own.result);
  }

  /**
   * An object too big to cache, found on a full fetch: a viewer that asked for a range gets the
   * origin's answer to that range (206 / 416) instead of the whole body.
   * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RangeGETs.html
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

  function respondEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, result: Result): void | Promise<void> {
    if (e.status >= 400 && ctx.dist.errorResponses.has(e.status)) return sendErrorOrCustom(req, res, ctx, e, undefined, result);
    return sendEntry(req, res, ctx, e, result);
  }

  function revalidateInBackground(ctx: RequestCtx, e: StoredEntry): void {
    if (e.revalidating) return;
    e.revalidating = true;
    metrics.counts.backgroundRevalidations++;
    collapsedFill(ctx, e)
      .then((r) => {
        if ('own' in r && r.own.kind === 'stream') r.own.rest.destroy();
      })
      .catch(() => undefined)
      .finally(() => {
        e.revalidating = false;
      });
  }

  /** Synchronous on hits (no promise per request); returns a promise only when it has to wait. */
  function handleRequest(req: IncomingMessage, res: ServerResponse): void | Promise<void> {
    const reqId = requestId();
    const target = parseRequestTarget(req.url);
    // RFC 9112 §3.2.2: with an absolute-form target the authority replaces Host.
    const dist = route(target.authority ?? req.headers.host);
    if (!dist) return sendGenerated(req, res, 403, reqId, "Bad request. We can't connect to the server for this app or website at this time.");
    const method = req.method ?? 'GET';
    const { path, query } = target;
    const ctx = makeCtx(dist, method, path, query ?? '', req.headers, reqId, req.socket.remoteAddress ?? '127.0.0.1', req.httpVersion);
    const vpp = ctx.behavior.viewerProtocolPolicy;
    // Over plain HTTP (the socket, never a viewer header, says whether it is TLS): before the
    // method check and any function, as CloudFront (viewer/protocol-policy.ts).
    if (vpp !== undefined && vpp !== 'allow-all') {
      const decision = viewerProtocolDecision(vpp, method, (req.socket as { encrypted?: boolean }).encrypted === true);
      const host = target.authority ?? req.headers.host;
      if (decision === 'redirect' && host !== undefined) return sendRedirect(req, res, reqId, httpsLocation(host, state.httpsPort, path + (query === undefined ? '' : `?${query}`)));
      if (decision !== 'serve') return sendGenerated(req, res, 403, reqId, 'This distribution serves this path over HTTPS only.');
    }
    if (!ctx.behavior.allowedMethods.includes(method)) {
      return sendGenerated(
        req,
        res,
        403,
        reqId,
        'This distribution is not configured to allow the HTTP request method that was used for this request. The distribution supports only cachable requests.',
      );
    }
    if (functions !== undefined && ctx.behavior.functionAssociations !== undefined) {
      const fns = functions.registry.forBehavior(ctx.behavior);
      if (fns.viewerRequest !== undefined || fns.viewerResponse !== undefined) {
        const next = functions.run(req, res, ctx, fns, target.authority ?? req.headers.host ?? '', query);
        return next === undefined ? undefined : serve(req, res, next);
      }
    }
    return serve(req, res, ctx);
  }

  /** The request (after any viewer-request function): pass-through, memory tier, shared tier or a fill. */
  function serve(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx): void | Promise<void> {
    const method = ctx.method;
    // OPTIONS is cacheable (own key, see buildCacheKey) when the behavior's cachedMethods include it.
    const cacheable = canCollapseRequest(method) || (method === 'OPTIONS' && ctx.behavior.cachedMethods?.includes('OPTIONS') === true);
    if (!cacheable) return passThrough(state, responder, req, res, ctx);
    const e = lookup.memory(ctx);
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
        metrics.counts.staleServes++;
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

  return handleRequest;
}
