/**
 * Reusable body buffers for shared-tier reads that are served once and dropped (the memory tier
 * cannot keep them). A fresh 100 KiB Buffer per hit costs page faults, cold caches on the copy to
 * the socket and garbage collections: reusing buffers measured ~1.3× more 100 KiB shared-tier hits
 * per second here (docs/edge-cache.md).
 *
 * A buffer is lent by `take` and must be given back only when nothing can read it any more: for a
 * response, after 'finish' (the socket has accepted every byte; an aborted response never gives
 * back, its buffer is left to the garbage collector). A buffer given back early would send another
 * object's bytes to a slow viewer, so `give` accepts only what `take` lent and not yet returned.
 *
 * Size classes are powers of two from 4 KiB up (a buffer is at most twice its length); idle
 * buffers are kept up to `maxIdleBytes` in all, beyond that a returned buffer is dropped.
 */
const MIN_CLASS = 4096;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  /** Lent and not yet given back (a WeakSet: a buffer never given back is simply collected). */
  private readonly lent = new WeakSet<ArrayBuffer>();

  private idleBytes = 0;

  /** maxBytes: the longest buffer lent; maxIdleBytes: the idle buffers kept. */
  constructor(
    readonly maxBytes: number,
    private readonly maxIdleBytes: number,
  ) {}

  /** A buffer of exactly `length` bytes backed by pooled memory; undefined above maxBytes. */
  take(length: number): Buffer | undefined {
    if (length > this.maxBytes) return undefined;
    const size = classOf(length);
    let ab = this.free.get(size)?.pop();
    if (ab === undefined) ab = new ArrayBuffer(size);
    else this.idleBytes -= size;
    this.lent.add(ab);
    return Buffer.from(ab, 0, length);
  }

  /** Give back a buffer from `take` (ignored for any other buffer, or one already given back). */
  give(buf: Uint8Array): void {
    const ab = buf.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.lent.has(ab)) return;
    this.lent.delete(ab);
    let list = this.free.get(ab.byteLength);
    if (list === undefined) this.free.set(ab.byteLength, (list = []));
    if (this.idleBytes + ab.byteLength > this.maxIdleBytes) return;
    list.push(ab);
    this.idleBytes += ab.byteLength;
  }
}

function classOf(length: number): number {
  let size = MIN_CLASS;
  while (size < length) size *= 2;
  return size;
}
