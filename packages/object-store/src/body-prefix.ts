/**
 * Reading the start of a request body to decide how to store it (inline or
 * as a data file) without losing what was read.
 */
import { Readable } from 'node:stream';
import { StoreError } from './types.js';

export function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new StoreError('InternalError', 'Object bodies must be byte streams');
}

/** Reads `body` until it ends or more than `limit` bytes arrived. */
export async function readPrefix(body: Readable, limit: number): Promise<{ chunks: Buffer[]; bytes: number; done: boolean; iterator: AsyncIterator<unknown> }> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done === true) return { chunks, bytes, done: true, iterator };
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    bytes += chunk.length;
    if (bytes > limit) return { chunks, bytes, done: false, iterator };
  }
}

/** The chunks already read, then the rest of the body; closing early destroys the body. */
export async function* resume(chunks: Buffer[], iterator: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  let finished = false;
  try {
    yield* chunks;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) {
        finished = true;
        return;
      }
      yield toBuffer(next.value);
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}

/** One byte stream of `first` (a stream or chunks) then `second`; destroying it destroys both. */
export function concatStreams(first: Readable | Buffer[], second: Readable): Readable {
  async function* both(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of first) yield toBuffer(chunk);
      for await (const chunk of second) yield toBuffer(chunk);
    } finally {
      if (!Array.isArray(first)) first.destroy();
      second.destroy();
    }
  }
  return Readable.from(both(), { objectMode: false });
}
