/**
 * Opening many sealed segments at once: the pieces of a read plan (open-stream.ts) that the stored
 * bytes at hand complete are gathered into one batch, opened into one output buffer, natively on
 * the thread pool when the addon is built (native-gcm.ts), else segment by segment with
 * node:crypto. Every segment of a batch is authenticated before any of its output is used.
 */
import { HEADER_BYTES, IV_BYTES, TAG_BYTES } from './format.js';
import { nativeGcm } from './native-gcm.js';
import { type Piece, SealBroken, openSegment, parseUnitHeader } from './open-segment.js';

/** Fields per segment in a batch's layout (native/open-segments.c). */
const FIELDS = 6;
/**
 * From this much plaintext up a batch is opened on the thread pool, beside the event loop: a 512 KiB
 * read of the fs store (7-8 segments) goes there. Smaller ones are opened in place: a hand-off to
 * the pool and back took ~200 µs on the 2-vCPU VM measured (docs/encryption.md#speed), more than
 * opening 256 KiB (~60 µs).
 */
const THREAD_POOL_MIN_BYTES = 256 * 1024;

export interface Batch {
  /** The stored bytes the segments lie in; layout offsets run across them as if joined. */
  inputs: Buffer[];
  /** FIELDS per segment: input offset, sealed length, index, last, output offset, IV slot. */
  layout: Uint32Array;
  /** IV bases, IV_BYTES each, addressed by slot. */
  ivs: Buffer;
  output: Buffer;
  /** Output regions [from, to) to pass on, in order, adjacent ones merged. */
  keep: Array<[number, number]>;
}

/**
 * Stored bytes arriving in chunks, and the read plan's pieces they hold. `take()` returns the
 * segments the bytes so far complete as one batch (null when none), consuming their bytes.
 */
export class BatchPlanner {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private at = 0;
  private ivBase: Buffer | null = null;

  constructor(private readonly pieces: readonly Piece[]) {}

  add(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** True when every piece has been taken and no stored byte is left over. */
  get complete(): boolean {
    this.skipIvPieces();
    return this.at === this.pieces.length && this.buffered === 0;
  }

  take(): Batch | null {
    const layout: number[] = [];
    const ivs: Buffer[] = [];
    const keep: Array<[number, number]> = [];
    let offset = 0;
    let outSize = 0;
    for (this.skipIvPieces(); this.at < this.pieces.length; this.skipIvPieces()) {
      const p = this.pieces[this.at]!;
      if (p.kind === 'header') {
        if (this.buffered - offset < HEADER_BYTES) break;
        this.ivBase = parseUnitHeader(this.peek(offset, HEADER_BYTES));
        offset += HEADER_BYTES;
      } else if (p.kind === 'segment') {
        if (this.buffered - offset < p.length) break;
        if (this.ivBase === null) throw new SealBroken('segment without a unit header');
        if (p.length < TAG_BYTES) throw new SealBroken(`segment ${p.index} is truncated`);
        // The layout is 32-bit (native/open-segments.c), as are segment indices in the IV and AAD.
        if (p.index > 0xffffffff || this.ivBase.length !== IV_BYTES) throw new SealBroken(`segment ${p.index} cannot be opened (index or IV base out of range)`);
        if (ivs.at(-1) !== this.ivBase) ivs.push(this.ivBase);
        layout.push(offset, p.length, p.index, p.last ? 1 : 0, outSize, ivs.length - 1);
        if (p.keepTo > p.keepFrom) {
          const last = keep.at(-1);
          if (last !== undefined && last[1] === outSize + p.keepFrom) last[1] = outSize + p.keepTo;
          else keep.push([outSize + p.keepFrom, outSize + p.keepTo]);
        }
        outSize += p.length - TAG_BYTES;
        offset += p.length;
      }
      this.at++;
    }
    if (offset === 0) return null;
    const inputs = this.consume(offset);
    if (layout.length === 0) return null;
    return { inputs, layout: Uint32Array.from(layout), ivs: Buffer.concat(ivs), output: Buffer.allocUnsafeSlow(outSize), keep };
  }

  private skipIvPieces(): void {
    while (this.at < this.pieces.length) {
      const p = this.pieces[this.at]!;
      if (p.kind !== 'iv') return;
      this.ivBase = p.ivBase;
      this.at++;
    }
  }

  /** A copy of `n` buffered bytes from `offset`. */
  private peek(offset: number, n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const c of this.chunks) {
      if (offset >= c.length) {
        offset -= c.length;
        continue;
      }
      filled += c.copy(out, filled, offset, Math.min(c.length, offset + n - filled));
      offset = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Drops the first `n` buffered bytes; returns the chunks that held them (the last one may hold more). */
  private consume(n: number): Buffer[] {
    const used: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      used.push(c);
      if (c.length <= left) {
        this.chunks.shift();
        left -= c.length;
      } else {
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return used;
  }
}

/** Anything but -1 is a failure: a segment's position, or (never expected) no answer at all. */
function failure(batch: Batch, failedAt: number): SealBroken {
  const index = Number.isInteger(failedAt) && failedAt >= 0 ? batch.layout[failedAt * FIELDS + 2] : 'of the batch';
  return new SealBroken(`segment ${index} failed authentication (stored bytes changed, or the wrong key)`);
}

/** node:crypto, one segment at a time: the fallback when the addon is not built. */
export function openWithNodeCrypto(dataKey: Buffer, batch: Batch): void {
  const joined = batch.inputs.length === 1 ? batch.inputs[0]! : Buffer.concat(batch.inputs);
  for (let f = 0; f < batch.layout.length; f += FIELDS) {
    const [offset, length, index, last, outAt, slot] = batch.layout.subarray(f, f + FIELDS) as unknown as number[];
    const ivBase = batch.ivs.subarray(slot! * IV_BYTES, (slot! + 1) * IV_BYTES);
    openSegment(dataKey, ivBase, index!, last === 1, joined.subarray(offset!, offset! + length!)).copy(batch.output, outAt!);
  }
}

/** Opens a batch on the calling thread; throws SealBroken when a segment fails authentication. */
function openBatchSync(dataKey: Buffer, batch: Batch): void {
  if (nativeGcm === null) return openWithNodeCrypto(dataKey, batch);
  const failedAt = nativeGcm.openSegments(dataKey, batch.ivs, batch.inputs, batch.layout, batch.output);
  if (failedAt !== -1) throw failure(batch, failedAt);
}

/** Opens a batch, on the thread pool when it is large enough to be worth it. */
export function openBatch(dataKey: Buffer, batch: Batch, done: (err: Error | null) => void): void {
  if (nativeGcm === null || batch.output.length < THREAD_POOL_MIN_BYTES) {
    try {
      openBatchSync(dataKey, batch);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null);
    return;
  }
  try {
    nativeGcm.openSegments(dataKey, batch.ivs, batch.inputs, batch.layout, batch.output, (err, failedAt) => {
      done(err ?? (failedAt !== -1 ? failure(batch, failedAt) : null));
    });
  } catch (err) {
    // Not queued (a bad layout, or no memory): the callback will never run.
    done(err as Error);
  }
}

/** The plaintext a batch passes on: its kept output regions. */
export function keptOutput(batch: Batch): Buffer[] {
  return batch.keep.map(([from, to]) => (from === 0 && to === batch.output.length ? batch.output : batch.output.subarray(from, to)));
}
