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
 * Keeping: an object is kept only if its Last-Modified is an earlier second than the backend's
 * Date on the read that fetched it. Any later write is then dated a later second (radosgw dates
 * a write, multipart ones included, when it completes), so even a same-size overwrite with an
 * equal MD5 (a deliberate collision) cannot hide behind equal validators.
 *
 * Memory: the kept bodies (at most `maxBytes`), plus bodies held by requests, also at most
 * `maxBytes` in all: a miss of an object that may be kept is read whole before it is answered
 * (its first read waits for the whole body, ~1 ms per MiB on a LAN), and a body from memory is
 * sent in copied pieces of up to 1 MiB (sendKept), holding its share until the last piece is
 * handed over (or the stream is destroyed, or collected unread). A slow client then pins at most one such copy of its own answer, never an entry
 * the cache has let go. With the budget spent, reads stream from the backend and nothing is kept.
 */
import { Readable } from 'node:stream';
import type { ObjectInfo } from '../types.js';
import { BodyCache } from '../body-cache.js';

/** Size of the copied pieces a kept body is sent in. */
const SEND_PIECE_BYTES = 1024 * 1024;

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
  /** Bytes of bodies held by requests (being read whole, or sent from memory), at most the cache's size. */
  private held = 0;

  constructor(opts: ObjectCacheOptions) {
    this.bodies = new BodyCache(opts.maxBytes, Math.min(opts.maxObjectBytes, opts.maxBytes));
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
   * Room for a request to hold a body of `size` bytes: a release function (idempotent), or
   * undefined when the object is too big or the budget is spent (then stream it from the backend).
   */
  reserve(size: number): (() => void) | undefined {
    if (!this.enabled || size > this.bodies.maxEntryBytes || this.held + size > this.bodies.maxBytes) return undefined;
    this.held += size;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= size;
    };
  }

  /** Keeps `body`, read whole from the backend at `readAt` (its Date, whole seconds), if it may be kept (see above). */
  keep(id: string, info: ObjectInfo, body: Buffer, readAt: Date): void {
    const modified = info.lastModified.getTime();
    // (0: the backend sent no usable Last-Modified; nothing to tell versions apart by.)
    if (this.enabled && body.length === info.size && modified > 0 && modified < readAt.getTime()) this.bodies.set(id, body, validators(info));
  }

  /** Drops what is kept of an object this node just changed (its memory, not correctness: reads revalidate). */
  forget(id: string): void {
    this.bodies.delete(id);
  }

  /** Bytes held by requests now (tests). */
  get heldBytes(): number {
    return this.held;
  }
}

/**
 * A body from memory as a stream of copies of up to 1 MiB (one write downstream for most kept
 * bodies). It holds its share of the budget (`release`) until its last piece was handed over
 * (its end) or it is destroyed; what a slow reader still has queued then is a copy, never a view
 * that would pin the whole body after the cache let it go.
 */
export function sendKept(body: Buffer, release: () => void): Readable {
  let source: Buffer | null = body;
  let offset = 0;
  const stream = new Readable({
    highWaterMark: SEND_PIECE_BYTES,
    read() {
      if (source === null || offset >= source.length) {
        this.push(null);
        return;
      }
      const end = Math.min(offset + SEND_PIECE_BYTES, source.length);
      this.push(Buffer.from(source.subarray(offset, end)));
      offset = end;
    },
    destroy(err, callback) {
      source = null;
      abandoned.unregister(stream);
      release();
      callback(err);
    },
  });
  abandoned.register(stream, release, stream);
  return stream;
}

/**
 * A kept body's stream that a caller dropped without reading or destroying it (an error path
 * between a read and its use) gives its share back when it is collected, so a leak costs the
 * budget for a while, never for good.
 */
const abandoned = new FinalizationRegistry<() => void>((release) => release());

/** What identifies one version's bytes: two reads with equal validators return the same body (with the keeping rule above). */
function validators(info: ObjectInfo): string {
  return `${info.etag}\0${info.lastModified.getTime()}\0${info.size}\0${info.versionId ?? ''}`;
}
