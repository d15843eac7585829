/**
 * --cache-control rules: `GLOB=VALUE` applies VALUE to keys matching GLOB
 * (picomatch, relative to the destination prefix, `**` crosses directories, a
 * pattern without `/` matches the basename at any depth); a plain VALUE applies
 * to every key. The first matching rule wins.
 *
 * A value may itself contain `=` (`max-age=60`), so a rule is GLOB=VALUE only when
 * the part before the first `=` looks like a glob/path and not like a directive.
 */
import picomatch from 'picomatch';

export interface CacheControlRule {
  glob: string | null;
  value: string;
}

const DIRECTIVE = /^\s*(public|private|no-cache|no-store|max-age|s-maxage|must-revalidate|proxy-revalidate|no-transform|immutable|stale-while-revalidate|stale-if-error|must-understand)\s*$/i;

export function parseCacheControlRule(spec: string): CacheControlRule {
  const eq = spec.indexOf('=');
  if (eq <= 0) return { glob: null, value: spec.trim() };
  const head = spec.slice(0, eq);
  if (DIRECTIVE.test(head) || /[,\s]/.test(head)) return { glob: null, value: spec.trim() };
  return { glob: head, value: spec.slice(eq + 1).trim() };
}

export type CacheControlResolver = (relativeKey: string) => string | undefined;

export function buildCacheControl(specs: readonly string[]): CacheControlResolver {
  const rules = specs.map(parseCacheControlRule).map((r) => ({
    value: r.value,
    match: r.glob === null ? () => true : picomatch(r.glob, { dot: true, basename: !r.glob.includes('/') }),
  }));
  return (key) => rules.find((r) => r.match(key))?.value;
}
