/** GetObject results over bytes already in memory (shared by the drivers). */
import type { Readable } from 'node:stream';
import { bufferStream } from './segment-reader.js';
import type { GetObjectResult, ObjectInfo } from './types.js';

/** A GetObject result whose body stream is only built if someone asks for it. */
export function lazyBodyResult(info: ObjectInfo, buffer: Buffer): GetObjectResult {
  let body: Readable | undefined;
  return {
    info,
    buffer,
    get body(): Readable {
      body ??= bufferStream(buffer);
      return body;
    },
  };
}
