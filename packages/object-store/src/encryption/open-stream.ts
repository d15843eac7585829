/**
 * Sealed bytes → plaintext (format.ts), streaming. The caller fetches a contiguous stretch of
 * the stored object and describes what it holds, piece by piece; every segment's tag is checked
 * before any of its bytes are passed on, so a flipped bit is an error, never wrong bytes.
 */
import { createDecipheriv } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HEADER_BYTES, MAGIC, TAG_BYTES, segmentAad, segmentIv } from './format.js';

export type Piece =
  /** A unit header: sets the IV base of the segments that follow. */
  | { kind: 'header' }
  /** The IV base of the following segments, known already (no stored bytes). */
  | { kind: 'iv'; ivBase: Buffer }
  /** One sealed segment (`length` stored bytes, tag included); plaintext [keepFrom, keepTo) is passed on. */
  | { kind: 'segment'; index: number; last: boolean; length: number; keepFrom: number; keepTo: number };

/** Thrown (as a stream error) when stored bytes fail authentication. */
export class SealBroken extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealBroken';
  }
}

export function openSegment(dataKey: Buffer, ivBase: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new SealBroken(`segment ${index} is truncated`);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, segmentIv(ivBase, index));
  decipher.setAAD(segmentAad(index, last));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    throw new SealBroken(`segment ${index} failed authentication (stored bytes changed, or the wrong key)`);
  }
  return plain;
}

export function parseUnitHeader(header: Buffer): Buffer {
  if (header.length !== HEADER_BYTES || !header.subarray(0, MAGIC.length).equals(MAGIC)) throw new SealBroken('not an encrypted unit header');
  return Buffer.from(header.subarray(MAGIC.length));
}

export class OpenStream extends Transform {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private at = 0;
  private ivBase: Buffer | null = null;

  constructor(
    private readonly dataKey: Buffer,
    private readonly pieces: readonly Piece[],
  ) {
    super();
    this.skipIvPieces();
  }

  private skipIvPieces(): void {
    while (this.at < this.pieces.length) {
      const p = this.pieces[this.at]!;
      if (p.kind !== 'iv') return;
      this.ivBase = p.ivBase;
      this.at++;
    }
  }

  private takeBytes(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // Segments opened from one incoming chunk go out as one buffer: one socket write, not one per 64 KiB.
    const out: Buffer[] = [];
    try {
      while (this.at < this.pieces.length) {
        const p = this.pieces[this.at]!;
        const need = p.kind === 'header' ? HEADER_BYTES : p.kind === 'segment' ? p.length : 0;
        if (this.buffered < need) break;
        if (p.kind === 'header') this.ivBase = parseUnitHeader(this.takeBytes(need));
        else if (p.kind === 'segment') {
          if (this.ivBase === null) throw new SealBroken('segment without a unit header');
          const plain = openSegment(this.dataKey, this.ivBase, p.index, p.last, this.takeBytes(need));
          if (p.keepTo > p.keepFrom) out.push(p.keepFrom === 0 && p.keepTo === plain.length ? plain : plain.subarray(p.keepFrom, p.keepTo));
        }
        this.at++;
        this.skipIvPieces();
      }
    } catch (err) {
      done(err as Error);
      return;
    }
    if (out.length === 1) this.push(out[0]);
    else if (out.length > 1) this.push(Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.at < this.pieces.length || this.buffered > 0) done(new SealBroken('stored object is shorter or longer than its layout says'));
    else done();
  }
}

/** Decrypts a whole stored stretch held in memory (small objects). */
export function openBuffer(dataKey: Buffer, pieces: readonly Piece[], sealed: Buffer): Buffer {
  const out: Buffer[] = [];
  let ivBase: Buffer | null = null;
  let at = 0;
  for (const p of pieces) {
    if (p.kind === 'iv') ivBase = p.ivBase;
    else if (p.kind === 'header') {
      ivBase = parseUnitHeader(sealed.subarray(at, at + HEADER_BYTES));
      at += HEADER_BYTES;
    } else {
      if (ivBase === null) throw new SealBroken('segment without a unit header');
      const plain = openSegment(dataKey, ivBase, p.index, p.last, sealed.subarray(at, at + p.length));
      at += p.length;
      out.push(plain.subarray(p.keepFrom, p.keepTo));
    }
  }
  if (at !== sealed.length) throw new SealBroken('stored object is shorter or longer than its layout says');
  return out.length === 1 ? out[0]! : Buffer.concat(out);
}
