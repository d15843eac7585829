/**
 * The .torrent file of GetObjectTorrent: a BitTorrent metainfo dictionary
 * (https://www.bittorrent.org/beps/bep_0003.html) bencoded, describing the object as one file
 * in 256 KiB pieces, the piece size S3 uses. bucketfront runs no tracker, so instead of
 * S3's `announce` the file names the object's own URL as a web seed (`url-list`,
 * https://www.bittorrent.org/beps/bep_0019.html): a client downloads from the origin over
 * HTTP and can share the pieces with its peers.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export const TORRENT_PIECE_LENGTH = 256 * 1024;

export type Bencodable = number | string | Buffer | Bencodable[] | { [key: string]: Bencodable };

/** Bencodes a value; dictionary keys are sorted as raw byte strings, as BEP 3 requires. */
export function bencode(value: Bencodable): Buffer {
  const out: Buffer[] = [];
  const put = (v: Bencodable): void => {
    if (typeof v === 'number') {
      out.push(Buffer.from(`i${Math.trunc(v)}e`));
    } else if (typeof v === 'string' || Buffer.isBuffer(v)) {
      const bytes = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      out.push(Buffer.from(`${bytes.length}:`), bytes);
    } else if (Array.isArray(v)) {
      out.push(Buffer.from('l'));
      v.forEach(put);
      out.push(Buffer.from('e'));
    } else {
      out.push(Buffer.from('d'));
      const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      for (const k of keys) {
        put(k);
        put(v[k]!);
      }
      out.push(Buffer.from('e'));
    }
  };
  put(value);
  return Buffer.concat(out);
}

/** The concatenated SHA-1 digests of the body's pieces, read as it streams (never whole in memory). */
export async function pieceHashes(body: Readable, pieceLength = TORRENT_PIECE_LENGTH): Promise<{ pieces: Buffer; length: number }> {
  const digests: Buffer[] = [];
  let piece = createHash('sha1');
  let inPiece = 0;
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(pieceLength - inPiece, chunk.length - at);
      piece.update(chunk.subarray(at, at + take));
      inPiece += take;
      at += take;
      if (inPiece === pieceLength) {
        digests.push(piece.digest());
        piece = createHash('sha1');
        inPiece = 0;
      }
    }
    length += chunk.length;
  }
  if (inPiece > 0 || length === 0) digests.push(piece.digest());
  return { pieces: Buffer.concat(digests), length };
}

/** The metainfo for one object. `name` is the key's last segment (a file name); the key itself rides in `x-amz-key`, as S3's files carry it. */
export function objectTorrent(opts: { bucket: string; key: string; url: string; pieces: Buffer; length: number }): Buffer {
  const name =
    opts.key
      .split('/')
      .filter((s) => s !== '')
      .pop() ?? opts.key;
  return bencode({
    info: {
      length: opts.length,
      name,
      'piece length': TORRENT_PIECE_LENGTH,
      pieces: opts.pieces,
      'x-amz-bucket': opts.bucket,
      'x-amz-key': opts.key,
    },
    'url-list': [opts.url],
  });
}
