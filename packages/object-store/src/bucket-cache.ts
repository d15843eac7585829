/**
 * A caching decorator over any ObjectStore for the bucket facts every request
 * needs: existence and ACL (`headBucket`) and the bucket's configuration
 * documents (website, policy). Anonymous website GETs then cost no backend
 * round trip for them.
 *
 * Freshness, with several origin nodes over one backend:
 * - a change made through this store (createBucket, deleteBucket, setBucketAcl,
 *   putBucketConfig) is seen by the very next call here: the decorator drops
 *   the bucket's entry when the change starts and again when it has finished,
 *   so nothing read before or during the change is kept;
 * - a change made through another node is seen here within `revalidateMs` plus
 *   one backend round trip: an entry older than that is loaded again on its
 *   next use. With the default 500 ms and a backend answering in well under
 *   500 ms, another node's change is honoured within 1 s (docs/scaling-out.md).
 */
import { ForwardingStore } from './forwarding-store.js';
import { BUCKET_CONFIG_KINDS, type BucketConfigKind, type BucketConfigs, type BucketInfo, type CannedAcl, type ObjectStore } from './types.js';

export interface BucketCacheOptions {
  /** Age after which a cached fact is read from the backend again. Default 500 ms. */
  revalidateMs?: number;
  /** For tests: the clock. */
  now?: () => number;
}

export const DEFAULT_REVALIDATE_MS = 500;

/** Cached entries beyond this many buckets are dropped wholesale (a bound, not an LRU). */
const MAX_BUCKETS = 4096;

interface Entry {
  loadedAt: number;
  info?: Promise<BucketInfo | null>;
  /** All of the bucket's configuration documents, loaded together on first use (one backend round trip on the s3 driver). */
  configs?: Promise<BucketConfigs>;
}

export class BucketCachingStore extends ForwardingStore {
  private readonly entries = new Map<string, Entry>();
  private readonly revalidateMs: number;
  private readonly now: () => number;

  constructor(inner: ObjectStore, opts: BucketCacheOptions = {}) {
    super(inner);
    this.revalidateMs = opts.revalidateMs ?? DEFAULT_REVALIDATE_MS;
    this.now = opts.now ?? Date.now;
  }

  // ------------------------------------------------------------ cached reads

  override headBucket(name: string): Promise<BucketInfo | null> {
    const entry = this.entry(name);
    entry.info ??= this.unlessFailed(name, entry, 'info', this.inner.headBucket(name));
    return entry.info;
  }

  override getBucketConfig(name: string, kind: BucketConfigKind): Promise<string | null> {
    if (!BUCKET_CONFIG_KINDS.includes(kind)) return this.inner.getBucketConfig(name, kind); // its error
    return this.getBucketConfigs(name).then((configs) => configs[kind] ?? null);
  }

  override getBucketConfigs(name: string): Promise<BucketConfigs> {
    const entry = this.entry(name);
    entry.configs ??= this.unlessFailed(name, entry, 'configs', this.inner.getBucketConfigs(name));
    return entry.configs;
  }

  /** The bucket's fresh entry: a new one when there is none or it is older than revalidateMs. */
  private entry(name: string): Entry {
    const now = this.now();
    const existing = this.entries.get(name);
    if (existing !== undefined && now - existing.loadedAt <= this.revalidateMs) return existing;
    if (existing === undefined && this.entries.size >= MAX_BUCKETS) this.entries.clear();
    const fresh: Entry = { loadedAt: now };
    this.entries.set(name, fresh);
    return fresh;
  }

  /** A failed load is not kept: the next call tries again. */
  private unlessFailed<T>(name: string, entry: Entry, what: 'info' | 'configs', load: Promise<T>): Promise<T> {
    load.catch(() => {
      if (this.entries.get(name) === entry) delete entry[what];
    });
    return load;
  }

  /** A change made through this store: its bucket's entry is dropped when it starts and when it ends. */
  private async change<T>(name: string, run: () => Promise<T>): Promise<T> {
    this.entries.delete(name);
    try {
      return await run();
    } finally {
      this.entries.delete(name);
    }
  }

  // ------------------------------------------------------------ bucket changes

  override createBucket(name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo> {
    return this.change(name, () => this.inner.createBucket(name, opts));
  }

  override deleteBucket(name: string): Promise<void> {
    return this.change(name, () => this.inner.deleteBucket(name));
  }

  override setBucketAcl(name: string, acl: CannedAcl): Promise<void> {
    return this.change(name, () => this.inner.setBucketAcl(name, acl));
  }

  override putBucketConfig(name: string, kind: BucketConfigKind, document: string | null): Promise<void> {
    return this.change(name, () => this.inner.putBucketConfig(name, kind, document));
  }
}

/** Wraps `store` in the bucket-facts cache (see the module comment for its freshness bound). */
export function withBucketCache(store: ObjectStore, opts: BucketCacheOptions = {}): BucketCachingStore {
  return new BucketCachingStore(store, opts);
}
