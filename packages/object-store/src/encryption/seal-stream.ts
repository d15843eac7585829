/**
 * Plaintext → one sealed unit (format.ts), streaming: memory stays at one segment whatever the
 * object's size. The segment before the end of input is held back until the next byte (or the
 * end) shows whether it is the last one, since that flag is authenticated.
 */
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HEADER_BYTES, MAGIC, SEGMENT_BYTES, segmentAad, segmentIv } from './format.js';

export function unitHeader(ivBase: Buffer): Buffer {
  const h = Buffer.allocUnsafe(HEADER_BYTES);
  MAGIC.copy(h, 0);
  ivBase.copy(h, MAGIC.length);
  return h;
}

/** One sealed segment as [ciphertext, tag] (two buffers: no copy to join them). */
export function sealSegment(dataKey: Buffer, ivBase: Buffer, index: number, last: boolean, plain: Buffer): [Buffer, Buffer] {
  const cipher = createCipheriv('aes-256-gcm', dataKey, segmentIv(ivBase, index));
  cipher.setAAD(segmentAad(index, last));
  const body = cipher.update(plain);
  cipher.final();
  return [body, cipher.getAuthTag()];
}

export class SealStream extends Transform {
  /** MD5 of the plaintext, once the stream has ended (the S3 ETag of a single PUT). */
  md5?: Buffer;
  /** Plaintext bytes seen. */
  plainBytes = 0;
  private readonly hash: Hash = createHash('md5');
  private pending: Buffer = Buffer.allocUnsafe(SEGMENT_BYTES);
  private filled = 0;
  private index = 0;
  /** A full segment held back until we know whether more input follows. */
  private held: Buffer | null = null;
  private spare: Buffer | null = null;

  constructor(
    private readonly dataKey: Buffer,
    private readonly ivBase: Buffer,
    /** Called with the plaintext MD5 before the last segment goes out; an error it returns fails the stream. */
    private readonly onEnd: (md5: Buffer) => Error | null = () => null,
  ) {
    super();
    this.push(unitHeader(ivBase));
  }

  private pushSealed(last: boolean, plain: Buffer): void {
    const [body, tag] = sealSegment(this.dataKey, this.ivBase, this.index++, last, plain);
    if (body.length > 0) this.push(body);
    this.push(tag);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.plainBytes += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (this.held !== null) {
        this.pushSealed(false, this.held);
        // The cipher has consumed it: its memory holds the next segment.
        this.spare = this.held;
        this.held = null;
      }
      const n = Math.min(SEGMENT_BYTES - this.filled, chunk.length - at);
      chunk.copy(this.pending, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === SEGMENT_BYTES) {
        this.held = this.pending;
        this.pending = this.spare ?? Buffer.allocUnsafe(SEGMENT_BYTES);
        this.spare = null;
        this.filled = 0;
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    this.md5 = this.hash.digest();
    const refused = this.onEnd(this.md5);
    if (refused !== null) {
      done(refused);
      return;
    }
    if (this.held !== null && this.filled === 0) {
      this.pushSealed(true, this.held);
    } else {
      if (this.held !== null) this.pushSealed(false, this.held);
      this.pushSealed(true, this.pending.subarray(0, this.filled));
    }
    this.held = null;
    done();
  }
}
