/**
 * Request bodies: decoded and verified by the sigv4 payload decoder
 * (aws-chunked, chunk signatures, x-amz-checksum-*, Content-MD5, sha256).
 */
import { contentSha256Mismatch, createPayloadDecoder, EMPTY_SHA256, PayloadError, type PayloadDecoder, type PayloadDecoderOptions } from '@bucketfront/sigv4';
import { S3Error, type S3ErrorCode } from '@bucketfront/s3-protocol';
import { declaresBody } from '../http/respond.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { S3Context } from './context.js';

export interface OpenedBody {
  stream: PayloadDecoder;
  /** The decoder's own failure, which explains a store failure better than the store can. */
  failure(): PayloadError | undefined;
}

/** Declared decoded length (x-amz-decoded-content-length for aws-chunked, else Content-Length), if any. */
export function declaredLength(ctx: S3Context): number | undefined {
  const h = ctx.req.headers;
  return lengthOf((h['x-amz-decoded-content-length'] as string | undefined) ?? h['content-length']);
}

/** A length header's value, when it is a plain decimal number. */
function lengthOf(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * The largest body read (and hashed) for an operation that reads none. SDKs send no body with
 * GET, HEAD or DELETE; 1 MiB is far above any such request a client sends by mistake (and above
 * the largest document an S3 operation takes, e.g. a DeleteObjects list) yet keeps a signed but
 * trickled body from holding a socket for long at the minimum body rate.
 */
export const MAX_UNREAD_OPERATION_BODY = 1024 * 1024;

/**
 * S3's answer to a body larger than it accepts: MaxMessageLengthExceeded (400) "Your request was too big."
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
 */
const tooBig = (): S3Error => new S3Error('MaxMessageLengthExceeded');

/**
 * The signed payload hash holds for every operation, not only those that store a body
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html: the
 * x-amz-content-sha256 of a request without a body is the hash of the empty string).
 * Runs before every handler. Without a body (the common case, answered synchronously) the signed
 * hash must be e3b0c442…. A body sent to an operation that reads none (`readsBody` false) is read,
 * hashed and checked (`drainAndCheckPayload`) only when there is something to check — a signed
 * payload hash or a streaming-signed payload — and only up to MAX_UNREAD_OPERATION_BODY (a larger
 * declared body is refused unread). Anonymous, UNSIGNED-PAYLOAD and presigned requests are answered
 * at once; their unread body closes the connection (http/respond.ts).
 * Returns the error to answer with, if any, or 'drain' when the body must be read first.
 */
export function checkPayloadBeforeHandler(ctx: S3Context, readsBody: boolean): PayloadError | S3Error | 'drain' | undefined {
  const payload = ctx.auth.kind === 'signed' ? ctx.auth.payload : undefined;
  if (!declaresBody(ctx.req)) {
    if (payload?.kind === 'sha256' && payload.sha256Hex !== EMPTY_SHA256) return contentSha256Mismatch(payload.sha256Hex, EMPTY_SHA256);
    return undefined;
  }
  if (readsBody || (payload?.kind !== 'sha256' && payload?.kind !== 'streaming-signed')) return undefined;
  // Content-Length is the wire length; a chunked body is counted while it drains.
  if ((lengthOf(ctx.req.headers['content-length']) ?? 0) > MAX_UNREAD_OPERATION_BODY) return tooBig();
  return 'drain';
}

/**
 * Reads a body no handler will read through the payload decoder: its hash, checksums and rate are
 * checked; more than MAX_UNREAD_OPERATION_BODY bytes on the wire (a chunked body) is refused.
 */
export async function drainAndCheckPayload(ctx: S3Context): Promise<PayloadError | S3Error | undefined> {
  const body = openBody(ctx);
  let wire = 0;
  let tooLarge = false;
  const count = (chunk: Buffer): void => {
    wire += chunk.length;
    if (wire > MAX_UNREAD_OPERATION_BODY && !tooLarge) {
      tooLarge = true;
      ctx.req.unpipe(body.stream);
      body.stream.destroy();
    }
  };
  ctx.req.on('data', count);
  try {
    for await (const chunk of body.stream as AsyncIterable<Buffer>) void chunk;
  } catch (err) {
    if (tooLarge) return tooBig();
    if (err instanceof PayloadError) return err;
    throw err;
  } finally {
    ctx.req.off('data', count);
  }
  return tooLarge ? tooBig() : body.failure();
}

/**
 * A body must keep arriving: at least `minBodyRate.bytes` in every `minBodyRate.windowMs`,
 * else S3's RequestTimeout (400): "Your socket connection to the server was not read from
 * or written to within the timeout period" (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 * A trickling upload cannot hold a socket for the server's whole request timeout.
 */
function guardBodyRate(ctx: S3Context, stream: PayloadDecoder): void {
  const { bytes, windowMs } = ctx.minBodyRate;
  const req = ctx.req;
  let received = 0;
  // A window in which we paused the body (the store's backpressure) does not count against the client.
  let pausedByUs = false;
  const count = (chunk: Buffer): void => {
    received += chunk.length;
  };
  const onPause = (): void => {
    pausedByUs = true;
  };
  req.on('data', count);
  req.on('pause', onPause);
  const timer = setInterval(() => {
    if (pausedByUs || req.readableFlowing === false) {
      pausedByUs = req.readableFlowing === false;
      received = 0;
      return;
    }
    if (received < bytes && !req.complete) {
      stop();
      req.unpipe(stream);
      stream.destroy(new PayloadError('RequestTimeout', 400, REQUEST_TIMEOUT_MESSAGE));
      return;
    }
    received = 0;
  }, windowMs);
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    req.off('data', count);
    req.off('pause', onPause);
  };
  stream.once('close', stop);
  stream.once('end', stop);
  req.once('end', stop);
}

const REQUEST_TIMEOUT_MESSAGE = 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.';

export function openBody(ctx: S3Context, opts: PayloadDecoderOptions = {}): OpenedBody {
  const { req, res } = ctx;
  if (ctx.expectContinue && !res.headersSent) res.writeContinue();
  const stream = createPayloadDecoder(ctx.auth, ctx.op.op === 'CompleteMultipartUpload' ? withoutObjectChecksums(req.headers) : req.headers, opts);
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
  guardBodyRate(ctx, stream);
  return { stream, failure: () => failure };
}

/**
 * CompleteMultipartUpload's x-amz-checksum-* headers state the whole object's checksum, not its XML
 * body's (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html): the
 * handler checks them, the body decoder must not.
 */
function withoutObjectChecksums(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (!name.startsWith('x-amz-checksum-') && name !== 'x-amz-sdk-checksum-algorithm') out[name] = headers[name];
  return out;
}

/**
 * The signed hash of the body (x-amz-content-sha256) when the store has it checked where it
 * writes the body (ObjectStore.verifiesPayloadSha256: the s3 driver's backend refuses a mismatch
 * and stores nothing), so the decoder need not hash it too; for a non-empty body stored as it is
 * only (the caller rules out the rest: PutObject.ts). Undefined otherwise: the decoder checks it.
 */
export function payloadSha256ForStore(ctx: S3Context): string | undefined {
  if (ctx.store.verifiesPayloadSha256 !== true || ctx.auth.kind !== 'signed' || ctx.auth.payload.kind !== 'sha256') return undefined;
  return ctx.auth.payload.sha256Hex;
}

/** Runs `use(stream)`; a payload failure (bad signature, checksum…) wins over the consumer's error. */
export async function withBody<T>(ctx: S3Context, use: (body: PayloadDecoder) => Promise<T>, opts: PayloadDecoderOptions = {}): Promise<T> {
  const body = openBody(ctx, opts);
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
