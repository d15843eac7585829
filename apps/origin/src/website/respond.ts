/**
 * Writing website responses: objects (as GetObject does), redirects and the
 * default HTML pages. Header lists are flat arrays handed to writeHead, and
 * the per-object part is built once per stored ObjectInfo (hot path).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import mime from 'mime-types';
import type { ObjectInfo, ObjectStore } from '@bucketfront/object-store';
import { renderWebsiteErrorPage, statusLine, WEBSITE_ERROR_PAGE_CONTENT_TYPE, websiteErrors, type WebsitePageError } from '@bucketfront/website';
import { decideRange, evaluatePreconditions } from './preconditions.js';

export interface ResponseIds {
  requestId: string;
  hostId: string;
}

/** Node refuses header values outside latin-1 / with controls: percent-encode those. */
export function headerValue(value: string): string {
  return /^[\t\x20-\x7e]*$/.test(value) ? value : encodeURI(value).replace(/%25([0-9A-F]{2})/g, '%$1');
}

const objectHeaders = new WeakMap<ObjectInfo, string[]>();

/**
 * The headers GetObject sends for an object, minus Content-Length and the
 * request ids: Content-Type (stored, else from the key's extension), ETag,
 * Last-Modified, Accept-Ranges and the stored representation headers.
 */
export function headersFor(info: ObjectInfo): string[] {
  let headers = objectHeaders.get(info);
  if (headers) return headers;
  const m = info.metadata;
  const contentType = m.contentType ?? (mime.lookup(info.key) || 'application/octet-stream');
  headers = ['Content-Type', headerValue(contentType), 'ETag', info.etag, 'Last-Modified', info.lastModified.toUTCString(), 'Accept-Ranges', 'bytes'];
  if (m.cacheControl !== undefined) headers.push('Cache-Control', headerValue(m.cacheControl));
  if (m.contentEncoding !== undefined) headers.push('Content-Encoding', headerValue(m.contentEncoding));
  if (m.contentDisposition !== undefined) headers.push('Content-Disposition', headerValue(m.contentDisposition));
  if (m.contentLanguage !== undefined) headers.push('Content-Language', headerValue(m.contentLanguage));
  if (m.expires !== undefined) headers.push('Expires', headerValue(m.expires));
  for (const [name, value] of Object.entries(m.userMetadata)) headers.push(`x-amz-meta-${name}`, headerValue(value));
  if (m.encryption?.serverSideEncryption !== undefined) headers.push('x-amz-server-side-encryption', m.encryption.serverSideEncryption);
  if (m.encryption?.kmsKeyId !== undefined) headers.push('x-amz-server-side-encryption-aws-kms-key-id', m.encryption.kmsKeyId);
  objectHeaders.set(info, headers);
  return headers;
}

/** The validators a 304 repeats (RFC 9110 §15.4.5). */
function notModifiedHeaders(info: ObjectInfo): string[] {
  const headers = ['ETag', info.etag, 'Last-Modified', info.lastModified.toUTCString()];
  if (info.metadata.cacheControl !== undefined) headers.push('Cache-Control', headerValue(info.metadata.cacheControl));
  if (info.metadata.expires !== undefined) headers.push('Expires', headerValue(info.metadata.expires));
  return headers;
}

/** `x-amz-error-code`, `x-amz-error-message`, `x-amz-error-detail-Key` (docs/s3-website-rules.md#error-headers). */
function errorHeaders(error: WebsitePageError): string[] {
  const headers = ['x-amz-error-code', error.code, 'x-amz-error-message', headerValue(error.message)];
  if (error.key !== undefined && error.status !== 403) headers.push('x-amz-error-detail-Key', headerValue(error.key));
  return headers;
}

function idHeaders(ids: ResponseIds): string[] {
  return ['x-amz-request-id', ids.requestId, 'x-amz-id-2', ids.hostId];
}

export function sendErrorPage(req: IncomingMessage, res: ServerResponse, ids: ResponseIds, error: WebsitePageError, errorDocumentFailure?: WebsitePageError, extraHeaders: string[] = []): void {
  const page = renderWebsiteErrorPage(errorDocumentFailure ? { ...error, ...ids, errorDocumentFailure } : { ...error, ...ids });
  const body = Buffer.from(page);
  res.writeHead(error.status, ['Content-Type', WEBSITE_ERROR_PAGE_CONTENT_TYPE, 'Content-Length', String(body.length), ...errorHeaders(error), ...extraHeaders, ...idHeaders(ids)]);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** A redirect: empty body, or the small HTML page of the implicit 302 (docs/s3-website-rules.md#redirect-codes). */
export function sendRedirect(req: IncomingMessage, res: ServerResponse, ids: ResponseIds, status: number, location: string, page?: WebsitePageError): void {
  if (page) {
    // The reason phrase matches the page title ("302 Moved Temporarily", docs/s3-website-rules.md#index-document).
    res.statusMessage = statusLine(page.status).slice(4);
    sendErrorPage(req, res, ids, page, undefined, ['Location', headerValue(location)]);
    return;
  }
  res.writeHead(status, ['Location', headerValue(location), 'Content-Length', '0', ...idHeaders(ids)]);
  res.end();
}

export interface ServeOptions {
  bucket: string;
  key: string;
  status: number;
  /** Range and conditional headers apply (a requested object), or are ignored (an error document). */
  honourConditionals: boolean;
  /** For an error document: the error it stands for. */
  error?: WebsitePageError;
}

/**
 * Serves `info` as GetObject does. Resolves false when the object vanished
 * between the lookup and the read (the caller then treats it as missing).
 */
export async function serveObject(req: IncomingMessage, res: ServerResponse, ids: ResponseIds, store: ObjectStore, info: ObjectInfo, opts: ServeOptions): Promise<boolean> {
  let status = opts.status;
  let range: { start: number; end: number } | undefined;
  const extra: string[] = opts.error ? errorHeaders(opts.error) : [];
  if (info.metadata.encryption?.customerAlgorithm !== undefined) {
    sendErrorPage(req, res, ids, websiteErrors.encryptedWithCustomerKey());
    return true;
  }

  if (opts.honourConditionals) {
    const precondition = evaluatePreconditions(req.headers, info.etag, info.lastModified);
    if (precondition === 'not-modified') {
      res.writeHead(304, [...notModifiedHeaders(info), ...idHeaders(ids)]);
      res.end();
      return true;
    }
    if (precondition === 'precondition-failed') {
      sendErrorPage(req, res, ids, {
        status: 412,
        code: 'PreconditionFailed',
        message: 'At least one of the pre-conditions you specified did not hold',
      });
      return true;
    }
    const decided = decideRange(req.headers.range, info.size);
    if (decided.kind === 'unsatisfiable') {
      sendErrorPage(req, res, ids, { status: 416, code: 'InvalidRange', message: 'The requested range is not satisfiable' }, undefined, ['Content-Range', `bytes */${info.size}`]);
      return true;
    }
    if (decided.kind === 'partial') {
      range = { start: decided.start, end: decided.end };
      status = 206;
      extra.push('Content-Range', `bytes ${decided.start}-${decided.end}/${info.size}`);
    }
  }

  const length = range ? range.end - range.start + 1 : info.size;
  if (req.method === 'HEAD') {
    res.writeHead(status, [...headersFor(info), 'Content-Length', String(length), ...extra, ...idHeaders(ids)]);
    res.end();
    return true;
  }

  const result = await store.getObject(opts.bucket, opts.key, range);
  if (!result) return false;
  // Headers from the version actually read (it may have been replaced since the lookup).
  const served = result.info;
  if (served !== info && range && served.size !== info.size) {
    result.body.destroy();
    return false;
  }
  const servedLength = range ? length : served.size;
  res.writeHead(status, [...headersFor(served), 'Content-Length', String(servedLength), ...extra, ...idHeaders(ids)]);
  if (result.buffer) {
    res.end(result.buffer);
    return true;
  }
  try {
    await pipeline(result.body, res);
  } catch {
    // The client went away or the read failed mid-body: nothing more can be sent.
    res.destroy();
  }
  return true;
}
