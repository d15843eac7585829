/**
 * Request collapsing: one origin fetch per cache key at a time; the requests that arrive while it
 * runs wait for its entry instead of fetching too (CloudFront's "simultaneous requests for the same
 * object",
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-traffic-spikes).
 * Followers wake when the leader's entry is stored; with a coordinator (cluster workers) the
 * collapsing spans the host's workers too.
 */
import { distributionKeyPrefix } from '@bucketfront/cache-policy';
import type { CacheLookup } from './cache-lookup.js';
import type { EngineState, RequestCtx } from './context.js';
import { fromWire, toWire, type FillCoordinator } from './coordinator.js';
import { fill, shareable, type FillResult, type SharedFill } from './fill.js';
import type { StoredEntry } from './store/entry.js';
import type { MarkSet } from './store/mark-set.js';

export type CollapsedFillResult = { own: FillResult } | { shared: SharedFill };

export interface FillCollapser {
  /** This request's fill (`own`), or the entry of the fill it joined (`shared`). */
  collapsedFill(ctx: RequestCtx, stale: StoredEntry | undefined): Promise<CollapsedFillResult>;
  /** An invalidation of the distribution: new requests must not join fills that started before it. */
  forgetDistribution(distributionId: string): void;
}

export interface FillCollapserOptions {
  lookup: CacheLookup;
  coordinator: FillCoordinator | undefined;
  /** Keys whose last response disabled collapsing (hit-for-miss). */
  uncollapsible: MarkSet;
  /** Keys over cache.maxObjectBytes: streamed to the leader only, followers would wait for nothing. */
  tooBig: MarkSet;
}

interface Inflight {
  promise: Promise<SharedFill>;
}

export function createFillCollapser(state: EngineState, opts: FillCollapserOptions): FillCollapser {
  const { store, metrics } = state;
  const { lookup, coordinator, uncollapsible, tooBig } = opts;
  const inflight = new Map<string, Inflight>();

  async function collapsedFill(ctx: RequestCtx, stale: StoredEntry | undefined): Promise<CollapsedFillResult> {
    // Oversize objects are streamed to the leader only: followers would wait for nothing.
    const skipCollapse = uncollapsible.has(ctx.key) || tooBig.has(ctx.key) || (stale !== undefined && !stale.collapsible);
    if (skipCollapse) return { own: await fill(state, ctx, stale) };
    const existing = inflight.get(ctx.key);
    if (existing) {
      metrics.counts.collapsedWaiters++;
      const shared = await existing.promise;
      if (shared.kind !== 'retry') return { shared };
      return { own: await fill(state, ctx, store.get(ctx.key)) };
    }
    let resolve!: (s: SharedFill) => void;
    const me: Inflight = {
      promise: new Promise<SharedFill>((r) => {
        resolve = r;
      }),
    };
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

  /** A shared-tier entry found fresh: answered as a Hit, already stored. */
  const sharedHit = (found: StoredEntry): FillResult => ({ kind: 'entry', entry: found, result: 'Hit', stale: false, collapsible: found.collapsible, stored: true });

  /**
   * The local leader's fill. With a coordinator (cluster workers) the first worker asking fetches;
   * the others wait for its entry, store it in their own cache and answer Hit.
   */
  async function coordinatedFill(ctx: RequestCtx, stale: StoredEntry | undefined, asked = 0): Promise<FillResult> {
    if (!coordinator) return fill(state, ctx, stale);
    const a = await coordinator.acquire(ctx.key, ctx.dist.config.id);
    if (a.lead) {
      let r: FillResult | undefined;
      try {
        // Another worker may have filled the shared tier since this one looked (it released the key then).
        const found = await lookup.shared(ctx);
        r = found && lookup.isFresh(found) ? sharedHit(found) : await fill(state, ctx, found ?? stale);
        return r;
      } finally {
        const wire = r !== undefined && r.kind === 'entry' && !r.stale && r.collapsible ? toWire(r.entry, r.stored) : null;
        // Waiters get the entry now; the key stays taken until the shared tier has it, so that a
        // worker asking meanwhile does not fetch it again (cluster.ts).
        a.publish(wire, r?.kind === 'entry' ? r.persisted : undefined);
      }
    }
    metrics.counts.collapsedWaiters++;
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
    const found = await lookup.shared(ctx);
    if (found && lookup.isFresh(found)) return sharedHit(found);
    // Not there either (the leader's write failed or was refused): ask once more, so that one of
    // the waiters fetches for all of them rather than each one.
    if (asked === 0) return coordinatedFill(ctx, found ?? stale, 1);
    return fill(state, ctx, found ?? stale);
  }

  return {
    collapsedFill,
    forgetDistribution(distributionId) {
      const prefix = distributionKeyPrefix(distributionId);
      for (const key of [...inflight.keys()]) {
        if (key.startsWith(prefix) || key.startsWith('OPTIONS ' + prefix)) inflight.delete(key);
      }
    },
  };
}
