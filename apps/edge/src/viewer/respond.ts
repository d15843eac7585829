/**
 * Viewer responses: entries (hits, misses, refreshes), 304s, ranges, streamed pass-through of
 * oversize objects and the edge's own error pages. Header rules: docs/cloudfront-caching.md#response-headers;
 * conditionals RFC 9110 §13 (docs/cloudfront-caching.md#conditional); ranges RFC 9110 §14 (docs/cloudfront-caching.md#range).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { ageSeconds, chooseViewerEncoding, contentRange, isNotModified, parseRange, type ByteRange } from '@bucketfront/cache-policy';
import type { EngineState, RequestCtx } from '../context.js';
import type { FillResult } from '../fill.js';
import type { ResultType } from '../metrics.js';
import type { Coding, StoredEntry } from '../store/entry.js';
import { ensureVariant, withoutFields } from '../store/variants.js';
import type { BodyFile } from '../store/body-files.js';
import { generatedErrorPage } from './error-page.js';
import { sendBodyFile } from './send-file.js';
import { REDIRECT_BODY } from './protocol-policy.js';
import { edgeResponseFields, headerValue, httpDate } from './headers.js';
import { generatedBody, responseHeaders, wireReason } from '../functions/event.js';
import { viewerResponseOf, type ViewerResponseOutcome } from '../functions/viewer-response.js';
import type { FunctionError, FunctionErrorKind, FunctionResponse } from '@bucketfront/cf-functions';

/** CloudFront's texts for function failures on its error page. */
const FUNCTION_ERROR_TEXT: Record<FunctionErrorKind, string> = {
  FunctionExecutionError: 'The CloudFront function associated with the CloudFront distribution is invalid or could not run.',
  FunctionThrottledError: 'The CloudFront function associated with the CloudFront distribution was throttled.',
  FunctionValidationError: 'The CloudFront function returned an invalid value to CloudFront.',
};

export type Responder = ReturnType<typeof createResponder>;

export function createResponder(state: EngineState) {
  const { metrics, clock, config } = state;
  const word = config.productWord;

  /**
   * The variant for this viewer. Origin-encoded entries (gzip/br from the origin) go as they are to
   * viewers accepting that coding, decoded to the others (when the body could be decoded).
   */
  function pickCoding(e: StoredEntry, ctx: RequestCtx): Coding {
    const enc = e.originEncoding;
    if (enc === 'gzip' || enc === 'br') return ctx.ae === enc || ctx.ae === 'br,gzip' ? enc : 'identity';
    const can = e.compressible === true;
    return chooseViewerEncoding(ctx.ae, ctx.httpVersion, { br: can || e.variants.br !== undefined, gzip: can || e.variants.gzip !== undefined });
  }

  // ---- responses

  /** `file`: the body is in this open file instead of `body0` (Variant.file; the caller closes it). */
  function finish(res: ServerResponse, result: ResultType, status0: number, headers0: string[], body0: Buffer | undefined, head: boolean, file?: BodyFile): void {
    const { status, headers, errorBody } = viewerResponseOf(res, status0, headers0);
    const body = errorBody ?? body0;
    res.writeHead(status, headers);
    // A status without a body (a viewer-response function may set 204 or 304): nothing to read.
    if (file !== undefined && errorBody === undefined && !head && status !== 204 && status !== 304) {
      sendBodyFile(res, file);
      metrics.countRequest(result, file.length);
      return;
    }
    if (head || body === undefined) res.end();
    else res.end(body);
    metrics.countRequest(errorBody === undefined ? result : 'Error', head || body === undefined ? 0 : body.length);
  }

  /**
   * Whether `e` (a streamed shared-tier read: Variant.file) can be sent to this viewer as it is: the
   * viewer's coding is stored and it asked for no range (a range, or a coding still to make, needs
   * the bytes in memory).
   */
  function canSendFromFile(req: IncomingMessage, ctx: RequestCtx, e: StoredEntry): boolean {
    return e.variants[pickCoding(e, ctx)] !== undefined && headerValue(req.headers, 'range') === undefined;
  }

  /** Serve a stored (or just-fetched) entry. `result` is the X-Cache outcome; errors (≥ 400) show as Error. */
  function sendEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, result: 'Hit' | 'Miss' | 'RefreshHit', statusOverride?: number): void | Promise<void> {
    const coding = pickCoding(e, ctx);
    // The first viewer of a coding waits for it (shared with concurrent viewers); a Range request is
    // served from the identity body and compresses nothing (but an origin-encoded body is decoded).
    if (e.variants[coding] === undefined && (coding === 'identity' || headerValue(req.headers, 'range') === undefined)) {
      return ensureVariant(state, e, coding).then(() => writeEntry(req, res, ctx, e, coding, result, statusOverride));
    }
    writeEntry(req, res, ctx, e, coding, result, statusOverride);
  }

  function writeEntry(req: IncomingMessage, res: ServerResponse, ctx: RequestCtx, e: StoredEntry, coding: Coding, result: 'Hit' | 'Miss' | 'RefreshHit', statusOverride?: number): void {
    const now = clock();
    const v = e.variants[coding] ?? e.variants.identity ?? Object.values(e.variants)[0]!;
    const status = statusOverride ?? e.status;
    const isError = e.status >= 400 || statusOverride !== undefined;
    const xResult: ResultType = isError ? 'Error' : result;
    const head = ctx.method === 'HEAD';
    let headers: string[];
    if (result === 'Hit' && statusOverride === undefined) {
      headers = v.hitHeaders.slice();
      headers.push('date', httpDate(now), 'age', String(ageSeconds(e.times, now)), 'x-amz-cf-id', ctx.reqId);
    } else {
      headers = v.headers.slice();
      headers.push(...edgeResponseFields(state, xResult, now, ctx.reqId));
      if (result !== 'Miss') headers.push('age', String(ageSeconds(e.times, now)));
    }
    if (!isError && status === 200) {
      // Viewer conditionals answered from the entry (RFC 9110 §13.2.2).
      const inm = headerValue(req.headers, 'if-none-match');
      const ims = headerValue(req.headers, 'if-modified-since');
      if ((inm !== undefined || ims !== undefined) && isNotModified({ ifNoneMatch: inm, ifModifiedSince: ims }, { etag: v.etag ?? e.etag, lastModified: e.lastModified })) {
        finish(res, xResult, 304, notModifiedHeaders(headers), undefined, true);
        return;
      }
      const range = headerValue(req.headers, 'range');
      if (range !== undefined && !head && e.variants.identity && e.originEncoding === undefined && ifRangeAllows(req, e)) {
        if (sendRange(res, e, range, headers, xResult)) return;
      }
    }
    finish(res, xResult, status, headers, v.body, head, v.file);
  }

  /** RFC 9110 §13.1.5: If-Range with a strong ETag or a date equal to Last-Modified. */
  function ifRangeAllows(req: IncomingMessage, e: StoredEntry): boolean {
    const ifRange = headerValue(req.headers, 'if-range');
    if (ifRange === undefined) return true;
    if (ifRange.startsWith('"')) return e.etag === ifRange;
    return e.lastModified !== undefined && e.lastModified === ifRange;
  }

  function sendRange(res: ServerResponse, e: StoredEntry, rangeHeader: string, headers: string[], xResult: ResultType): boolean {
    const body = e.variants.identity!.body;
    const d = parseRange(rangeHeader, body.length);
    if (d.kind === 'full') return false;
    const identityHeaders = withoutFields(headers, ['content-length', 'content-encoding', 'etag', 'vary']);
    if (e.etag) identityHeaders.push('etag', e.etag);
    if (d.kind === 'unsatisfiable') {
      identityHeaders.push('content-range', `bytes */${body.length}`);
      finish(res, xResult, 416, identityHeaders, Buffer.alloc(0), false);
      return true;
    }
    identityHeaders.push('accept-ranges', 'bytes');
    if (d.ranges.length === 1) {
      const r = d.ranges[0]!;
      identityHeaders.push('content-range', contentRange(r, body.length), 'content-length', String(r.end - r.start + 1));
      finish(res, xResult, 206, identityHeaders, body.subarray(r.start, r.end + 1), false);
      return true;
    }
    const boundary = 'CloudFront' + makeBoundary();
    const type = fieldValue(headers, 'content-type');
    const parts: Buffer[] = [];
    for (const r of d.ranges as ByteRange[]) {
      parts.push(Buffer.from(`\r\n--${boundary}\r\n${type ? `Content-Type: ${type}\r\n` : ''}Content-Range: ${contentRange(r, body.length)}\r\n\r\n`));
      parts.push(body.subarray(r.start, r.end + 1));
    }
    parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
    const multipart = Buffer.concat(parts);
    const h = withoutFields(identityHeaders, ['content-type']);
    h.push('content-type', `multipart/byteranges; boundary=${boundary}`, 'content-length', String(multipart.length));
    finish(res, xResult, 206, h, multipart, false);
    return true;
  }

  function sendFailure(res: ServerResponse, ctx: RequestCtx, status: number, message: string): void {
    void message; // origin details stay in logs, not in the viewer page
    const body = generatedErrorPage(status, ctx.reqId, word);
    finish(res, 'Error', status, generatedHeaders(ctx.reqId, body.length), body, ctx.method === 'HEAD');
  }

  function generatedHeaders(reqId: string, length: number): string[] {
    return ['server', 'CloudFront', 'content-type', 'text/html', 'content-length', String(length), ...edgeResponseFields(state, 'Error', clock(), reqId)];
  }

  function sendGenerated(req: IncomingMessage, res: ServerResponse, status: number, reqId: string, detail?: string): void {
    const body = generatedErrorPage(status, reqId, word, detail);
    finish(res, 'Error', status, generatedHeaders(reqId, body.length), body, req.method === 'HEAD');
  }

  /** The viewer protocol policy's 301 to the https URL (X-Cache `Redirect from cloudfront`, as CloudFront). */
  function sendRedirect(req: IncomingMessage, res: ServerResponse, reqId: string, location: string): void {
    const headers = ['server', 'CloudFront', 'content-type', 'text/html', 'content-length', String(REDIRECT_BODY.length), 'location', location];
    headers.push(...edgeResponseFields(state, 'Redirect', clock(), reqId));
    finish(res, 'Redirect', 301, headers, REDIRECT_BODY, req.method === 'HEAD');
  }

  function sendStream(res: ServerResponse, ctx: RequestCtx, r: Extract<FillResult, { kind: 'stream' }>): void {
    const headers = r.headers.slice();
    const result: ResultType = r.status >= 400 ? 'Error' : 'Miss';
    headers.push(...edgeResponseFields(state, result, clock(), ctx.reqId));
    const out = viewerResponseOf(res, r.status, headers);
    if (out.errorBody !== undefined) {
      r.rest.destroy();
      return finish(res, 'Error', out.status, out.headers, out.errorBody, ctx.method === 'HEAD');
    }
    res.writeHead(out.status, out.headers);
    let bytes = 0;
    for (const b of r.head) bytes += b.length;
    if (ctx.method === 'HEAD') {
      r.rest.destroy();
      res.end();
      metrics.countRequest(result, 0);
      return;
    }
    for (const b of r.head) res.write(b);
    r.rest.on('data', (b: Buffer) => {
      bytes += b.length;
    });
    pipeline(r.rest, res, () => {
      metrics.countRequest(result, bytes);
      metrics.counts.originBytes += bytes;
    });
  }

  /**
   * A viewer-request or viewer-response function that failed: CloudFront's error page with the
   * status of the failure (503 for an error or a limit, 502 for an invalid result) and the result
   * type in X-Cache (e.g. `FunctionExecutionError from cloudfront`).
   */
  function functionErrorPage(reqId: string, error: FunctionError): ViewerResponseOutcome {
    const body = generatedErrorPage(error.statusCode, reqId, word, FUNCTION_ERROR_TEXT[error.kind]);
    const headers = generatedHeaders(reqId, body.length);
    headers[headers.indexOf('x-cache') + 1] = `${error.kind} from ${word}`;
    return { status: error.statusCode, headers, errorBody: body };
  }

  function sendFunctionError(req: IncomingMessage, res: ServerResponse, reqId: string, error: FunctionError): void {
    const page = functionErrorPage(reqId, error);
    res.writeHead(page.status, page.headers);
    if (req.method === 'HEAD') res.end();
    else res.end(page.errorBody);
    metrics.countRequest('Error', req.method === 'HEAD' ? 0 : page.errorBody!.length);
  }

  /** A response a viewer-request function generated: sent as it is, never cached, no viewer-response function. */
  function sendFunctionResponse(req: IncomingMessage, res: ServerResponse, reqId: string, out: FunctionResponse): void {
    const body = generatedBody(out);
    const headers = withoutFields(responseHeaders(out), ['content-length', 'transfer-encoding']);
    headers.push('content-length', String(body.length), 'server', 'CloudFront', ...edgeResponseFields(state, 'FunctionGeneratedResponse', clock(), reqId));
    const reason = wireReason(out.statusDescription);
    if (reason !== undefined) res.writeHead(out.statusCode, reason, headers);
    else res.writeHead(out.statusCode, headers);
    const head = req.method === 'HEAD' || out.statusCode === 204 || out.statusCode === 304;
    if (head) res.end();
    else res.end(body);
    metrics.countRequest(out.statusCode >= 400 ? 'Error' : 'Hit', head ? 0 : body.length);
  }

  return { pickCoding, finish, canSendFromFile, sendEntry, sendFailure, sendGenerated, sendRedirect, sendStream, functionErrorPage, sendFunctionError, sendFunctionResponse };
}

function fieldValue(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === name) return headers[i + 1];
  return undefined;
}

/** RFC 9110 §15.4.5: a 304 carries the validator and caching fields, no content fields. */
const NOT_MODIFIED_DROP = ['content-length', 'content-type', 'content-encoding', 'content-language', 'content-disposition', 'content-range', 'accept-ranges', 'content-md5'];
function notModifiedHeaders(headers: string[]): string[] {
  return withoutFields(headers, NOT_MODIFIED_DROP);
}

let boundaryCounter = 0;
function makeBoundary(): string {
  return (Date.now().toString(36) + (++boundaryCounter).toString(36)).padStart(16, '0');
}
