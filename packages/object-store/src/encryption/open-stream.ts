/**
 * Sealed bytes → plaintext (format.ts), streaming. The caller fetches a contiguous stretch of
 * the stored object and describes what it holds, piece by piece (open-segment.ts); the segments
 * each incoming chunk completes are opened as one batch (segment-batch.ts), and every segment's
 * tag is checked before any of its bytes are passed on, so a flipped bit is an error, never wrong
 * bytes.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { type Piece, layoutMismatch } from './open-segment.js';
import { type Batch, BatchPlanner, keptOutput, openBatch } from './segment-batch.js';

/** Stored bytes accepted while a batch is being opened: about two of the fs store's 512 KiB reads. */
const READ_AHEAD_BYTES = 1024 * 1024;

export class OpenStream extends Transform {
  private readonly planner: BatchPlanner;

  constructor(
    private readonly dataKey: Buffer,
    pieces: readonly Piece[],
  ) {
    // Room for the next stored chunk while one is opened, so reading and opening overlap.
    super({ writableHighWaterMark: READ_AHEAD_BYTES });
    this.planner = new BatchPlanner(pieces);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.planner.add(chunk);
    let batch: Batch | null;
    try {
      batch = this.planner.take();
    } catch (err) {
      done(err as Error);
      return;
    }
    if (batch === null) {
      done();
      return;
    }
    const opened = batch;
    // One batch in flight: the next chunk waits (backpressure) while this one is opened.
    openBatch(this.dataKey, opened, (err) => {
      if (this.destroyed) return;
      if (err !== null) {
        done(err);
        return;
      }
      for (const plain of keptOutput(opened)) this.push(plain);
      done();
    });
  }

  override _flush(done: TransformCallback): void {
    if (!this.planner.complete) done(layoutMismatch());
    else done();
  }
}

/** Decrypts a whole stored stretch held in memory; a large one on the thread pool. */
export function openBuffer(dataKey: Buffer, pieces: readonly Piece[], sealed: Buffer): Promise<Buffer> {
  const planner = new BatchPlanner(pieces);
  planner.add(sealed);
  let batch: Batch | null;
  try {
    batch = planner.take();
    if (!planner.complete) throw layoutMismatch();
  } catch (err) {
    return Promise.reject(err);
  }
  if (batch === null) return Promise.resolve(Buffer.alloc(0));
  const opened = batch;
  return new Promise((resolve, reject) =>
    openBatch(dataKey, opened, (err) => {
      if (err !== null) return reject(err);
      const kept = keptOutput(opened);
      resolve(kept.length === 1 ? kept[0]! : Buffer.concat(kept));
    }),
  );
}
