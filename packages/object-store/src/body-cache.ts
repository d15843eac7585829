/**
 * A byte-bounded LRU of small object bodies, keyed by data file path.
 *
 * Data files are immutable and their names are never reused (a new version
 * gets a new file), so an entry can never be stale: a write makes the old
 * entry unreachable and deleting the file drops it. Hot GETs of small objects
 * then do no disk I/O.
 */
export class BodyCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number,
  ) {}

  get(path: string): Buffer | undefined {
    const buf = this.entries.get(path);
    if (buf !== undefined) {
      // Map keeps insertion order: re-insert to mark as most recently used.
      this.entries.delete(path);
      this.entries.set(path, buf);
    }
    return buf;
  }

  set(path: string, buf: Buffer): void {
    if (buf.length > this.maxEntryBytes || buf.length > this.maxBytes) return;
    // A small Buffer is often a view into a shared 8 KiB pool slab (or a larger
    // file buffer): keep a standalone copy so the byte bound is the real one.
    if (buf.buffer.byteLength > 2 * buf.length) buf = Buffer.from(Uint8Array.prototype.slice.call(buf).buffer);
    this.delete(path);
    this.entries.set(path, buf);
    this.bytes += buf.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.length;
    }
  }

  delete(path: string): void {
    const buf = this.entries.get(path);
    if (buf === undefined) return;
    this.entries.delete(path);
    this.bytes -= buf.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.bytes;
  }
}
