/**
 * Decodes and verifies a request body according to its payload mode, as a Transform
 * that emits the decoded bytes with bounded memory.
 *
 * Modes: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 * aws-chunked framing and chunk signatures: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 * Trailers: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
 *
 * Decoded bytes are pushed as they arrive (before the enclosing chunk's signature
 * is checked); every mismatch fails the stream before 'end', so a consumer that
 * commits only on 'end' never stores unverified data.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { EMPTY_SHA256, sha256Hex } from '../canonical.js';
import { canonicalTrailer, chunkStringToSign, trailerStringToSign } from '../chunk-signing.js';
import { createChecksum, isValidChecksumValue, type Checksum, type ChecksumAlgorithm } from '../checksums/index.js';
import { PayloadError } from '../errors.js';
import { payloadModeOf } from '../payload-mode.js';
import { signHex, signaturesEqual } from '../signing-key.js';
import type { PayloadMode, SigningContext, VerifyResult } from '../types.js';
import { checksumExpectation, type ChecksumExpectation } from './checksum-expectation.js';

const MAX_LINE_BYTES = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CR = 0x0d;
const LF = 0x0a;

type State = 'size-line' | 'data' | 'data-crlf' | 'final-crlf' | 'trailer' | 'done';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function malformed(what: string): PayloadError {
  return new PayloadError('InvalidRequest', 400, `Malformed aws-chunked body: ${what}`);
}

function incomplete(message = 'The request body terminated unexpectedly'): PayloadError {
  return new PayloadError('IncompleteBody', 400, message);
}

const chunkSignatureMismatch = (): PayloadError =>
  new PayloadError('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');

export interface PayloadDecoderOptions {
  /**
   * A signed hex SHA-256 (x-amz-content-sha256) is left to whoever receives the decoded body
   * (a storage backend that verifies it, refusing a mismatch before it stores anything): the
   * decoder does not hash the body again.
   */
  sha256CheckedDownstream?: boolean;
}

export class PayloadDecoder extends Transform {
  /** the client's x-amz-checksum-* after 'end' (verified), else undefined */
  checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  /** decoded bytes emitted so far (the object size after 'end') */
  decodedLength = 0;
  /** lower-case hex MD5 of the decoded body, when Content-MD5 was sent (verified) */
  md5Hex: string | undefined;

  private readonly mode: PayloadMode;
  private readonly signing: SigningContext | undefined;
  private readonly expectation: ChecksumExpectation | undefined;
  private readonly checksumHash: Checksum | undefined;
  private readonly bodySha256: Hash | undefined;
  private readonly md5: { hash: Hash; expectedBase64: string } | undefined;
  private readonly declaredLength: number | undefined;
  private failed = false;

  // aws-chunked parser state
  private state: State = 'size-line';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private chunkHash: Hash | undefined;
  private chunkSignature = '';
  private previousSignature = '';
  private crlfSeen = 0;
  private trailerBytes = 0;
  private readonly trailers: Array<[string, string]> = [];
  private trailerSignature: string | undefined;

  constructor(mode: PayloadMode, signing: SigningContext | undefined, headers: IncomingHttpHeaders, setupError?: PayloadError, opts: PayloadDecoderOptions = {}) {
    super();
    this.mode = mode;
    this.signing = signing;
    this.previousSignature = signing?.seedSignature ?? '';
    const expectation = setupError ? undefined : checksumExpectation(headers);
    let error = setupError;
    if (expectation instanceof PayloadError) error = expectation;
    else this.expectation = expectation;
    this.checksumHash = this.expectation ? createChecksum(this.expectation.algorithm) : undefined;
    this.bodySha256 = mode.kind === 'sha256' && opts.sha256CheckedDownstream !== true ? createHash('sha256') : undefined;

    const contentMd5 = header(headers, 'content-md5')?.trim();
    if (contentMd5 !== undefined) {
      if (!/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
        error ??= new PayloadError('InvalidDigest', 400, 'The Content-MD5 you specified was invalid.');
      } else this.md5 = { hash: createHash('md5'), expectedBase64: contentMd5 };
    }

    const isStreaming = mode.kind === 'streaming-signed' || mode.kind === 'streaming-unsigned-trailer';
    const decoded = header(headers, 'x-amz-decoded-content-length');
    if (isStreaming && decoded !== undefined) {
      if (!/^\d{1,16}$/.test(decoded.trim())) error ??= new PayloadError('InvalidArgument', 400, 'Invalid x-amz-decoded-content-length');
      else this.declaredLength = Number(decoded.trim());
    }
    if (mode.kind === 'streaming-signed' && !signing) {
      error ??= new PayloadError('InvalidRequest', 400, 'Signed streaming payloads require a signed request');
    }
    if (this.expectation?.fromTrailer && !(mode.kind === 'streaming-unsigned-trailer' || (mode.kind === 'streaming-signed' && mode.trailer))) {
      error ??= new PayloadError('InvalidRequest', 400, 'x-amz-trailer requires a STREAMING-…-TRAILER payload');
    }
    if (error) {
      const err = error;
      this.failed = true;
      process.nextTick(() => this.destroy(err));
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.failed) return callback();
    if (this.mode.kind === 'sha256' || this.mode.kind === 'unsigned') {
      this.emitData(chunk);
      return callback();
    }
    const error = this.parse(chunk);
    if (error) return this.fail(error, callback);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.failed) return callback();
    const error = this.finish();
    if (error) return this.fail(error, callback);
    callback();
  }

  private fail(error: PayloadError, callback: TransformCallback): void {
    this.failed = true;
    callback(error);
  }

  private emitData(data: Buffer): void {
    if (data.length === 0) return;
    this.bodySha256?.update(data);
    this.checksumHash?.update(data);
    this.md5?.hash.update(data);
    this.chunkHash?.update(data);
    this.decodedLength += data.length;
    this.push(data);
  }

  /** Consumes one incoming buffer of aws-chunked framing. */
  private parse(buf: Buffer): PayloadError | undefined {
    let off = 0;
    while (off < buf.length) {
      switch (this.state) {
        case 'size-line':
        case 'trailer': {
          const nl = buf.indexOf(LF, off);
          const end = nl < 0 ? buf.length : nl;
          const piece = buf.subarray(off, end);
          this.lineBytes += piece.length;
          if (this.state === 'trailer') this.trailerBytes += piece.length + 1;
          if (this.lineBytes > MAX_LINE_BYTES || this.trailerBytes > MAX_TRAILER_BYTES) return malformed('line too long');
          if (piece.length > 0) this.line.push(piece);
          off = nl < 0 ? buf.length : nl + 1;
          if (nl < 0) break;
          const line = this.takeLine();
          const err = this.state === 'size-line' ? this.onSizeLine(line) : this.onTrailerLine(line);
          if (err) return err;
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - off);
          this.emitData(buf.subarray(off, off + n));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            const err = this.endOfChunk();
            if (err) return err;
            this.state = 'data-crlf';
            this.crlfSeen = 0;
          }
          break;
        }
        case 'data-crlf':
        case 'final-crlf': {
          const b = buf[off++] as number;
          const expected = this.crlfSeen === 0 ? CR : LF;
          if (b === LF && this.crlfSeen === 0)
            this.crlfSeen = 1; // tolerate a bare LF
          else if (b !== expected) return malformed('expected CRLF after chunk data');
          if (++this.crlfSeen >= 2) this.state = this.state === 'data-crlf' ? 'size-line' : 'done';
          break;
        }
        case 'done': {
          // Tolerate extra line breaks some clients send after the last frame.
          for (; off < buf.length; off++) {
            const b = buf[off] as number;
            if (b !== CR && b !== LF) return malformed('data after the final chunk');
          }
          break;
        }
      }
    }
    return undefined;
  }

  private takeLine(): string {
    const text = Buffer.concat(this.line).toString('latin1');
    this.line = [];
    this.lineBytes = 0;
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  }

  private onSizeLine(line: string): PayloadError | undefined {
    const signed = this.mode.kind === 'streaming-signed';
    const m = signed ? /^([0-9a-fA-F]{1,16});chunk-signature=([0-9a-f]{64})$/.exec(line) : /^([0-9a-fA-F]{1,16})(?:;.*)?$/.exec(line);
    if (!m) return malformed(signed ? 'bad chunk header (expected hex-size;chunk-signature=…)' : 'bad chunk size line');
    const size = parseInt(m[1] as string, 16);
    if (!Number.isSafeInteger(size)) return malformed('chunk size too large');
    if (this.declaredLength !== undefined && this.decodedLength + size > this.declaredLength) {
      return incomplete('The aws-chunked body is longer than x-amz-decoded-content-length');
    }
    this.chunkSignature = m[2] ?? '';
    if (size > 0) {
      this.state = 'data';
      this.remaining = size;
      this.chunkHash = signed ? createHash('sha256') : undefined;
      return undefined;
    }
    // The final, zero-length chunk: its signature covers the empty string.
    if (signed) {
      const err = this.verifyChunkSignature(EMPTY_SHA256);
      if (err) return err;
    }
    const hasTrailer = this.mode.kind === 'streaming-unsigned-trailer' || (this.mode.kind === 'streaming-signed' && this.mode.trailer);
    this.state = hasTrailer ? 'trailer' : 'final-crlf';
    this.crlfSeen = 0;
    return undefined;
  }

  private endOfChunk(): PayloadError | undefined {
    if (this.mode.kind !== 'streaming-signed') return undefined;
    const digest = (this.chunkHash as Hash).digest('hex');
    this.chunkHash = undefined;
    return this.verifyChunkSignature(digest);
  }

  private verifyChunkSignature(chunkSha256Hex: string): PayloadError | undefined {
    const s = this.signing as SigningContext;
    const expected = signHex(s.signingKey, chunkStringToSign(s.amzDate, s.scope, this.previousSignature, chunkSha256Hex));
    if (!signaturesEqual(expected, this.chunkSignature)) return chunkSignatureMismatch();
    this.previousSignature = expected;
    return undefined;
  }

  private onTrailerLine(line: string): PayloadError | undefined {
    if (line.trim() === '') {
      this.state = 'done';
      return this.finishTrailer();
    }
    const colon = line.indexOf(':');
    if (colon <= 0) return new PayloadError('MalformedTrailerError', 400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.trailerSignature = value;
    else this.trailers.push([name, value]);
    return undefined;
  }

  private finishTrailer(): PayloadError | undefined {
    if (this.mode.kind === 'streaming-signed' && this.mode.trailer) {
      const s = this.signing as SigningContext;
      if (this.trailerSignature === undefined) return chunkSignatureMismatch();
      const expected = signHex(s.signingKey, trailerStringToSign(s.amzDate, s.scope, this.previousSignature, sha256Hex(canonicalTrailer(this.trailers))));
      if (!signaturesEqual(expected, this.trailerSignature)) return chunkSignatureMismatch();
    }
    for (const [name] of this.trailers) {
      if (name.startsWith('x-amz-checksum-') && (!this.expectation?.fromTrailer || name !== `x-amz-checksum-${this.expectation.algorithm.toLowerCase()}`)) {
        return new PayloadError('MalformedTrailerError', 400, `The trailing header ${name} was not declared in x-amz-trailer.`);
      }
    }
    return undefined;
  }

  /** End of input: framing complete, lengths and digests match. */
  private finish(): PayloadError | undefined {
    if (this.mode.kind === 'streaming-signed' || this.mode.kind === 'streaming-unsigned-trailer') {
      if (this.state === 'trailer') {
        // Tolerate a missing final CRLF (and a last trailer line without one).
        if (this.lineBytes > 0) {
          const err = this.onTrailerLine(this.takeLine());
          if (err) return err;
        }
        this.state = 'done';
        const err = this.finishTrailer();
        if (err) return err;
      }
      if (this.state === 'final-crlf') this.state = 'done';
      if (this.state !== 'done') return incomplete();
      if (this.declaredLength !== undefined && this.decodedLength !== this.declaredLength) {
        return incomplete('You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header');
      }
    }
    if (this.mode.kind === 'sha256' && this.bodySha256) {
      const computed = this.bodySha256.digest('hex');
      if (computed !== this.mode.sha256Hex) return contentSha256Mismatch(this.mode.sha256Hex, computed);
    }
    if (this.md5) {
      const computed = this.md5.hash.digest();
      if (computed.toString('base64') !== this.md5.expectedBase64) {
        return new PayloadError('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.', {
          ExpectedDigest: this.md5.expectedBase64,
          CalculatedDigest: computed.toString('base64'),
        });
      }
      this.md5Hex = computed.toString('hex');
    }
    return this.finishChecksum();
  }

  private finishChecksum(): PayloadError | undefined {
    const exp = this.expectation;
    if (!exp || !this.checksumHash) return undefined;
    let expected = exp.headerValue;
    const headerName = `x-amz-checksum-${exp.algorithm.toLowerCase()}`;
    if (exp.fromTrailer) {
      expected = this.trailers.find(([n]) => n === headerName)?.[1];
      if (expected === undefined) {
        return new PayloadError('MalformedTrailerError', 400, `The trailing header ${headerName} declared in x-amz-trailer was not sent.`);
      }
      if (!isValidChecksumValue(exp.algorithm, expected)) {
        return new PayloadError('InvalidRequest', 400, `Value for ${headerName} trailing header is invalid.`);
      }
    }
    const computed = this.checksumHash.digestBase64();
    if (computed !== expected) {
      return new PayloadError('BadDigest', 400, `The ${exp.algorithm} you specified did not match the calculated checksum.`);
    }
    this.checksum = { algorithm: exp.algorithm, value: computed };
    return undefined;
  }
}

/** S3's answer when the body's SHA-256 is not the signed x-amz-content-sha256. */
export function contentSha256Mismatch(clientComputed: string, computed: string): PayloadError {
  return new PayloadError('XAmzContentSHA256Mismatch', 400, "The provided 'x-amz-content-sha256' header does not match what was computed.", {
    ClientComputedContentSHA256: clientComputed,
    S3ComputedContentSHA256: computed,
  });
}

/**
 * The decoder for a verified request. An error result yields a decoder that fails at once
 * with that error; an anonymous request may still send a hex sha256 or an unsigned trailer body.
 */
export function createPayloadDecoder(result: VerifyResult, headers: IncomingHttpHeaders, opts: PayloadDecoderOptions = {}): PayloadDecoder {
  if (result.kind === 'error') {
    return new PayloadDecoder({ kind: 'unsigned' }, undefined, headers, new PayloadError(result.code, result.status, result.message, result.detail));
  }
  if (result.kind === 'signed') return new PayloadDecoder(result.payload, result.context, headers, undefined, opts);
  const declared = header(headers, 'x-amz-content-sha256')?.trim();
  const mode = declared === undefined ? undefined : payloadModeOf(declared);
  if (declared !== undefined && !mode) {
    return new PayloadDecoder({ kind: 'unsigned' }, undefined, headers, new PayloadError('InvalidArgument', 400, 'Invalid x-amz-content-sha256'));
  }
  return new PayloadDecoder(mode ?? { kind: 'unsigned' }, undefined, headers);
}

/** Content-Encoding as it should be stored: 'aws-chunked' removed, other codings kept. */
export function storedContentEncoding(contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined;
  const rest = contentEncoding
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
  return rest.length > 0 ? rest.join(', ') : undefined;
}
