/**
 * The request line's target, split as received. RFC 9112 §3.2:
 * https://www.rfc-editor.org/rfc/rfc9112#section-3.2
 */

export interface RequestTarget {
  /** Only for an absolute-form target (`GET http://host/path`): its authority, without userinfo. */
  authority?: string;
  /** The raw path, never resolved or re-encoded. */
  path: string;
  /** The raw query (without `?`), undefined when the target has none. */
  query: string | undefined;
}

/**
 * Request target → authority (absolute-form only), raw path and raw query. The path is kept as
 * received (no WHATWG URL parsing, which would resolve dot segments and re-encode): the origin
 * gets the viewer's path.
 */
export function parseTarget(url: string): RequestTarget {
  let u = url;
  let authority: string | undefined;
  if (!u.startsWith('/')) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s.exec(u);
    if (m) {
      // absolute-form (RFC 9112 §3.2.2); userinfo is not part of the host
      authority = m[1]!.slice(m[1]!.lastIndexOf('@') + 1);
      u = m[2]!.startsWith('/') ? m[2]! : '/' + m[2]!;
    } else u = '/' + u;
  }
  const q = u.indexOf('?');
  const t: RequestTarget = q === -1 ? { path: u, query: undefined } : { path: u.slice(0, q), query: u.slice(q + 1) };
  if (authority !== undefined && authority !== '') t.authority = authority;
  return t;
}
