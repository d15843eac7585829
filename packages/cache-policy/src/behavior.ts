/**
 * Cache behavior path patterns (docs/cloudfront-caching.md#behaviors).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-web-values-specify.html#DownloadDistValuesPathPattern
 * `*` matches 0 or more characters, `?` exactly one; case-sensitive; the leading `/` is optional;
 * query strings and cookies are not part of the match; the first matching behavior wins and the
 * default behavior (`*`) comes last.
 */

const cache = new Map<string, RegExp>();

function patternToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const p = pattern.startsWith('/') ? pattern : '/' + pattern;
  let src = '^';
  for (const c of p) {
    if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else src += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  re = new RegExp(src + '$', 's');
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}

export function matchPathPattern(pattern: string, path: string): boolean {
  if (pattern === '*') return true;
  const p = path.startsWith('/') ? path : '/' + path;
  return patternToRegExp(pattern).test(p);
}

/** First behavior whose pathPattern matches `path` (the caller's normalised path, uri-path.ts), else the default. */
export function selectBehavior<B extends { pathPattern: string }>(behaviors: readonly B[], defaultBehavior: B, path: string): B {
  for (const b of behaviors) if (matchPathPattern(b.pathPattern, path)) return b;
  return defaultBehavior;
}
