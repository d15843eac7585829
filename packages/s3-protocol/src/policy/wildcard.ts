/**
 * IAM wildcard matching: `*` matches any run of characters, `?` exactly one
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards).
 */
const cache = new Map<string, RegExp>();

function compile(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = (ignoreCase ? 'i:' : 's:') + pattern;
  let re = cache.get(cacheKey);
  if (!re) {
    const source = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : '\\' + c));
    re = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (cache.size > 1000) cache.clear();
    cache.set(cacheKey, re);
  }
  return re;
}

export function matchesWildcard(pattern: string, value: string, opts: { ignoreCase?: boolean } = {}): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return opts.ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  return compile(pattern, opts.ignoreCase ?? false).test(value);
}
