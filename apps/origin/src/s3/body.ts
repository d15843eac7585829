/**
 * Request bodies: decoded and verified by the sigv4 payload decoder
 * (aws-chunked, chunk signatures, x-amz-checksum-*, Content-MD5, sha256).
 */
import { createPayloadDecoder, PayloadError, type PayloadDecoder } from '@bucketfront/sigv4';
import { S3Error, type S3ErrorCode } from '@bucketfront/s3-protocol';
import type { S3Context } from './context.js';

export interface OpenedBody {
  stream: PayloadDecoder;
  /** The decoder's own failure, which explains a store failure better than the store can. */
  failure(): PayloadError | undefined;
}

/** Declared decoded length (x-amz-decoded-content-length for aws-chunked, else Content-Length), if any. */
export function declaredLength(ctx: S3Context): number | undefined {
  const h = ctx.req.headers;
  const raw = (h['x-amz-decoded-content-length'] as string | undefined) ?? h['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

export function openBody(ctx: S3Context): OpenedBody {
  const { req, res } = ctx;
  if (ctx.expectContinue && !res.headersSent) res.writeContinue();
  const stream = createPayloadDecoder(ctx.auth, req.headers);
  let failure: PayloadError | undefined;
  stream.on('error', (err) => {
    if (err instanceof PayloadError) failure ??= err;
  });
  stream.on('end', () => {
    ctx.bytesIn = stream.decodedLength;
  });
  req.on('aborted', () => stream.destroy(new PayloadError('IncompleteBody', 400, 'The request body terminated unexpectedly')));
  req.on('error', (err) => stream.destroy(err));
  req.pipe(stream);
  return { stream, failure: () => failure };
}

/** Runs `use(stream)`; a payload failure (bad signature, checksum…) wins over the consumer's error. */
export async function withBody<T>(ctx: S3Context, use: (body: PayloadDecoder) => Promise<T>): Promise<T> {
  const body = openBody(ctx);
  try {
    return await use(body.stream);
  } catch (err) {
    throw body.failure() ?? err;
  } finally {
    if (!body.stream.destroyed && !body.stream.readableEnded) body.stream.destroy();
  }
}

/**
 * Reads a small document body (XML, JSON) into memory, refusing more than
 * `maxBytes` (declared or actual) with `tooLarge`.
 */
export async function readSmallBody(ctx: S3Context, maxBytes: number, tooLarge: S3Error | S3ErrorCode = 'MalformedXML'): Promise<Buffer | S3Error> {
  const err = (): S3Error => (typeof tooLarge === 'string' ? new S3Error(tooLarge) : tooLarge);
  const declared = declaredLength(ctx);
  if (declared !== undefined && declared > maxBytes) return err();
  if (declared === 0 && ctx.req.headers['transfer-encoding'] === undefined) return Buffer.alloc(0);
  return withBody(ctx, async (stream) => {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        stream.destroy();
        return err();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, total);
  });
}
