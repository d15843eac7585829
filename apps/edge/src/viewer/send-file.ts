/**
 * A large shared-tier body sent from its open file (store/body-files.ts BodyFile) in chunks, instead
 * of being read whole into a new buffer per hit: a 5 MiB hit otherwise costs a 5 MiB allocation
 * (page faults, garbage collection) and holds the whole body until the socket took it, so 64 viewers
 * of a 32 MiB object would hold 2 GiB. Each chunk is a pooled buffer, read synchronously from the
 * page cache (as nginx reads files by default, `aio off`:
 * https://nginx.org/en/docs/http/ngx_http_core_module.html#aio) and reused once the socket has
 * taken it; a response holds a chunk or two at a time, whatever the object's size.
 *
 * The file is written once and never modified (body-files.ts), its length was checked when it was
 * opened and its CRC-32 once per process: a read that still comes up short (a disk error, the file
 * cut by hand) ends the connection, so the viewer sees a cut response against its Content-Length,
 * never wrong bytes.
 */
import { readSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { BufferPool } from '../store/buffer-pool.js';
import type { BodyFile } from '../store/body-files.js';

/** Bytes read and written at a time. */
export const FILE_CHUNK_BYTES = 256 * 1024;
/** Idle chunks kept per process. */
const IDLE_CHUNK_BYTES = 16 * FILE_CHUNK_BYTES;

const chunks = new BufferPool(FILE_CHUNK_BYTES, IDLE_CHUNK_BYTES);

/** Writes the file's bytes to `res` (headers already written) and ends it; the caller closes the file. */
export function sendBodyFile(res: ServerResponse, file: BodyFile): void {
  let pos = 0;
  const pump = (): void => {
    while (pos < file.length) {
      if (res.destroyed || file.closed) return;
      const want = Math.min(FILE_CHUNK_BYTES, file.length - pos);
      const buf = chunks.take(want)!;
      let got: number;
      try {
        got = readSync(file.fd, buf, 0, want, pos);
      } catch {
        got = -1;
      }
      if (got !== want) {
        chunks.give(buf);
        res.destroy();
        return;
      }
      pos += got;
      // The callback runs once the socket has handed the chunk to the kernel: it may be reused then.
      if (!res.write(buf, () => chunks.give(buf))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}
