/**
 * Cache keys (docs/cloudfront-caching.md#cache-key) and Accept-Encoding normalisation (docs/cloudfront-caching.md#compression).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-the-cache-key.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html#compressed-content-cloudfront-cache-key
 */

export type KeyBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';

export interface CacheKeyPolicy {
  queryStrings: { behavior: KeyBehavior; items: readonly string[] };
  /** Header names, case-insensitive. */
  headers: { behavior: 'none' | 'whitelist'; items: readonly string[] };
  cookies: { behavior: KeyBehavior; items: readonly string[] };
}

export const DEFAULT_CACHE_KEY_POLICY: CacheKeyPolicy = Object.freeze({
  queryStrings: { behavior: 'none', items: [] },
  headers: { behavior: 'none', items: [] },
  cookies: { behavior: 'none', items: [] },
}) as CacheKeyPolicy;

export type NormalisedAcceptEncoding = 'br,gzip' | 'gzip' | 'br' | 'identity';

/**
 * CloudFront normalises the viewer's Accept-Encoding to `br,gzip`, `gzip`, `br`, or — when
 * neither is acceptable — `identity` (left out of the key). Codings with `q=0` are not
 * acceptable (RFC 9110 §12.5.3); `*` (q>0) accepts both.
 */
export function normaliseAcceptEncoding(value: string | readonly string[] | undefined): NormalisedAcceptEncoding {
  if (value === undefined) return 'identity';
  const joined = typeof value === 'string' ? value : value.join(',');
  let br = false;
  let gzip = false;
  let star: boolean | undefined;
  const explicit = new Set<string>();
  for (const part of joined.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = (rawName ?? '').trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    const ok = q > 0;
    if (name === 'br') {
      br = ok;
      explicit.add('br');
    } else if (name === 'gzip' || name === 'x-gzip') {
      gzip = gzip || ok;
      explicit.add('gzip');
    } else if (name === '*') star = ok;
  }
  if (star) {
    if (!explicit.has('br')) br = true;
    if (!explicit.has('gzip')) gzip = true;
  }
  if (br && gzip) return 'br,gzip';
  if (gzip) return 'gzip';
  if (br) return 'br';
  return 'identity';
}

/**
 * Filter a raw query string (without `?`) by policy. Order and case are kept as received:
 * CloudFront documents that they change the key, so we neither sort nor lower-case.
 */
export function filterQueryString(query: string, policy: CacheKeyPolicy['queryStrings']): string {
  if (query === '' || policy.behavior === 'none') return '';
  if (policy.behavior === 'all') return query;
  const items = new Set(policy.items);
  const keep = policy.behavior === 'whitelist';
  return query
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        /* keep raw name */
      }
      return items.has(name) === keep;
    })
    .join('&');
}

/** Parse a Cookie header into [name, value] pairs in order (RFC 6265 §4.2.1). */
export function parseCookies(header: string | readonly string[] | undefined): Array<[string, string]> {
  if (header === undefined) return [];
  const joined = typeof header === 'string' ? header : header.join('; ');
  const out: Array<[string, string]> = [];
  for (const part of joined.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name !== '') out.push([name, part.slice(eq + 1).trim()]);
  }
  return out;
}

/** The cookies the policy keys (and forwards), in viewer order, as a Cookie header value ('' for none). */
export function filterCookies(header: string | readonly string[] | undefined, policy: CacheKeyPolicy['cookies']): string {
  if (policy.behavior === 'none') return '';
  const items = new Set(policy.items);
  return parseCookies(header)
    .filter(([name]) => policy.behavior === 'all' || (policy.behavior === 'whitelist') === items.has(name))
    .map(([n, v]) => `${n}=${v}`)
    .join('; ');
}

export interface CacheKeyInput {
  /** The distribution id (upper-case letters and digits, validated at start-up): kept as it is. */
  host: string;
  /** Request path without the query, percent-normalised (`normalisePercentEncoding`). */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  /** Node's lower-cased request headers. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  policy: CacheKeyPolicy;
  /** Include the normalised Accept-Encoding (when edge compression is on and AE is not keyed explicitly). */
  acceptEncoding?: NormalisedAcceptEncoding;
  /** e.g. 'OPTIONS' — OPTIONS responses get a separate key (docs/cloudfront-caching.md#cacheable); GET/HEAD share one. */
  method?: string;
}

/** Does the policy list Accept-Encoding explicitly? That disables edge compression (docs/cloudfront-caching.md#compression). */
export function keysAcceptEncoding(policy: CacheKeyPolicy): boolean {
  return policy.headers.behavior === 'whitelist' && policy.headers.items.some((h) => h.toLowerCase() === 'accept-encoding');
}

/**
 * Start of every key of one distribution (OPTIONS keys carry `OPTIONS ` before it). The id and the
 * path are separated by a line feed, which no request target can contain, so no path can make one
 * distribution's key equal to another's (`E1` + `2/x` vs `E12` + `/x`); no case folding.
 */
export function distributionKeyPrefix(distributionId: string): string {
  return distributionId + '\n';
}

/**
 * Deterministic cache key: distribution + path + kept query, then keyed headers, cookies and the
 * normalised Accept-Encoding, separated by characters that cannot appear in a request line.
 */
export function buildCacheKey(input: CacheKeyInput): string {
  const { policy } = input;
  let key = distributionKeyPrefix(input.host) + input.path;
  const q = filterQueryString(input.query, policy.queryStrings);
  if (q !== '') key += '?' + q;
  if (input.method === 'OPTIONS') key = 'OPTIONS ' + key;
  if (policy.headers.behavior === 'whitelist') {
    for (const name of policy.headers.items) {
      const v = input.headers[name.toLowerCase()];
      key += '\n' + name.toLowerCase() + (v === undefined ? '' : ':' + (Array.isArray(v) ? v.join(',') : v));
    }
  }
  const cookies = filterCookies(input.headers['cookie'], policy.cookies);
  if (cookies !== '') key += '\ncookie:' + cookies;
  if (input.acceptEncoding !== undefined && input.acceptEncoding !== 'identity') key += '\nae:' + input.acceptEncoding;
  return key;
}
