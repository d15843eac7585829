/**
 * The request target of an HTTP/1.1 request line (RFC 9112 §3.2,
 * https://www.rfc-editor.org/rfc/rfc9112#section-3.2), split without WHATWG URL parsing:
 * that would resolve dot segments and re-encode, and S3 keys may contain `/../` and `%2F`.
 */
export interface RequestTarget {
  /** The path, still percent-encoded, always starting with `/`. */
  path: string;
  /** The query without its `?`; `undefined` when the target has no `?` at all. */
  query: string | undefined;
  /** The authority of an absolute-form target (`http://HOST/…`), without userinfo; it replaces Host (RFC 9112 §3.2.2). */
  authority?: string;
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s;

/** Splits `req.url` (origin-form or absolute-form) into path, query and authority. */
export function parseRequestTarget(url: string | undefined): RequestTarget {
  let rest = url === undefined || url === '' ? '/' : url;
  let authority: string | undefined;
  if (!rest.startsWith('/')) {
    const m = ABSOLUTE_FORM.exec(rest);
    if (m) {
      authority = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
      rest = m[2]!.startsWith('/') ? m[2]! : '/' + m[2]!;
    } else rest = '/' + rest;
  }
  const q = rest.indexOf('?');
  const target: RequestTarget = q === -1 ? { path: rest, query: undefined } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
  if (authority !== undefined && authority !== '') target.authority = authority;
  return target;
}

/** The still-encoded path and the query string (`''` when there is none) of a request target. */
export function splitTarget(url: string | undefined): { path: string; query: string } {
  const { path, query } = parseRequestTarget(url);
  return { path, query: query ?? '' };
}
