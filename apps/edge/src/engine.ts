/**
 * The data plane of one process, assembled: the memory tier (over the host's shared tier), the
 * distributions and their router, request collapsing and the viewer request pipeline. Each part
 * lives in its own file:
 *   distribution-router.ts  which distribution a Host selects
 *   request-target.ts       the request line's target, split as received
 *   cache-lookup.ts         memory tier, then shared tier
 *   collapsed-fill.ts       one origin fetch per key at a time (and across cluster workers)
 *   viewer-functions.ts     a behavior's CloudFront Functions
 *   viewer-pipeline.ts      route → behavior → functions → lookup → Hit / SWR / fill / custom error
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DistributionConfig, EdgeConfig } from './config/types.js';
import { CONFIG_DEFAULTS } from './config/validate.js';
import { createCacheLookup } from './cache-lookup.js';
import { createFillCollapser } from './collapsed-fill.js';
import type { EngineState } from './context.js';
import type { FillCoordinator } from './coordinator.js';
import { createSwitchableRouter } from './distribution-router.js';
import { FillBudget } from './fill-budget.js';
import type { EdgeFunctions } from './functions/registry.js';
import { EdgeMetrics, type EdgeMetricsSnapshot } from './metrics.js';
import type { DistributionTarget, EdgeEngine } from './runtime.js';
import { sharedMetrics, type SharedTier } from './shared-tier.js';
import { MarkSet } from './store/mark-set.js';
import { MemoryStore } from './store/memory-store.js';
import { createViewerFunctionRunner } from './viewer-functions.js';
import { createViewerPipeline } from './viewer-pipeline.js';
import { viaValue } from './viewer/headers.js';
import { createResponder } from './viewer/respond.js';
import type { SpoolWriter } from './standard-logs/spool.js';
import { createViewerLogger } from './standard-logs/viewer-logs.js';

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
  /** The port of the TLS viewer listener, named in redirects to https (else set later with setHttpsPort). */
  httpsPort?: number;
  /** Distributions created through the control API, served from the start (then setDistributions). */
  distributions?: readonly DistributionConfig[];
  /** Where this process spools the standard log records of distributions with `logging` (standard-logs/). */
  standardLogs?: SpoolWriter;
}

export interface EdgeEngineHandle extends EdgeEngine, DistributionTarget {
  readonly config: EdgeConfig;
  readonly store: MemoryStore;
  readonly metrics: EdgeMetrics;
  /** The `request` listener of the viewer server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The TLS viewer listener's port, once it listens: named in viewer-protocol-policy redirects. */
  setHttpsPort(port: number): void;
  close(): Promise<void>;
}

const UNCOLLAPSIBLE_MARK_MS = 120_000; // Varnish's default hit-for-miss/uncacheable_ttl (2 min)
const TOO_BIG_MARK_MS = 120_000; // same lifetime; a cacheable response for the key clears it earlier

export function createEdgeEngine(config: EdgeConfig, opts: EdgeEngineOptions = {}): EdgeEngineHandle {
  const metrics = new EdgeMetrics();
  const store = new MemoryStore({
    maxSizeBytes: config.cache.maxSizeBytes,
    maxObjectBytes: config.cache.maxObjectBytes,
    onEvict: () => {
      metrics.counts.evictions++;
    },
  });
  const clock = opts.clock ?? Date.now;
  const uncollapsible = new MarkSet(clock, UNCOLLAPSIBLE_MARK_MS);
  // Keys whose object is over cache.maxObjectBytes: streamed uncached, so a Range goes to the origin.
  const tooBig = new MarkSet(clock, TOO_BIG_MARK_MS);
  const state: EngineState = {
    config,
    store,
    metrics,
    clock,
    fillBudget: new FillBudget(config.cache.fillBudgetBytes ?? CONFIG_DEFAULTS.fillBudgetBytes),
    via: viaValue(config.pop),
    noteUncollapsible(key, collapsible) {
      uncollapsible.set(key, !collapsible);
    },
    noteTooBig(key, big) {
      tooBig.set(key, big);
    },
  };
  if (opts.httpsPort !== undefined) state.httpsPort = opts.httpsPort;
  const shared = opts.shared;
  if (shared) {
    state.shared = shared;
    state.sharedWrites = new FillBudget(config.cache.fillBudgetBytes ?? CONFIG_DEFAULTS.fillBudgetBytes);
  }
  const responder = createResponder(state);
  const dists = createSwitchableRouter(config);
  if (opts.distributions) dists.setAdded(opts.distributions);
  const lookup = createCacheLookup(state);
  const collapser = createFillCollapser(state, { lookup, coordinator: opts.coordinator, uncollapsible, tooBig });
  const functions = opts.functions;
  const handleRequest = createViewerPipeline(state, {
    route: dists.route,
    responder,
    lookup,
    collapser,
    tooBig,
    ...(functions === undefined ? {} : { functions: { registry: functions, run: createViewerFunctionRunner(state, functions, responder) } }),
  });

  const logRequest = opts.standardLogs && createViewerLogger({ pop: config.pop, route: dists.route, spool: opts.standardLogs, now: clock });

  return {
    config,
    store,
    metrics,
    handle(req, res) {
      logRequest?.(req, res);
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
    setDistributions(added) {
      dists.setAdded(added);
    },
    setHttpsPort(port) {
      state.httpsPort = port;
    },
    async invalidate(distributionId, paths) {
      // The shared tier first: a worker reading it after this point cannot bring the old entry back.
      if (shared && opts.invalidatesShared) await shared.invalidate(distributionId, paths);
      store.ban(distributionId, paths);
      metrics.counts.invalidations++;
      // New requests must not join fills that started before the ban.
      collapser.forgetDistribution(distributionId);
    },
    metricsSnapshot(): EdgeMetricsSnapshot {
      const st = store.stats();
      return metrics.snapshot({ entries: st.entries, sizeBytes: st.sizeBytes, maxBytes: st.maxBytes }, shared && sharedMetrics(shared));
    },
    async close() {
      store.clear();
      await Promise.all(dists.all().flatMap((d) => [...d.origins.values()].map((o) => o.destroy())));
    },
  };
}
