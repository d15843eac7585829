/**
 * The s3 driver's object cache: bodies of recently read objects, kept in each origin node's
 * memory and used only after the backend confirmed, for that very read, that the object is
 * still the version kept (docs/scaling-out.md, "The object cache").
 *
 * Why: radosgw spends about as much CPU answering a conditional GET (304) of a 1 MiB object as
 * a whole GET, because it reads the data with the object's head; a HEAD costs it a quarter of
 * that. So a read of a kept object is a HEAD, and when its validators (ETag, Last-Modified,
 * size, version id) equal the entry's, the body comes from memory with the metadata the HEAD
 * just returned. Nothing is served that the backend did not vouch for at the time of the
 * request, so reads stay strongly consistent across nodes, as S3's are
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel):
 * a write through another node, or straight to the backend, changes the validators and the
 * next read fetches the object again.
 *
 * Filling: an object of at most `maxObjectBytes` is read whole before it is answered (its
 * first read waits for the whole body, ~1 ms per MiB on a LAN), as long as the bodies being
 * read that way stay within the fill budget; beyond it, reads stream and nothing is kept.
 */
import type { ObjectInfo } from '../types.js';
import { BodyCache } from '../body-cache.js';

export interface ObjectCacheOptions {
  /** Total bytes kept; 0 turns the cache off. */
  maxBytes: number;
  /** Larger objects are never kept. */
  maxObjectBytes: number;
}

/** Defaults: 64 MiB in all, objects up to 4 MiB (radosgw keeps an object's first 4 MiB with its head, `rgw_max_chunk_size`). */
export const DEFAULT_OBJECT_CACHE: ObjectCacheOptions = { maxBytes: 64 * 1024 * 1024, maxObjectBytes: 4 * 1024 * 1024 };

export class ObjectCache {
  private readonly bodies: BodyCache;
  /** Bytes of bodies being read whole to be kept, at most a quarter of the cache. */
  private filling = 0;
  private readonly fillBudget: number;

  constructor(opts: ObjectCacheOptions) {
    this.bodies = new BodyCache(opts.maxBytes, Math.min(opts.maxObjectBytes, opts.maxBytes));
    this.fillBudget = Math.max(opts.maxObjectBytes, opts.maxBytes / 4);
  }

  get enabled(): boolean {
    return this.bodies.maxBytes > 0;
  }

  /** The entry name of one object (the current version when `versionId` is undefined) of a backend bucket. */
  static id(full: string, key: string, versionId: string | undefined): string {
    return `${full}\0${key}\0${versionId ?? ''}`;
  }

  /** Whether a body is kept under `id` (worth a HEAD instead of a GET). */
  holds(id: string): boolean {
    return this.bodies.tagOf(id) !== undefined;
  }

  /** The body kept under `id` if it is the version `info` describes. */
  body(id: string, info: ObjectInfo): Buffer | undefined {
    return this.bodies.get(id, validators(info));
  }

  /**
   * Room to read a body of `size` bytes whole so it can be kept: a release function, or
   * undefined when the object is too big or the fill budget is spent (then stream it).
   */
  reserve(size: number): (() => void) | undefined {
    if (!this.enabled || size > this.bodies.maxEntryBytes || this.filling + size > this.fillBudget) return undefined;
    this.filling += size;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.filling -= size;
    };
  }

  keep(id: string, info: ObjectInfo, body: Buffer): void {
    if (this.enabled && body.length === info.size) this.bodies.set(id, body, validators(info));
  }

  /** Drops what is kept of an object this node just changed (its memory, not correctness: reads revalidate). */
  forget(id: string): void {
    this.bodies.delete(id);
  }

  get bytes(): number {
    return this.bodies.size;
  }
}

/** What identifies one version's bytes: two reads with equal validators return the same body. */
function validators(info: ObjectInfo): string {
  return `${info.etag}\0${info.lastModified.getTime()}\0${info.size}\0${info.versionId ?? ''}`;
}
