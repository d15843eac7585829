/**
 * The facts of one viewer request for its standard log record (log-record.ts), gathered around
 * the pipeline without touching it: the request as received, the response's status and headers
 * as written (writeHead, after any viewer-response function), and the times and byte counts when
 * the response is done or the viewer went.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RequestTarget } from '@bucketfront/http-basics';
import { requestId } from '../viewer/headers.js';
import type { RequestFacts } from './log-record.js';

type HeadersArg = OutgoingHttpHeaders | ReadonlyArray<string> | undefined;

/** A response header as passed to writeHead (a flat name/value array or an object). */
function headerIn(headers: HeadersArg, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    const flat = headers as ReadonlyArray<string>;
    for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === name) return String(flat[i + 1]);
    return undefined;
  }
  for (const [k, v] of Object.entries(headers as OutgoingHttpHeaders)) if (k.toLowerCase() === name && v !== undefined) return Array.isArray(v) ? v.join(', ') : String(v);
  return undefined;
}

/** Header bytes of an HTTP/2 response as if written in HTTP/1.1 (its HPACK size is not exposed). */
function headerBytes(status: number, headers: HeadersArg): number {
  let n = `HTTP/1.1 ${status} \r\n\r\n`.length;
  if (Array.isArray(headers)) for (const v of headers as ReadonlyArray<string>) n += String(v).length + 2;
  else if (headers !== undefined) for (const [k, v] of Object.entries(headers)) n += k.length + String(v).length + 4;
  return n;
}

/** Bytes of the request: request line, header fields and (declared) body. */
function requestBytes(req: IncomingMessage): number {
  let n = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n\r\n`.length;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) n += raw[i]!.length + raw[i + 1]!.length + 4;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0 ? n + length : n;
}

/** `::ffff:192.0.2.1` → `192.0.2.1` (the viewer's IPv4 address on a dual-stack socket). */
const plainIp = (ip: string | undefined): string => (ip?.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : (ip ?? '-'));

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
};

/** `Hit from cloudfront` → `Hit`; a response without X-Cache (the edge's own 400/500) is an Error. */
function xCacheResult(xCache: string | undefined): string {
  if (xCache === undefined) return 'Error';
  const at = xCache.indexOf(' from ');
  return at < 0 ? xCache : xCache.slice(0, at);
}

export interface CaptureOptions {
  pop: string;
  distributionDomain: string;
  includeCookies: boolean;
  now: () => number;
  done: (facts: RequestFacts) => void;
}

/** Watches `res` and calls `done` once, when the response is finished or the connection closed. */
export function captureRequest(req: IncomingMessage, res: ServerResponse, target: RequestTarget, o: CaptureOptions): void {
  const start = o.now();
  const socket = req.socket;
  const h2 = req.httpVersionMajor === 2;
  // HTTP/1.x: the bytes this response adds to the connection (headers, body, chunk framing).
  const writtenBefore = h2 ? 0 : (socket?.bytesWritten ?? 0);
  let firstByte: number | undefined;
  let sent: HeadersArg;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    firstByte ??= o.now();
    sent = (typeof rest[0] === 'string' ? rest[1] : rest[0]) as HeadersArg;
    return (writeHead as (...a: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse['writeHead'];
  // The request as received (a viewer-request function may change what the pipeline sees later).
  const encrypted = (socket as Partial<TLSSocket> | null)?.encrypted === true;
  const tls = encrypted ? (socket as TLSSocket) : undefined;
  const request = {
    start,
    pop: o.pop,
    clientIp: plainIp(socket?.remoteAddress),
    clientPort: socket?.remotePort ?? 0,
    method: req.method ?? 'GET',
    distributionDomain: o.distributionDomain,
    uriStem: target.path,
    query: target.query ?? '',
    referer: header(req, 'referer'),
    userAgent: header(req, 'user-agent'),
    cookie: o.includeCookies ? header(req, 'cookie') : undefined,
    hostHeader: target.authority ?? header(req, 'host'),
    protocol: encrypted ? ('https' as const) : ('http' as const),
    csBytes: requestBytes(req),
    xForwardedFor: header(req, 'x-forwarded-for'),
    sslProtocol: tls?.getProtocol?.() ?? undefined,
    sslCipher: tls?.getCipher?.()?.name,
    protocolVersion: `HTTP/${h2 ? '2.0' : req.httpVersion}`,
  };
  res.once('close', () => {
    const status = res.headersSent ? res.statusCode : 0;
    const contentLength = headerIn(sent, 'content-length');
    const bodyBytes = req.method === 'HEAD' || status === 304 ? 0 : Number(contentLength ?? 0);
    o.done({
      ...request,
      firstByte,
      end: o.now(),
      scBytes: h2 ? (status === 0 ? 0 : headerBytes(status, sent) + bodyBytes) : (socket?.bytesWritten ?? writtenBefore) - writtenBefore,
      status,
      responseResultType: xCacheResult(headerIn(sent, 'x-cache')),
      aborted: !res.writableFinished,
      requestId: headerIn(sent, 'x-amz-cf-id') ?? requestId(),
      contentType: headerIn(sent, 'content-type'),
      contentLength,
      contentRange: headerIn(sent, 'content-range'),
    });
  });
}
