/**
 * Byte-bounded in-memory store with Varnish-style bans.
 *
 * - lru-cache caps memory (`maxSize` + `sizeCalculation`); freshness comes from the entry's
 *   absolute times, never from lru-cache's TTL (lru-cache "is not primarily a TTL cache").
 * - `ban(distributionId, items)` records (paths and `#tag`s, seq). An entry whose origin fetch started
 *   before a matching ban is a miss at lookup and deleted then; a lazy sweeper (the "ban lurker")
 *   walks the LRU in the background and drops bans nothing can match any more.
 *   https://varnish-cache.org/docs/trunk/users-guide/purging.html#bans
 */
import { LRUCache } from 'lru-cache';
import type { CacheStore, CacheStoreStats, CachedResponse } from './cache-store.js';
import type { StoredEntry } from './entry.js';
import { compileInvalidationItems, covers, type InvalidationCover } from './invalidation-cover.js';

/** One invalidation batch (paths and `#tag`s: invalidation-cover.ts) and the sequence number it was recorded at. */
interface Ban {
  distributionId: string;
  seq: number;
  swept: boolean;
  cover: InvalidationCover;
}

/** The store's occupancy and its live bans. */
export interface MemoryStoreUsage extends CacheStoreStats {
  bans: number;
}

export interface MemoryStoreOptions {
  maxSizeBytes: number;
  maxObjectBytes: number;
  onEvict?: () => void;
  /** Delay before the background sweep after a ban (ms). */
  sweepDelayMs?: number;
}

export class MemoryStore implements CacheStore<StoredEntry> {
  private readonly lru: LRUCache<string, StoredEntry>;
  private bans: Ban[] = [];
  private seqCounter = 0;
  /** Highest sequence number of a retired ban: a put whose fetch started before it cannot be checked. */
  private retiredThrough = 0;
  /** Sequence numbers of origin fetches in progress (bans older than the oldest must be kept). */
  private readonly inflightFills = new Map<number, number>();
  private sweepTimer: NodeJS.Timeout | undefined;
  readonly maxObjectBytes: number;
  readonly maxSizeBytes: number;

  constructor(private readonly opts: MemoryStoreOptions) {
    this.maxObjectBytes = opts.maxObjectBytes;
    this.maxSizeBytes = opts.maxSizeBytes;
    this.lru = new LRUCache<string, StoredEntry>({
      maxSize: opts.maxSizeBytes,
      maxEntrySize: Math.min(opts.maxObjectBytes * 3, opts.maxSizeBytes),
      sizeCalculation: (e) => Math.max(1, e.size),
      dispose: (_v, _k, reason) => {
        if (reason === 'evict') opts.onEvict?.();
      },
    });
  }

  /** Could an entry with this many bytes of bodies be kept at all (false: `set` refuses it)? */
  canHold(bodyBytes: number): boolean {
    return bodyBytes <= this.lru.maxEntrySize;
  }

  /** Call when an origin fetch starts; pass the result to `set` and to `endFill`. */
  beginFill(): number {
    const seq = ++this.seqCounter;
    this.inflightFills.set(seq, (this.inflightFills.get(seq) ?? 0) + 1);
    return seq;
  }

  endFill(seq: number): void {
    const n = (this.inflightFills.get(seq) ?? 1) - 1;
    if (n <= 0) this.inflightFills.delete(seq);
    else this.inflightFills.set(seq, n);
  }

  get(key: string): StoredEntry | undefined {
    const e = this.lru.get(key);
    if (e === undefined) return undefined;
    if (this.bans.length > 0 && this.isBanned(e)) {
      this.lru.delete(key);
      return undefined;
    }
    return e;
  }

  /** Store unless a ban newer than the fetch's start already covers it. Returns false when refused. */
  set(entry: StoredEntry): boolean {
    if (this.bans.length > 0 && this.isBanned(entry)) return false;
    if (entry.size > this.opts.maxObjectBytes * 3) return false;
    this.lru.set(entry.key, entry);
    return this.lru.has(entry.key);
  }

  /**
   * The entry grew (a variant was added): re-account its size if it is still the stored one.
   * lru-cache keeps the old size when the same value is set again, hence delete + set.
   */
  resize(entry: StoredEntry): void {
    if (this.lru.peek(entry.key) !== entry) return;
    this.lru.delete(entry.key);
    this.lru.set(entry.key, entry);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Delete the key's entry when its fetch started before `seq` (a newer fill's entry stays). */
  deleteOlder(key: string, seq: number): void {
    const e = this.lru.peek(key);
    if (e !== undefined && e.seq < seq) this.lru.delete(key);
  }

  /** Record a ban; returns immediately — lookups honour it from now on. */
  ban(distributionId: string, paths: readonly string[]): void {
    const seq = ++this.seqCounter;
    this.bans.push({ distributionId, seq, swept: false, cover: compileInvalidationItems(paths) });
    this.scheduleSweep();
  }

  /** Does a ban cover this entry (same distribution, path matches, fetch started before the ban)? */
  isBanned(e: Pick<StoredEntry, 'distributionId' | 'path' | 'altPath' | 'query' | 'seq' | 'tags'>): boolean {
    for (const b of this.bans) {
      if (b.seq <= e.seq || b.distributionId !== e.distributionId) continue;
      if (covers(b.cover, e)) return true;
    }
    return false;
  }

  /** Occupancy and live bans. */
  get usage(): MemoryStoreUsage {
    return { entries: this.lru.size, sizeBytes: this.lru.calculatedSize, maxBytes: this.opts.maxSizeBytes, bans: this.bans.length };
  }

  stats(): CacheStoreStats {
    return { entries: this.lru.size, sizeBytes: this.lru.calculatedSize, maxBytes: this.opts.maxSizeBytes };
  }

  // --- CacheStore (cache-store.ts): the contract both tiers share ---

  /** A new sequence number: fills that take it are ordered against bans like beginFill's. */
  generation(): number {
    return ++this.seqCounter;
  }

  /**
   * Store `entry` fetched from `generation` on. Refused: a body over maxObjectBytes, a ban newer
   * than `generation` covers it, or a ban that could cover it was already retired (its fetch
   * started before a retired ban and was not registered with beginFill: conservative).
   */
  put(entry: StoredEntry, generation: number): boolean {
    for (const v of Object.values(entry.variants)) if (v !== undefined && v.body.length > this.opts.maxObjectBytes) return false;
    if (generation < this.retiredThrough) return false;
    entry.seq = generation;
    return this.set(entry);
  }

  /** New freshness after a 304; an entry a ban newer than `generation` covers is deleted instead. */
  refresh(key: string, update: Pick<CachedResponse, 'times' | 'cacheControl' | 'expires'>, generation: number): void {
    const e = this.lru.peek(key);
    if (e === undefined) return;
    if (generation < this.retiredThrough || this.isBanned({ ...e, seq: Math.min(e.seq, generation) })) {
      this.lru.delete(key);
      return;
    }
    e.times = update.times;
    e.cacheControl = update.cacheControl;
    e.expires = update.expires;
  }

  /** CacheStore `invalidate`: a ban (paths and `#tag`s). */
  invalidate(distributionId: string, items: readonly string[]): void {
    this.ban(distributionId, items);
  }

  close(): void {
    this.clear();
  }

  private scheduleSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
    }, this.opts.sweepDelayMs ?? 250);
    this.sweepTimer.unref();
  }

  /** The ban lurker: delete banned entries, then retire bans no stored or in-flight entry can predate. */
  sweep(): void {
    if (this.bans.length === 0) return;
    const pending = this.bans.filter((b) => !b.swept);
    for (const [key, e] of this.lru.entries()) if (this.isBanned(e)) this.lru.delete(key);
    for (const b of pending) b.swept = true;
    let oldestFill = Infinity;
    for (const seq of this.inflightFills.keys()) oldestFill = Math.min(oldestFill, seq);
    // Every stored entry older than a swept ban was checked; fills that started before it may still land.
    const kept: Ban[] = [];
    for (const b of this.bans) {
      if (!b.swept || oldestFill < b.seq) kept.push(b);
      else this.retiredThrough = Math.max(this.retiredThrough, b.seq);
    }
    this.bans = kept;
    if (this.bans.length > 0) this.scheduleSweep();
  }

  clear(): void {
    this.lru.clear();
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
