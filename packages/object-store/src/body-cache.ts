/**
 * A byte-bounded LRU of small object bodies.
 *
 * The fs store keys it by data file path: data files are immutable and their
 * names are never reused (a new version gets a new file), so an entry can
 * never be stale: a write makes the old entry unreachable and deleting the
 * file drops it. Hot GETs of small objects then do no disk I/O.
 *
 * The s3 store keys it by object and gives each entry a `tag` (the validators
 * of the version it holds): an entry is used only after the backend confirmed
 * that tag (s3-store/object-cache.ts).
 */
interface Entry {
  readonly buf: Buffer;
  readonly tag: string | undefined;
}

export class BodyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
  ) {}

  /** The body under `key`; with `tag`, only if it was stored with that same tag. */
  get(key: string, tag?: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || (tag !== undefined && entry.tag !== tag)) return undefined;
    // Map keeps insertion order: re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.buf;
  }

  /** The tag `key`'s body was stored with, if there is one (does not count as a use). */
  tagOf(key: string): string | undefined {
    return this.entries.get(key)?.tag;
  }

  set(key: string, buf: Buffer, tag?: string): void {
    if (buf.length > this.maxEntryBytes || buf.length > this.maxBytes) return;
    // A small Buffer is often a view into a shared 8 KiB pool slab (or a larger
    // file buffer): keep a standalone copy so the byte bound is the real one.
    if (buf.buffer.byteLength > 2 * buf.length) buf = Buffer.from(Uint8Array.prototype.slice.call(buf).buffer);
    this.delete(key);
    this.entries.set(key, { buf, tag });
    this.bytes += buf.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.buf.length;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.buf.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bytes;
  }
}
