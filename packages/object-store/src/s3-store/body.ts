/**
 * Request bodies on their way to the backend: exact lengths, bounded memory.
 *
 * - {@link LengthGuard} passes a body through while counting it. The chunk
 *   that completes the declared length is held back until the source has
 *   ended, so a body that turns out longer is refused before the backend has
 *   received its last byte (the backend request is then destroyed and stores
 *   nothing); a body that ends short fails the same way. Both are IncompleteBody.
 * - {@link withLength} gives a body of unknown length (chunked upload without
 *   a decoded length) a length: up to {@link SMALL_BODY_BYTES} it is read into
 *   memory; a longer one is spooled to a temp file, then sent from there.
 *   (A backend multipart upload would avoid the local disk but changes the
 *   ETag to the `-N` form, which clients do not expect from a PutObject.)
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readPrefix, resume, toBuffer } from '../body-prefix.js';
import { asStoreError } from '../durable-fs.js';
import { StoreError } from '../types.js';

/** Bodies of unknown length up to this size are buffered instead of spooled. */
export const SMALL_BODY_BYTES = 1024 * 1024;

export function incompleteBody(longer: boolean): StoreError {
  return new StoreError(
    'IncompleteBody',
    longer ? 'The request body is longer than the declared Content-Length.' : 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  );
}

export class LengthGuard extends Transform {
  bytes = 0;
  private held: Buffer | undefined;

  constructor(private readonly expected: number) {
    super();
  }

  override _transform(chunk: unknown, _enc: BufferEncoding, cb: TransformCallback): void {
    let buf: Buffer;
    try {
      buf = toBuffer(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    if (buf.length === 0) {
      cb();
      return;
    }
    this.bytes += buf.length;
    if (this.bytes > this.expected) {
      cb(incompleteBody(true));
      return;
    }
    if (this.bytes === this.expected) {
      this.held = buf; // the last chunk waits for the end of the source
      cb();
      return;
    }
    cb(null, buf);
  }

  override _flush(cb: TransformCallback): void {
    if (this.bytes !== this.expected) {
      cb(incompleteBody(false));
      return;
    }
    const last = this.held;
    this.held = undefined;
    cb(null, last);
  }
}

/** A body with a known length; `cleanup` removes a spool file (call it once the body was sent or abandoned). */
export interface SizedBody {
  length: number;
  /** Set when the whole body is in memory. */
  buffer?: Buffer;
  /** Set otherwise. */
  stream?: Readable;
  cleanup(): Promise<void>;
}

const noop = async (): Promise<void> => {};

/** `body` as is when its length is declared, else buffered (small) or spooled to `spoolDir`. */
export async function withLength(body: Readable, expectedSize: number | undefined, spoolDir?: string): Promise<SizedBody> {
  if (expectedSize !== undefined) return { length: expectedSize, stream: body, cleanup: noop };
  const head = await readPrefix(body, SMALL_BODY_BYTES);
  if (head.done) {
    const buffer = Buffer.concat(head.chunks, head.bytes);
    return { length: buffer.length, buffer, cleanup: noop };
  }
  // os.tmpdir() only now: it makes a few system calls each time (not worth it per PUT).
  const path = join(spoolDir ?? tmpdir(), `bucketfront-spool-${randomUUID()}`);
  const cleanup = (): Promise<void> => fsp.rm(path, { force: true }).catch(() => {});
  try {
    await pipeline(Readable.from(resume(head.chunks, head.iterator), { objectMode: false }), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    const { size } = await fsp.stat(path);
    return { length: size, stream: createReadStream(path, { highWaterMark: 256 * 1024 }), cleanup };
  } catch (err) {
    await cleanup();
    throw asStoreError(err); // a full spool disk is InsufficientStorage; the source's own errors pass through
  }
}
