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

/** Stored bytes accepted while batches are being opened: about two of the fs store's 512 KiB reads. */
const READ_AHEAD_BYTES = 1024 * 1024;
/**
 * Batches opened at once. Two: while one is on the thread pool the next stored chunk is already
 * being opened beside it, so a single stream is not held to one pool round trip per chunk
 * (docs/encryption.md#speed). Their plaintext is passed on in order. For a reader that stops, this
 * bounds what is held: READ_AHEAD_BYTES of stored bytes, and the plaintext of two batches beyond
 * the readable side's highWaterMark. A chunk written in must not be reused by its writer: the
 * thread pool may still read it after its write callback.
 */
const BATCHES_IN_FLIGHT = 2;

interface Job {
  batch: Batch;
  opened: boolean;
  err: Error | null;
}

export class OpenStream extends Transform {
  private readonly planner: BatchPlanner;
  /** Batches being opened, oldest first. */
  private readonly jobs: Job[] = [];
  /** The write callback held back while BATCHES_IN_FLIGHT batches are open. */
  private held: TransformCallback | null = null;
  /** The flush callback, held back until the last batch is passed on. */
  private flushing: TransformCallback | null = null;

  constructor(
    private readonly dataKey: Buffer,
    pieces: readonly Piece[],
  ) {
    // Room for the next stored chunks while batches are opened, so reading and opening overlap.
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
    const job: Job = { batch, opened: false, err: null };
    this.jobs.push(job);
    // A small batch is opened right here, its callback run before openBatch returns.
    openBatch(this.dataKey, batch, (err) => {
      job.opened = true;
      job.err = err;
      this.passOn();
    });
    if (this.destroyed) return;
    if (this.jobs.length < BATCHES_IN_FLIGHT) done();
    else this.held = done;
  }

  override _flush(done: TransformCallback): void {
    this.flushing = done;
    this.passOn();
  }

  /** Pushes the plaintext of every opened batch at the head of the queue, then lets the next chunk in. */
  private passOn(): void {
    if (this.destroyed) return;
    while (this.jobs.length > 0 && this.jobs[0]!.opened) {
      const job = this.jobs.shift()!;
      if (job.err !== null) {
        this.destroy(job.err);
        return;
      }
      for (const plain of keptOutput(job.batch)) this.push(plain);
    }
    // A consumer may have destroyed the stream from its 'data' handler.
    if (this.destroyed) return;
    if (this.held !== null && this.jobs.length < BATCHES_IN_FLIGHT) {
      const done = this.held;
      this.held = null;
      done();
    }
    if (this.flushing !== null && this.jobs.length === 0) {
      const done = this.flushing;
      this.flushing = null;
      done(this.planner.complete ? null : layoutMismatch());
    }
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
