/**
 * Finding a request's entry: the process's memory tier, then the host's shared tier (whose entry
 * becomes a memory-tier entry of this process when it fits).
 */
import { freshnessAt } from '@bucketfront/cache-policy';
import type { EngineState, RequestCtx } from './context.js';
import { fromCached } from './shared-tier.js';
import { type BodyFile, POOLED_READ_MAX } from './store/body-files.js';
import type { Coding } from './store/cache-store.js';
import type { BorrowedResponse } from './store/disk-store.js';
import type { StoredEntry } from './store/entry.js';

/**
 * `borrowed`: the memory tier cannot keep the entry and its bodies are pooled buffers
 * (disk-store.ts borrow): give them back once sent. `streamed`: some of its variants are open
 * files (Variant.file) to stream, not buffers: close them once sent (closeFiles).
 */
export interface SharedRead {
  entry: StoredEntry;
  borrowed: boolean;
  streamed: boolean;
}

/** Bodies longer than this, read for one response the memory tier will not keep, are streamed from their file. */
export const STREAM_OVER_BYTES = POOLED_READ_MAX - 1;

/** Close the open body files of a streamed entry (see SharedRead). */
export function closeFiles(e: StoredEntry): void {
  for (const v of Object.values(e.variants)) v?.file?.close();
}

export interface CacheLookup {
  /** The memory tier's entry for the request's key (fresh or not). */
  memory(ctx: RequestCtx): StoredEntry | undefined;
  /** The shared tier's entry for the key (fresh or not), as a memory-tier entry of this process. */
  shared(ctx: RequestCtx): Promise<StoredEntry | undefined>;
  /** `shared` for the viewer's own request, which may borrow the shared tier's buffers (and, with `mayStream`, stream large bodies from their files). */
  sharedRead(ctx: RequestCtx, mayBorrow: boolean, mayStream?: boolean): Promise<SharedRead | undefined>;
  isFresh(e: StoredEntry): boolean;
}

export function createCacheLookup(state: EngineState): CacheLookup {
  const { store, metrics, clock } = state;

  async function sharedRead(ctx: RequestCtx, mayBorrow: boolean, mayStream = false): Promise<SharedRead | undefined> {
    const shared = state.shared;
    if (!shared) return undefined;
    const seq = store.beginFill(); // invalidations this worker applies while it reads cover the result
    let files: BorrowedResponse['files'];
    try {
      let r: BorrowedResponse | undefined;
      if (mayBorrow) r = await shared.borrow(ctx.key, (bodyBytes) => !store.canHold(bodyBytes), mayStream ? STREAM_OVER_BYTES : undefined);
      else {
        const c = await shared.get(ctx.key);
        r = c === undefined ? undefined : { entry: c, borrowed: false };
      }
      if (r === undefined) return undefined;
      files = r.files;
      const e = fromCached(state, r.entry, seq);
      if (files !== undefined) for (const [coding, file] of Object.entries(files) as Array<[Coding, BodyFile]>) e.variants[coding]!.file = file;
      if (store.isBanned(e)) return void closeFiles(e);
      // An entry with open files is never kept: its bodies are not in memory.
      const kept = files === undefined && store.set(e);
      metrics.counts.sharedHits++; // (the shared tier recorded the access itself)
      const read = { entry: e, borrowed: r.borrowed && !kept, streamed: files !== undefined };
      files = undefined;
      return read;
    } catch {
      return undefined; // the shared tier failing is a miss, never an error
    } finally {
      for (const f of Object.values(files ?? {})) f.close();
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
