/**
 * Invalidation paths (docs/cloudfront-caching.md#invalidation).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html#invalidation-specifying-objects
 * - case-sensitive; `*` only as the last character = prefix match;
 * - non-ASCII and RFC 1738 "unsafe" characters are percent-encoded; then the path (not the query)
 *   takes the edge's one RFC 3986 normal form (uri-path.ts), the same as stored entries' paths, so
 *   `/p.html` and `/%70.html` name the same object, as they do for behavior matching;
 * - one path clears all its variants (encodings, headers, cookies) and, unless the path itself
 *   contains a `?`, every keyed query string.
 */

import { normalisePath } from './uri-path.js';

/**
 * RFC 1738 §2.2 unsafe characters plus controls. `%` is encoded only when it does not start a
 * valid escape. Deviation from RFC 1738: `~` stays literal (RFC 3986 unreserved; browsers send it raw).
 */
const UNSAFE = new Set([' ', '<', '>', '"', '#', '{', '}', '|', '\\', '^', '[', ']', '`']);

/**
 * Canonical form used on both sides of a match (invalidation paths, and stored entries' request
 * paths): raw UTF-8 / unsafe characters percent-encoded, then the path part in RFC 3986 normal
 * form (unreserved escapes decoded, other escapes upper-case hex, dot segments removed).
 */
export function normaliseInvalidationPath(raw: string): string {
  const encoded = encodeUnsafe(raw);
  const q = encoded.indexOf('?');
  return q === -1 ? normalisePath(encoded) : normalisePath(encoded.slice(0, q)) + encoded.slice(q);
}

/** Raw UTF-8 / unsafe characters percent-encoded, existing escapes kept with upper-case hex. */
function encodeUnsafe(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    const code = c.charCodeAt(0);
    if (c === '%') {
      if (/^[0-9a-fA-F]{2}$/.test(raw.slice(i + 1, i + 3))) {
        out += '%' + raw.slice(i + 1, i + 3).toUpperCase();
        i += 2;
      } else out += '%25';
    } else if (code < 0x21 || code === 0x7f || UNSAFE.has(c)) {
      out += '%' + code.toString(16).toUpperCase().padStart(2, '0');
    } else if (code > 0x7f) {
      // Encode the whole code point (surrogate pairs included) as UTF-8.
      const cp = raw.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      out += encodeURIComponent(ch);
      i += ch.length - 1;
    } else out += c;
  }
  return out;
}

export type InvalidationPathError = { ok: false; message: string };

/** API-level checks on one path (control API uses these). */
export function validateInvalidationPath(path: string): { ok: true } | InvalidationPathError {
  if (!path.startsWith('/')) return { ok: false, message: `Your request contains one or more invalid invalidation paths: ${path} (must start with /).` };
  if (path.length > 4000) return { ok: false, message: 'Invalidation path exceeds 4000 characters.' };
  const star = path.indexOf('*');
  if (star !== -1 && star !== path.length - 1) return { ok: false, message: `Your request contains one or more invalid invalidation paths: ${path} (* only as the last character).` };
  return { ok: true };
}

export function isWildcardPath(path: string): boolean {
  return path.endsWith('*');
}

/** A compiled ban. */
export interface InvalidationMatcher {
  /** Normalised pattern, without the trailing `*` when `prefix`. */
  value: string;
  prefix: boolean;
  /** Pattern includes `?`: it is matched against path + '?' + keyed query. */
  withQuery: boolean;
}

export function compileInvalidationPath(raw: string): InvalidationMatcher {
  const prefix = raw.endsWith('*');
  const body = prefix ? raw.slice(0, -1) : raw;
  const value = normaliseInvalidationPath(body);
  return { value, prefix, withQuery: body.includes('?') };
}

/**
 * Does the ban cover a stored variant with this (normalised) request path and keyed query?
 * `/a` covers `/a`, `/a?x=1`; `/a?x=1` covers only that query; `/assets/*` covers every path
 * under `/assets/` with any query; `/a*` covers `/a`, `/ab`, `/a?x`.
 */
export function matchesInvalidation(m: InvalidationMatcher, entry: { path: string; query: string }): boolean {
  const subject = m.withQuery ? entry.path + (entry.query === '' ? '' : '?' + entry.query) : entry.path;
  if (m.prefix) {
    if (subject.startsWith(m.value)) return true;
    // `/a?*` style: prefix on the path-with-query; a query-less entry matches `/a?` too.
    return m.withQuery && m.value.endsWith('?') && entry.query === '' && entry.path === m.value.slice(0, -1);
  }
  return subject === m.value;
}

/** Convenience: raw invalidation path vs a raw request path (normalised here). */
export function invalidationPathMatches(invalidationPath: string, requestPath: string, keyedQuery = ''): boolean {
  return matchesInvalidation(compileInvalidationPath(invalidationPath), { path: normaliseInvalidationPath(requestPath), query: keyedQuery });
}
