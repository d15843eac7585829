/**
 * A Writable that appends to a new file while computing its MD5, with no
 * extra copy or Transform stage: chunks queued while a write is in flight
 * are written together with writev(2). `finish` means written AND fsynced.
 */
import { createHash, type Hash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { StoreError } from './types.js';

/** Large buffer: few syscalls, and the socket keeps flowing while a write is in flight. */
const HIGH_WATER_MARK = 4 * 1024 * 1024;
/**
 * Start writeback every this many bytes (an fdatasync in the thread pool, not
 * awaited), so the disk works while the body is still arriving instead of
 * flushing everything in the final fsync.
 */
const EARLY_FLUSH_BYTES = 32 * 1024 * 1024;

export class HashingFileWriter extends Writable {
  readonly md5: Hash = createHash('md5');
  bytes = 0;
  private fh: FileHandle | undefined;
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;

  /** `maxBytes`: fail with `tooLarge` as soon as more arrives (EntityTooLarge / IncompleteBody). */
  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly tooLarge: () => StoreError,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK, decodeStrings: true });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    fsp.open(this.path, 'wx', 0o644).then(
      (fh) => {
        this.fh = fh;
        callback();
      },
      (err: Error) => callback(err),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    for (const b of buffers) {
      this.bytes += b.length;
      if (this.bytes > this.maxBytes) throw this.tooLarge();
      this.md5.update(b);
    }
    let pending = buffers;
    while (pending.length > 0) {
      const { bytesWritten } = await this.fh!.writev(pending);
      pending = dropBytes(pending, bytesWritten);
    }
    if (this.bytes - this.flushedAt >= EARLY_FLUSH_BYTES && this.flushing === undefined) {
      this.flushedAt = this.bytes;
      const flush = this.fh!.datasync().finally(() => {
        if (this.flushing === flush) this.flushing = undefined;
      });
      flush.catch(() => {}); // errors resurface in the final fsync
      this.flushing = flush;
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    const fh = this.fh!;
    Promise.resolve(this.flushing)
      .catch(() => {})
      .then(() => fh.sync())
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fh = this.fh;
    this.fh = undefined;
    if (fh === undefined) return callback(error);
    fh.close().then(
      () => callback(error),
      (closeErr: Error) => callback(error ?? closeErr),
    );
  }
}

/** What remains of `buffers` after a short write of `n` bytes. */
function dropBytes(buffers: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < buffers.length && n >= buffers[i]!.length) n -= buffers[i++]!.length;
  if (i === buffers.length) return [];
  const rest = buffers.slice(i);
  rest[0] = rest[0]!.subarray(n);
  return rest;
}
