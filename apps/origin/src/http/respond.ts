/** Writing S3 responses: common headers, XML errors, streamed bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { S3Error } from '@bucketfront/s3-protocol';
import type { HeaderList, S3Response } from '../s3/context.js';
import { lingerBeforeClose } from './linger.js';

export interface ResponseIds {
  requestId: string;
  hostId: string;
}

/** Bytes of body written for this response (for logs and metrics). */
export type SentCallback = (status: number, bytesOut: number) => void;

function baseHeaders(ids: ResponseIds): HeaderList {
  return ['x-amz-request-id', ids.requestId, 'x-amz-id-2', ids.hostId, 'Server', 'bucketfront'];
}

/**
 * True when the request still has body bytes we never read: then the response carries
 * Connection: close and the server closes the connection after it (RFC 9112 §9.6: "Connection: close"
 * https://www.rfc-editor.org/rfc/rfc9112#section-9.6), rather than keep a socket whose body still trickles in.
 */
export function hasUnreadBody(req: IncomingMessage): boolean {
  return !req.complete && declaresBody(req);
}

/** The request has a body: chunked, or a Content-Length other than 0 (RFC 9112 §6.3). */
export function declaresBody(req: IncomingMessage): boolean {
  const cl = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (cl !== undefined && !/^0+$/.test(cl));
}

export function sendResponse(req: IncomingMessage, res: ServerResponse, ids: ResponseIds, r: S3Response, done: SentCallback): void {
  if (res.headersSent || res.destroyed) {
    if (r.body instanceof Readable) r.body.destroy();
    done(res.statusCode, 0);
    return;
  }
  const headers = baseHeaders(ids);
  if (r.headers) for (let i = 0; i < r.headers.length; i++) headers.push(r.headers[i]!);
  if (hasUnreadBody(req)) {
    headers.push('Connection', 'close');
    lingerBeforeClose(req);
  }
  const isHead = req.method === 'HEAD';
  const body = r.body;
  if (body instanceof Readable) {
    headers.push('Content-Length', String(r.contentLength ?? 0));
    res.writeHead(r.status, headers);
    if (isHead) {
      body.destroy();
      res.end();
      done(r.status, 0);
      return;
    }
    let sent = 0;
    body.on('data', (chunk: Buffer) => {
      sent += chunk.length;
    });
    body.pipe(res);
    body.once('error', () => {
      // Headers are gone; the only honest signal left is a truncated response.
      res.destroy();
    });
    res.once('close', () => {
      if (!body.destroyed) body.destroy();
      done(r.status, sent);
    });
    return;
  }
  const buf = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const length = r.contentLength ?? buf?.length ?? 0;
  if (r.status !== 304 && r.status !== 204) headers.push('Content-Length', String(length));
  res.writeHead(r.status, headers);
  if (isHead || buf === undefined || r.status === 304 || r.status === 204) {
    res.end();
    done(r.status, 0);
  } else {
    res.end(buf);
    done(r.status, buf.length);
  }
}

export function errorResponse(err: S3Error, ids: ResponseIds, isHead: boolean): S3Response {
  if (err.status === 304) return { status: 304, headers: [] };
  if (isHead) return { status: err.status, headers: ['x-amz-error-code', err.code] };
  return {
    status: err.status,
    headers: ['Content-Type', 'application/xml'],
    body: err.renderXml(ids.requestId, ids.hostId),
  };
}
