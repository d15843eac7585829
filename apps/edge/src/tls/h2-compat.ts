/**
 * An HTTP/2 request as the viewer engine reads it (the engine is written against node:http's
 * IncomingMessage / ServerResponse; Node's compatibility API gives Http2ServerRequest /
 * Http2ServerResponse, which differ where this module adapts them):
 * - `:authority` is the Host (RFC 9113 §8.3.1); a Host field that names another authority makes
 *   the request malformed (400), so routing and the cache key never see two different hosts;
 * - the pseudo-header fields (`:method`, `:path`, …) are not request headers: functions, the
 *   cache key and the origin never see them;
 * - connection-specific fields (Connection, Keep-Alive, Transfer-Encoding, …) are forbidden in
 *   HTTP/2 (RFC 9113 §8.2.2, Node throws on them): dropped from responses, as is a reason phrase;
 * - the send timeout (server.ts) closes the stalled stream, not the connection's other streams.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, OutgoingHttpHeaders } from 'node:http2';

/** RFC 9113 §8.2.2, and what Node refuses in an HTTP/2 header block. */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te']);

type Headers = OutgoingHttpHeaders | ReadonlyArray<string> | undefined;

function withoutConnectionSpecific(headers: Headers): Headers {
  if (headers === undefined) return headers;
  if (Array.isArray(headers)) {
    const flat = headers as ReadonlyArray<string>;
    let i = 0;
    while (i < flat.length && !CONNECTION_SPECIFIC.has(flat[i]!.toLowerCase())) i += 2;
    if (i >= flat.length) return flat;
    const out: string[] = [];
    for (let j = 0; j < flat.length; j += 2) if (!CONNECTION_SPECIFIC.has(flat[j]!.toLowerCase())) out.push(flat[j]!, flat[j + 1]!);
    return out;
  }
  const obj = headers as OutgoingHttpHeaders;
  if (!Object.keys(obj).some((k) => CONNECTION_SPECIFIC.has(k.toLowerCase()))) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !CONNECTION_SPECIFIC.has(k.toLowerCase())));
}

/** The request's Host: its `:authority`, or a Host field; `false` when both are there and differ (malformed). */
export function h2Host(headers: IncomingHttpHeaders): string | undefined | false {
  const authority = headers[':authority'] as string | undefined;
  const host = headers.host;
  if (authority !== undefined && host !== undefined && authority.toLowerCase() !== host.toLowerCase()) return false;
  return host ?? authority;
}

/**
 * Adapts `req` and `res` in place for the engine; returns false (after answering 400) for a
 * request whose Host and :authority differ.
 */
export function adaptH2(req: Http2ServerRequest, res: Http2ServerResponse, sendTimeoutMs: number): boolean {
  const host = h2Host(req.headers);
  if (host === false) {
    const body = 'A request may name only one authority (:authority and Host differ).\n';
    res.writeHead(400, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return false;
  }
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (name.charCodeAt(0) !== 58 /* ':' */) headers[name] = value;
  if (host !== undefined) headers.host = host;
  // `url` and `method` keep reading the pseudo-headers (Http2ServerRequest's own fields); only the
  // header view the engine reads (and a viewer-request function may replace) changes.
  Object.defineProperty(req, 'headers', { value: headers, writable: true, configurable: true, enumerable: true });
  const writeHead = res.writeHead as (status: number, headers?: OutgoingHttpHeaders) => Http2ServerResponse;
  Object.defineProperty(res, 'writeHead', {
    configurable: true,
    writable: true,
    value(status: number, a?: string | Headers, b?: Headers): Http2ServerResponse {
      // An HTTP/2 response has no reason phrase (RFC 9113 §8.3.2).
      return writeHead.call(res, status, withoutConnectionSpecific(typeof a === 'string' ? b : a) as OutgoingHttpHeaders);
    },
  });
  res.setTimeout(sendTimeoutMs, () => {
    // As server.ts armSendTimeout, per stream: only a write that is not progressing times out.
    if (res.stream.writableLength > 0) res.stream.destroy();
  });
  return true;
}

/** The engine's view of an adapted request. */
export const asHttp1 = (req: Http2ServerRequest, res: Http2ServerResponse): [IncomingMessage, ServerResponse] => [req as unknown as IncomingMessage, res as unknown as ServerResponse];
