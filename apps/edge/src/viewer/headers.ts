/**
 * Response/request header helpers for the viewer side.
 * Header rules: docs/cloudfront-caching.md#response-headers (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#ResponseCustomRemovedHeaders)
 */
import { createHash, randomBytes } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { hostname } from 'node:os';
import type { EngineState } from '../context.js';

/** RFC 9110 §7.6.1 hop-by-hop fields plus those CloudFront removes (Trailer, Upgrade). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization']);
/** Set per variant or per request by the edge. */
const EDGE_OWNED = new Set(['date', 'age', 'content-length', 'content-encoding', 'etag', 'x-cache', 'x-amz-cf-pop', 'x-amz-cf-id', 'via', 'vary']);

let lastSecond = -1;
let dateString = '';
/** The Date header, formatted at most once per second. */
export function httpDate(now: number): string {
  const s = Math.floor(now / 1000);
  if (s !== lastSecond) {
    lastSecond = s;
    dateString = new Date(s * 1000).toUTCString();
  }
  return dateString;
}

/**
 * The fields the edge sets on every response it answers other than a plain hit:
 * X-Cache (`<result> from <product word>`), Via, X-Amz-Cf-Pop, Date and X-Amz-Cf-Id, as name/value pairs.
 */
export function edgeResponseFields(state: Pick<EngineState, 'config' | 'via'>, result: string, now: number, reqId: string): string[] {
  return ['x-cache', `${result} from ${state.config.productWord}`, 'via', state.via, 'x-amz-cf-pop', state.config.pop, 'date', httpDate(now), 'x-amz-cf-id', reqId];
}

/** `1.1 <32-hex>.cloudfront.net (CloudFront)`; the hex is stable per host+pop (same for all workers). */
export function viaValue(pop: string): string {
  const hex = createHash('md5').update(`${hostname()}|${pop}`).digest('hex');
  return `1.1 ${hex}.cloudfront.net (CloudFront)`;
}

const idPrefix = randomBytes(24).toString('base64url'); // 32 chars
let idCounter = 0;
/** Opaque 56-character per-request id shaped like CloudFront's X-Amz-Cf-Id (cheap: random process prefix + counter). */
export function requestId(): string {
  idCounter = (idCounter + 1) % Number.MAX_SAFE_INTEGER;
  return idPrefix + idCounter.toString(36).padStart(22, '0') + '==';
}

export type HeaderMap = Record<string, string | string[] | undefined>;

export function headerValue(h: HeaderMap, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Field names listed in a message's Connection header: hop-by-hop, never forwarded (RFC 9110 §7.6.1). */
export function connectionListed(h: HeaderMap): ReadonlySet<string> {
  const v = headerValue(h, 'connection');
  // Fast path: the usual values name no other field.
  if (v === undefined || ONLY_OPTIONS.test(v)) return EMPTY;
  return new Set(
    v
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}
const EMPTY: ReadonlySet<string> = new Set();
const ONLY_OPTIONS = /^\s*(?:close|keep-alive)\s*$/i;

/**
 * The request's end-to-end header fields: `h` itself, or (when Connection names other fields) a
 * copy without them. "A proxy or gateway MUST parse a received Connection header field […] and
 * then remove each connection option" (RFC 9110 §7.6.1), so the edge neither forwards them nor
 * keys on them: a keyed field the origin never sees must not pick the cache entry, or the answer
 * made without it would be stored under its value (cache poisoning).
 * https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
 */
export function endToEndHeaders<H extends HeaderMap>(h: H): H {
  const listed = connectionListed(h);
  if (listed.size === 0) return h;
  let copy: H | undefined;
  for (const name of listed) {
    if (name === 'connection' || h[name] === undefined) continue;
    copy ??= { ...h };
    delete copy[name];
  }
  return copy ?? h;
}

export interface FilterOptions {
  /** Forward/keep Set-Cookie only when the behavior forwards cookies. */
  keepSetCookie: boolean;
  /** Lower-cased header names the behavior keys (kept in Vary). */
  forwardedHeaders: readonly string[];
}

/**
 * Origin response headers → the stored, viewer-facing flat array (minus per-variant and
 * per-request fields). Removes hop-by-hop headers and anything listed in Connection,
 * Set-Cookie unless cookies are forwarded; Vary is handled by `filterVary`.
 */
export function filterOriginHeaders(h: HeaderMap, opts: FilterOptions): string[] {
  const listed = connectionListed(h);
  const out: string[] = [];
  for (const [name, value] of Object.entries(h)) {
    if (value === undefined) continue;
    if (HOP_BY_HOP.has(name) || EDGE_OWNED.has(name) || listed.has(name)) continue;
    if (name === 'set-cookie' && !opts.keepSetCookie) continue;
    // Validated once at fill: a header Node would refuse must not turn every later hit into a 500.
    for (const v of Array.isArray(value) ? value : [value]) if (isValidHeader(name, v)) out.push(name, v);
  }
  return out;
}

function isValidHeader(name: string, value: string): boolean {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return true;
  } catch {
    return false;
  }
}

/** Vary filtered down to Accept-Encoding, Cookie (when cookies are forwarded) and the keyed headers. */
export function filterVary(vary: string | undefined, opts: FilterOptions & { addAcceptEncoding: boolean }): string | undefined {
  const allowed = new Set(['accept-encoding', ...opts.forwardedHeaders]);
  if (opts.keepSetCookie) allowed.add('cookie');
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of (vary ?? '').split(',')) {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (name === '' || !allowed.has(lower) || seen.has(lower)) continue;
    seen.add(lower);
    out.push(name);
  }
  if (opts.addAcceptEncoding && !seen.has('accept-encoding')) out.push('Accept-Encoding');
  return out.length > 0 ? out.join(', ') : undefined;
}

/** Request headers never forwarded to the origin on pass-through. */
export function isHopByHopRequestHeader(name: string): boolean {
  return HOP_BY_HOP.has(name) || name === 'host';
}
