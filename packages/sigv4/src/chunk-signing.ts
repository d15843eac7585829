/**
 * Chunk and trailer signatures of aws-chunked bodies.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 */
import { EMPTY_SHA256, sha256Hex } from './canonical.js';
import { signHex } from './signing-key.js';

export function chunkStringToSign(amzDate: string, scope: string, previousSignature: string, chunkSha256Hex: string): string {
  return `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previousSignature}\n${EMPTY_SHA256}\n${chunkSha256Hex}`;
}

export function trailerStringToSign(amzDate: string, scope: string, previousSignature: string, trailerSha256Hex: string): string {
  return `AWS4-HMAC-SHA256-TRAILER\n${amzDate}\n${scope}\n${previousSignature}\n${trailerSha256Hex}`;
}

/** The trailing headers as signed: `name:value\n` each, in the order sent. */
export function canonicalTrailer(trailers: Array<[string, string]>): string {
  return trailers.map(([n, v]) => `${n.toLowerCase()}:${v.trim()}\n`).join('');
}

export interface ChunkSigningKey {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  seedSignature: string;
}

export interface EncodeChunkedOptions {
  /** signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]); omit for STREAMING-UNSIGNED-PAYLOAD-TRAILER */
  signing?: ChunkSigningKey;
  /** trailing headers, e.g. [['x-amz-checksum-crc32', 'AAAAAA==']] */
  trailers?: Array<[string, string]>;
}

/**
 * Encodes an aws-chunked body from the given chunks (each becomes one frame;
 * a zero-length final frame is appended). Used by tests and our own uploads.
 */
export function encodeAwsChunked(chunks: Uint8Array[], opts: EncodeChunkedOptions = {}): Buffer {
  const out: Buffer[] = [];
  const crlf = Buffer.from('\r\n');
  let previous = opts.signing?.seedSignature ?? '';
  const frame = (data: Uint8Array): void => {
    let header = data.length.toString(16);
    if (opts.signing) {
      const s = opts.signing;
      previous = signHex(s.signingKey, chunkStringToSign(s.amzDate, s.scope, previous, sha256Hex(data)));
      header += `;chunk-signature=${previous}`;
    }
    out.push(Buffer.from(header + '\r\n'));
    if (data.length > 0) {
      out.push(Buffer.from(data.buffer, data.byteOffset, data.length));
      out.push(crlf);
    }
  };
  for (const c of chunks) if (c.length > 0) frame(c);
  frame(new Uint8Array(0));
  if (opts.trailers) {
    const text = canonicalTrailer(opts.trailers);
    for (const [n, v] of opts.trailers) out.push(Buffer.from(`${n}:${v}\r\n`));
    if (opts.signing) {
      const s = opts.signing;
      const sig = signHex(s.signingKey, trailerStringToSign(s.amzDate, s.scope, previous, sha256Hex(text)));
      out.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
    }
  }
  out.push(crlf);
  return Buffer.concat(out);
}
