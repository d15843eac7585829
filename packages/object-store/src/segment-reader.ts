/**
 * Streams a byte range of an object stored as one or more data files
 * (segments, e.g. the parts of a completed multipart upload) in order.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

export interface SegmentFile {
  path: string;
  size: number;
}

const READ_CHUNK = 512 * 1024;

/** `start`/`end` inclusive, within the object. `onClose` runs once when the stream closes. */
export function readSegments(segments: SegmentFile[], start: number, end: number, onClose: () => void): Readable {
  let stream: Readable;
  if (end < start) {
    stream = emptyStream();
  } else if (segments.length === 1) {
    stream = createReadStream(segments[0]!.path, { start, end, highWaterMark: READ_CHUNK });
  } else {
    stream = Readable.from(chunks(segments, start, end), { objectMode: false, highWaterMark: READ_CHUNK });
  }
  stream.once('close', onClose);
  return stream;
}

async function* chunks(segments: SegmentFile[], start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0; // object offset of the current segment
  for (const seg of segments) {
    const segEnd = offset + seg.size - 1;
    if (seg.size > 0 && segEnd >= start && offset <= end) {
      const from = Math.max(start, offset) - offset;
      const to = Math.min(end, segEnd) - offset;
      for await (const chunk of createReadStream(seg.path, { start: from, end: to, highWaterMark: READ_CHUNK })) {
        yield chunk as Buffer;
      }
    }
    offset += seg.size;
    if (offset > end) break;
  }
}

export function bufferStream(buf: Buffer): Readable {
  const r = new Readable({ read() {} });
  if (buf.length > 0) r.push(buf);
  r.push(null);
  return r;
}

function emptyStream(): Readable {
  return bufferStream(Buffer.alloc(0));
}
