/**
 * The edge's requests and responses as CloudFront Functions events, and function output back into
 * them. Shapes: "CloudFront Functions event structure"
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html):
 * header names lower-case, the Cookie header given as `cookies` (not in `headers`), Set-Cookie as
 * the response's `cookies`, repeated names as `multiValue`, headers a function may not see
 * (`x-amz-cf-*`, hop-by-hop, …) left out and kept as they were.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isDisallowedHeader, type CloudFrontFunctionEvent, type FieldMap, type FieldValue, type FunctionRequest, type FunctionResponse, type ResponseCookieMap } from '@bucketfront/cf-functions';

/** One field of a FieldMap from its values (the first is `value`, all are in `multiValue`). */
function field(values: string[]): FieldValue {
  return values.length === 1 ? { value: values[0]! } : { value: values[0]!, multiValue: values.map((value) => ({ value })) };
}

function toFieldMap(pairs: Iterable<[string, string]>): FieldMap {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const list = grouped.get(k);
    if (list === undefined) grouped.set(k, [v]);
    else list.push(v);
  }
  const out: FieldMap = {};
  for (const [k, values] of grouped) out[k] = field(values);
  return out;
}

/** Every value of a field (multiValue when present, else value), as header strings (wireString). */
function valuesOf(f: FieldValue): string[] {
  return f.multiValue !== undefined && f.multiValue.length > 0 ? f.multiValue.map((m) => wireString(m.value)) : [wireString(f.value)];
}

/**
 * A function's string as a header value Node can send. Headers arrive as bytes, one character per
 * byte (latin1), and go back out the same way, so a value the function passed through keeps its
 * bytes. A value with characters above U+00FF cannot be such a byte string: it is sent as its
 * UTF-8 bytes (what a UTF-8 proxy would send), never handed to Node as is (Node refuses it with an
 * exception).
 */
export function wireString(v: string): string {
  return /[^\x00-\xff]/.test(v) ? Buffer.from(v, 'utf8').toString('latin1') : v;
}

/** A status description Node can send, else undefined (the standard reason phrase is used). */
export function wireReason(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  const s = wireString(v);
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(s) ? s : undefined;
}

/** `a=1&b&a=2` → {a: {value: '1', multiValue: [1, 2]}, b: {value: ''}}; names and values as sent (percent-encoded). */
export function parseQueryString(query: string): FieldMap {
  if (query === '') return {};
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push(eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)]);
  }
  return toFieldMap(pairs);
}

export function serialiseQueryString(q: FieldMap | string): string {
  if (typeof q === 'string') return q.startsWith('?') ? q.slice(1) : q;
  const parts: string[] = [];
  for (const [name, f] of Object.entries(q)) for (const v of valuesOf(f)) parts.push(v === '' ? name : `${name}=${v}`);
  return parts.join('&');
}

/** `a=1; b=2; a=3` → cookies FieldMap. */
export function parseCookieHeader(header: string | undefined): FieldMap {
  if (header === undefined || header === '') return {};
  const pairs: Array<[string, string]> = [];
  for (const part of header.split(';')) {
    const s = part.trim();
    if (s === '') continue;
    const eq = s.indexOf('=');
    pairs.push(eq < 0 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)]);
  }
  return toFieldMap(pairs);
}

function headerPairs(headers: IncomingHttpHeaders): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined || name === 'cookie' || isDisallowedHeader(name)) continue;
    if (Array.isArray(v)) for (const x of v) out.push([name, x]);
    else out.push([name, v]);
  }
  return out;
}

export interface ViewerRequest {
  method: string;
  /** Path as received (percent-encoded). */
  uri: string;
  /** Query string without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
}

export interface EventContextInput {
  distributionId: string;
  distributionDomainName: string;
  requestId: string;
  clientIp: string;
}

export function viewerRequestEvent(r: ViewerRequest, c: EventContextInput): CloudFrontFunctionEvent {
  return {
    version: '1.0',
    context: { distributionDomainName: c.distributionDomainName, distributionId: c.distributionId, eventType: 'viewer-request', requestId: c.requestId },
    viewer: { ip: c.clientIp },
    request: {
      method: r.method,
      uri: r.uri,
      querystring: parseQueryString(r.query),
      headers: toFieldMap(headerPairs(r.headers)),
      cookies: parseCookieHeader(headerOne(r.headers['cookie'])),
    },
  };
}

function headerOne(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join('; ') : v;
}

/**
 * The request a viewer-request function returned, as the edge's request: its URI, query string,
 * headers (the function's, plus those it could not see, as they were) and cookies (one Cookie header).
 */
export function applyRequest(original: ViewerRequest, out: FunctionRequest, sent?: CloudFrontFunctionEvent['request']): ViewerRequest {
  // Parts the function did not touch come back as the very objects it was given
  // (@bucketfront/cf-functions): keep the request's own values, rebuild nothing.
  if (sent !== undefined && out.headers === sent.headers && out.cookies === sent.cookies) {
    if (out.uri === original.uri && out.querystring === sent.querystring) return original;
    return { ...original, uri: out.uri, query: out.querystring === sent.querystring ? original.query : serialiseQueryString(out.querystring) };
  }
  const headers: IncomingHttpHeaders = {};
  for (const [name, v] of Object.entries(original.headers)) if (v !== undefined && name !== 'cookie' && isDisallowedHeader(name)) headers[name] = v;
  for (const [name, f] of Object.entries(out.headers)) headers[name] = valuesOf(f).join(', ');
  const cookies: string[] = [];
  for (const [name, f] of Object.entries(out.cookies)) for (const v of valuesOf(f)) cookies.push(`${name}=${v}`);
  if (cookies.length > 0) headers['cookie'] = cookies.join('; ');
  return { method: original.method, uri: out.uri, query: serialiseQueryString(out.querystring), headers };
}

/** A response about to go out: status and flat header list (`[name, value, …]`, lower-case names). */
export interface ViewerResponse {
  status: number;
  headers: string[];
}

export function viewerResponseEvent(request: ViewerRequest, response: ViewerResponse, c: EventContextInput): CloudFrontFunctionEvent {
  const pairs: Array<[string, string]> = [];
  const cookies: ResponseCookieMap = {};
  for (let i = 0; i < response.headers.length; i += 2) {
    const name = response.headers[i]!;
    const value = response.headers[i + 1]!;
    if (name === 'set-cookie') addSetCookie(cookies, value);
    else if (!isDisallowedHeader(name)) pairs.push([name, value]);
  }
  const req = viewerRequestEvent(request, c).request;
  return {
    version: '1.0',
    context: { distributionDomainName: c.distributionDomainName, distributionId: c.distributionId, eventType: 'viewer-response', requestId: c.requestId },
    viewer: { ip: c.clientIp },
    request: req,
    response: { statusCode: response.status, headers: toFieldMap(pairs), cookies },
  };
}

/** `name=value; Path=/; Secure` → cookies[name] = {value, attributes} (repeats in multiValue). */
function addSetCookie(cookies: ResponseCookieMap, header: string): void {
  const semi = header.indexOf(';');
  const pair = semi < 0 ? header : header.slice(0, semi);
  const attributes = semi < 0 ? '' : header.slice(semi + 1).trim();
  const eq = pair.indexOf('=');
  const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
  const value = eq < 0 ? '' : pair.slice(eq + 1).trim();
  const entry = attributes === '' ? { value } : { value, attributes };
  const have = cookies[name];
  if (have === undefined) {
    cookies[name] = entry;
    return;
  }
  have.multiValue ??= [{ value: have.value, ...(have.attributes === undefined ? {} : { attributes: have.attributes }) }];
  have.multiValue.push(entry);
}

function setCookieHeaders(cookies: ResponseCookieMap): string[] {
  const out: string[] = [];
  for (const [name, c] of Object.entries(cookies)) {
    const all = c.multiValue !== undefined && c.multiValue.length > 0 ? c.multiValue : [c];
    for (const v of all) out.push('set-cookie', wireString(v.attributes !== undefined && v.attributes !== '' ? `${name}=${v.value}; ${v.attributes}` : `${name}=${v.value}`));
  }
  return out;
}

/** A function's response headers (+ cookies) as a flat list, after the hidden ones of `keep`. */
export function responseHeaders(out: Pick<FunctionResponse, 'headers' | 'cookies'>, keep: readonly string[] = []): string[] {
  const h: string[] = [];
  for (let i = 0; i < keep.length; i += 2) if (isDisallowedHeader(keep[i]!)) h.push(keep[i]!, keep[i + 1]!);
  for (const [name, f] of Object.entries(out.headers)) for (const v of valuesOf(f)) h.push(name, v);
  h.push(...setCookieHeaders(out.cookies));
  return h;
}

/** The body of a generated response (runtime 2.0: `{data, encoding}`; a string is text). */
export function generatedBody(out: FunctionResponse): Buffer {
  const b = out.body;
  if (b === undefined) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b, 'utf8');
  return Buffer.from(b.data, b.encoding === 'base64' ? 'base64' : 'utf8');
}
