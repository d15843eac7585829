/**
 * IAM wildcard matching: `*` matches any run of characters, `?` exactly one
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards).
 */
const MAX_CACHED = 1000;
/** Compiled patterns, one cache per case mode (no key concatenation on the hot path). */
const sensitive = new Map<string, RegExp>();
const insensitive = new Map<string, RegExp>();

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const cache = ignoreCase ? insensitive : sensitive;
  let re = cache.get(pattern);
  if (!re) {
    const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\' + c));
    re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

export function matchesWildcard(pattern: string, value: string, opts: { ignoreCase?: boolean } = {}): boolean {
  if (pattern === '*') return true;
  if (pattern === value) return true;
  const ignoreCase = opts.ignoreCase ?? false;
  if (!ignoreCase && !pattern.includes('*') && !pattern.includes('?')) return false;
  return compile(pattern, ignoreCase).test(value);
}
