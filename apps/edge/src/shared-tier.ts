/**
 * The worker's side of the host's shared tier (store/disk-store.ts): what crosses between a
 * memory-tier StoredEntry (pre-built hit headers, sequence number) and the serialisable
 * CachedResponse every tier stores.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeConfig } from './config/types.js';
import { CONFIG_DEFAULTS } from './config/validate.js';
import type { EngineState } from './context.js';
import { type BorrowedResponse, DiskStore } from './store/disk-store.js';
import type { SharedTierMetrics } from './metrics.js';
import type { CachedResponse, CacheStore, Coding, StoredBody } from './store/cache-store.js';
import type { StoredEntry, Variant } from './store/entry.js';
import { hitHeadersFor, variantSize } from './store/variants.js';

/** The shared tier as the engine uses it (DiskStore implements it). */
export interface SharedTier extends CacheStore<CachedResponse> {
  put(entry: CachedResponse, generation: number): Promise<boolean>;
  /** get, with bodies possibly in pooled buffers when `lend(bodyBytes)`, or opened to stream when longer than `streamOver` (disk-store.ts). */
  borrow(key: string, lend: (bodyBytes: number) => boolean, streamOver?: number): Promise<BorrowedResponse | undefined>;
  /** A borrowed response's bodies are no longer read: back to the pool. */
  giveBack(entry: CachedResponse): void;
  /** A hit was served from this key (batched access-time update: LRU). */
  touch(key: string): void;
  /** disabled: the directory could not be used (the edge runs on memory and the origin). */
  health(): { disabled: boolean; reason?: string; writeErrors: number; corruptBodies: number };
}

/** The tier's figures for a metrics snapshot (metrics.ts). */
export function sharedMetrics(t: SharedTier): SharedTierMetrics {
  const st = t.stats();
  const h = t.health();
  return { entries: st.entries, sizeBytes: st.sizeBytes, maxBytes: st.maxBytes, writeErrors: h.writeErrors, corruptBodies: h.corruptBodies, disabled: h.disabled };
}

/** A memory-tier hit tells the shared tier at most this often (its LRU needs no more). */
export const TOUCH_INTERVAL_MS = 30_000;

/** The serialisable form of an entry, without per-process state (cache-store.ts). */
export function toCached(e: StoredEntry): CachedResponse {
  const variants: Partial<Record<Coding, StoredBody>> = {};
  for (const [coding, v] of Object.entries(e.variants) as Array<[Coding, Variant]>) {
    const b: StoredBody = { body: v.body, headers: v.headers };
    if (v.etag !== undefined) b.etag = v.etag;
    variants[coding] = b;
  }
  const { seq: _seq, size: _size, revalidating: _r, touchedAt: _t, variants: _v, ...rest } = e;
  return { ...rest, variants };
}

/**
 * hitHeadersFor, remembered per header array: the disk tier hands out the same array for every read
 * of a body (disk-row.ts parses a row's response once per body), and the hit path copies, never
 * changes, hitHeaders.
 */
const builtHitHeaders = new WeakMap<readonly string[], { status: number; via: string; config: EngineState['config']; hitHeaders: string[] }>();
function sharedHitHeaders(s: Pick<EngineState, 'config' | 'via'>, status: number, headers: readonly string[]): string[] {
  const built = builtHitHeaders.get(headers);
  if (built !== undefined && built.status === status && built.via === s.via && built.config === s.config) return built.hitHeaders;
  const hitHeaders = hitHeadersFor(s, status, headers);
  builtHitHeaders.set(headers, { status, via: s.via, config: s.config, hitHeaders });
  return hitHeaders;
}

/**
 * A response read from the shared tier, as a memory-tier entry with its hit headers built in this
 * worker. `seq`: the memory tier's sequence number taken *before* the read, so that an
 * invalidation the worker applies while it reads covers the result.
 */
export function fromCached(s: Pick<EngineState, 'config' | 'via' | 'clock'>, c: CachedResponse, seq: number): StoredEntry {
  const variants: Partial<Record<Coding, Variant>> = {};
  for (const [coding, b] of Object.entries(c.variants) as Array<[Coding, StoredBody]>) {
    variants[coding] = { ...b, hitHeaders: sharedHitHeaders(s, c.status, b.headers) };
  }
  const entry: StoredEntry = { ...c, variants, seq, size: 0, touchedAt: s.clock() };
  entry.size = entrySize(entry);
  return entry;
}

/**
 * Bytes an entry is accounted for in the memory tier. Strings count as much as bodies: a viewer
 * picks the key, path and query (up to ~20 KB each), so 3,000 entries with long invented paths
 * held ~88 MiB while the cache counted 1.75 MB. 2 bytes a character: V8 stores a string with any
 * non-Latin-1 character as two-byte.
 */
export function entrySize(e: Pick<StoredEntry, 'key' | 'path' | 'altPath' | 'query' | 'baseHeaders' | 'variants' | 'tags'>): number {
  const strings = e.key.length + e.path.length + (e.altPath?.length ?? 0) + e.query.length + e.baseHeaders.reduce((n, x) => n + x.length, 0) + (e.tags?.reduce((n, t) => n + t.length, 0) ?? 0);
  let bodies = 0;
  for (const v of Object.values(e.variants)) if (v) bodies += variantSize(v);
  return 256 + strings * 2 + bodies;
}

/**
 * The shared tier's directory: `cache.diskPath`; without one a private temporary directory
 * (removed when the edge stops); none for `diskPath: false`.
 */
export async function sharedTierDir(config: EdgeConfig): Promise<{ dir: string; temporary: boolean } | undefined> {
  const p = config.cache.diskPath;
  if (p === false) return undefined;
  if (p !== undefined) return { dir: p, temporary: false };
  return { dir: await mkdtemp(join(tmpdir(), 'bucketfront-edge-')), temporary: true };
}

/**
 * Open the shared tier in `dir`. The owner (the primary, or the single process) opens first: it
 * checks or rebuilds the index, evicts and applies invalidations; workers open it as members.
 * A directory that cannot be used gives a disabled tier and one warning, never a failed start.
 */
export function openSharedTier(dir: string, config: EdgeConfig, role: 'owner' | 'member', log: (msg: string) => void = (m) => console.warn(m)): SharedTier {
  return DiskStore.open({
    dir,
    role,
    log,
    maxBytes: config.cache.maxDiskBytes ?? CONFIG_DEFAULTS.maxDiskBytes,
    maxObjectBytes: config.cache.maxObjectBytes,
  });
}
