/**
 * Byte-bounded in-memory store with Varnish-style bans.
 *
 * - lru-cache caps memory (`maxSize` + `sizeCalculation`); freshness comes from the entry's
 *   absolute times, never from lru-cache's TTL (lru-cache "is not primarily a TTL cache").
 * - `ban(distributionId, paths)` records (matcher, seq). An entry whose origin fetch started
 *   before a matching ban is a miss at lookup and deleted then; a lazy sweeper (the "ban lurker")
 *   walks the LRU in the background and drops bans nothing can match any more.
 *   https://varnish-cache.org/docs/trunk/users-guide/purging.html#bans
 */
import { LRUCache } from 'lru-cache';
import { compileInvalidationPath, matchesInvalidation, type InvalidationMatcher } from '@bucketfront/cache-policy';
import type { StoredEntry } from './entry.js';

/**
 * One invalidation batch. Exact paths sit in hash sets (CloudFront allows 3,000 paths per batch,
 * so a lookup must not scan them); wildcard paths (≤ 15 in progress on CloudFront) are a list.
 */
interface Ban {
  distributionId: string;
  seq: number;
  swept: boolean;
  exactPaths: Set<string>;
  exactWithQuery: Set<string>;
  prefixes: InvalidationMatcher[];
}

function compileBan(distributionId: string, paths: readonly string[], seq: number): Ban {
  const ban: Ban = { distributionId, seq, swept: false, exactPaths: new Set(), exactWithQuery: new Set(), prefixes: [] };
  for (const p of paths) {
    const m = compileInvalidationPath(p);
    if (m.prefix) ban.prefixes.push(m);
    else if (m.withQuery) ban.exactWithQuery.add(m.value);
    else ban.exactPaths.add(m.value);
  }
  return ban;
}

function banCovers(b: Ban, path: string, query: string): boolean {
  if (b.exactPaths.has(path)) return true;
  if (b.exactWithQuery.size > 0 && b.exactWithQuery.has(query === '' ? path : `${path}?${query}`)) return true;
  for (const m of b.prefixes) if (matchesInvalidation(m, { path, query })) return true;
  return false;
}

export interface MemoryStoreOptions {
  maxSizeBytes: number;
  maxObjectBytes: number;
  onEvict?: () => void;
  /** Delay before the background sweep after a ban (ms). */
  sweepDelayMs?: number;
}

export class MemoryStore {
  private readonly lru: LRUCache<string, StoredEntry>;
  private bans: Ban[] = [];
  private seqCounter = 0;
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
      dispose: (_v, _k, reason) => { if (reason === 'evict') opts.onEvict?.(); },
    });
  }

  /** Call when an origin fetch starts; pass the result to `set` and to `endFill`. */
  beginFill(): number {
    const seq = ++this.seqCounter;
    this.inflightFills.set(seq, (this.inflightFills.get(seq) ?? 0) + 1);
    return seq;
  }

  endFill(seq: number): void {
    const n = (this.inflightFills.get(seq) ?? 1) - 1;
    if (n <= 0) this.inflightFills.delete(seq); else this.inflightFills.set(seq, n);
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
    this.bans.push(compileBan(distributionId, paths, seq));
    this.scheduleSweep();
  }

  /** Does a ban cover this entry (same distribution, path matches, fetch started before the ban)? */
  isBanned(e: Pick<StoredEntry, 'distributionId' | 'path' | 'altPath' | 'query' | 'seq'>): boolean {
    for (const b of this.bans) {
      if (b.seq <= e.seq || b.distributionId !== e.distributionId) continue;
      if (banCovers(b, e.path, e.query)) return true;
      if (e.altPath !== undefined && banCovers(b, e.altPath, e.query)) return true;
    }
    return false;
  }

  get stats(): { entries: number; sizeBytes: number; maxBytes: number; bans: number } {
    return { entries: this.lru.size, sizeBytes: this.lru.calculatedSize, maxBytes: this.opts.maxSizeBytes, bans: this.bans.length };
  }

  private scheduleSweep(): void {
    if (this.sweepTimer) return;
    this.sweepTimer = setTimeout(() => { this.sweepTimer = undefined; this.sweep(); }, this.opts.sweepDelayMs ?? 250);
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
    this.bans = this.bans.filter((b) => !b.swept || oldestFill < b.seq);
    if (this.bans.length > 0) this.scheduleSweep();
  }

  clear(): void {
    this.lru.clear();
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
