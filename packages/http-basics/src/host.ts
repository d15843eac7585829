/**
 * Host header handling. Host names are case-insensitive (RFC 9110 §4.2.3,
 * https://www.rfc-editor.org/rfc/rfc9110#section-4.2.3); the port is not part of the name.
 */

/** The Host header's name, lower-cased and trimmed, without its port. A bracketed IPv6 literal comes back bracketed. */
export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/**
 * True when the request carries more than one Host field line (node keeps only the first).
 * RFC 9112 §3.2 (https://www.rfc-editor.org/rfc/rfc9112#section-3.2): such a request gets 400,
 * so that no component can pick a different Host (bucket, distribution) than another.
 */
export function hasRepeatedHost(rawHeaders: readonly string[]): boolean {
  let seen = false;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (seen) return true;
      seen = true;
    }
  }
  return false;
}
