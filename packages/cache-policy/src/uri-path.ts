/**
 * The one normal form of a request path the edge decides on (behavior matching, invalidation
 * matching, cache key): RFC 3986 §6.2.2 syntax-based normalisation.
 * - §6.2.2.1 case: hex digits of percent-encodings in upper case (`%2f` → `%2F`);
 * - §6.2.2.2 percent-encoding: escapes of unreserved characters (ALPHA DIGIT - . _ ~) decoded
 *   (`/%61pi` → `/api`); every other escape (reserved such as `%2F`, UTF-8 bytes) stays encoded;
 * - §6.2.2.3 path segments: dot segments removed by §5.2.4 (`/a/../api/x` → `/api/x`).
 * CloudFront normalises the URI path consistently with RFC 3986 before matching path patterns, and
 * sends the raw path to the origin ("Path pattern" in Cache behavior settings):
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

/** RFC 3986 §2.3 unreserved characters. */
function isUnreserved(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e;
}

/**
 * §6.2.2.1 + §6.2.2.2 only: unreserved escapes decoded, other escapes upper-cased. A `%` that does
 * not start an escape is left as it is. Dot segments are kept.
 */
export function normalisePercentEncoding(path: string): string {
  if (path.indexOf('%') === -1) return path;
  let out = '';
  let from = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 1)) {
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) continue;
    const code = parseInt(hex, 16);
    out += path.slice(from, i) + (isUnreserved(code) ? String.fromCharCode(code) : '%' + hex.toUpperCase());
    from = i + 3;
    i += 2;
  }
  return out + path.slice(from);
}

/** RFC 3986 §5.2.4 remove_dot_segments. */
export function removeDotSegments(path: string): string {
  let input = path;
  const out: string[] = [];
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../')) {
      input = input.slice(3);
      out.pop();
    } else if (input === '/..') {
      input = '/';
      out.pop();
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', input.startsWith('/') ? 1 : 0);
      const seg = next === -1 ? input : input.slice(0, next);
      out.push(seg);
      input = input.slice(seg.length);
    }
  }
  return out.join('');
}

/**
 * The normalised path. A fast no-op (no allocation) for the common path: no `%` and no `/.`
 * (every dot segment of a path starting with `/` contains `/.`).
 */
export function normalisePath(path: string): string {
  return withoutDotSegments(normalisePercentEncoding(path));
}

/** §6.2.2.3 alone: `path` with its dot segments removed; itself (no allocation) when it has none. */
export function withoutDotSegments(path: string): string {
  return path.indexOf('/.') === -1 && !path.startsWith('.') ? path : removeDotSegments(path);
}
