/**
 * Finding a request's entry: the process's memory tier, then the host's shared tier (whose entry
 * becomes a memory-tier entry of this process when it fits).
 */
import { freshnessAt } from '@bucketfront/cache-policy';
import type { EngineState, RequestCtx } from './context.js';
import { fromCached } from './shared-tier.js';
import type { CachedResponse } from './store/cache-store.js';
import type { StoredEntry } from './store/entry.js';

/**
 * `borrowed`: the memory tier cannot keep the entry and its bodies are pooled buffers
 * (disk-store.ts borrow): give them back once sent.
 */
export interface SharedRead {
  entry: StoredEntry;
  borrowed: boolean;
}

export interface CacheLookup {
  /** The memory tier's entry for the request's key (fresh or not). */
  memory(ctx: RequestCtx): StoredEntry | undefined;
  /** The shared tier's entry for the key (fresh or not), as a memory-tier entry of this process. */
  shared(ctx: RequestCtx): Promise<StoredEntry | undefined>;
  /** `shared` for the viewer's own request, which may borrow the shared tier's buffers. */
  sharedRead(ctx: RequestCtx, mayBorrow: boolean): Promise<SharedRead | undefined>;
  isFresh(e: StoredEntry): boolean;
}

export function createCacheLookup(state: EngineState): CacheLookup {
  const { store, metrics, clock } = state;

  async function sharedRead(ctx: RequestCtx, mayBorrow: boolean): Promise<SharedRead | undefined> {
    const shared = state.shared;
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
      metrics.counts.sharedHits++; // (the shared tier recorded the access itself)
      return { entry: e, borrowed: r.borrowed && !kept };
    } catch {
      return undefined; // the shared tier failing is a miss, never an error
    } finally {
      store.endFill(seq);
    }
  }

  return {
    memory: (ctx) => store.get(ctx.key),
    shared: async (ctx) => (await sharedRead(ctx, false))?.entry,
    sharedRead,
    isFresh: (e) => freshnessAt(e.times, clock()) === 'fresh',
  };
}
