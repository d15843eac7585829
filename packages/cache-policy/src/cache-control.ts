/**
 * Cache-Control parsing, RFC 9111 §5.2 (response directives) and RFC 5861
 * (stale-while-revalidate, stale-if-error).
 */

export interface CacheControl {
  maxAge?: number;
  sMaxAge?: number;
  noStore: boolean;
  noCache: boolean;
  private: boolean;
  public: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  noTransform: boolean;
  immutable: boolean;
  staleWhileRevalidate?: number;
  staleIfError?: number;
}

const EMPTY: CacheControl = Object.freeze({
  noStore: false,
  noCache: false,
  private: false,
  public: false,
  mustRevalidate: false,
  proxyRevalidate: false,
  noTransform: false,
  immutable: false,
}) as CacheControl;

type DeltaField = 'maxAge' | 'sMaxAge' | 'staleWhileRevalidate' | 'staleIfError';
type FlagField = Exclude<keyof CacheControl, DeltaField>;

/** Directives that take delta-seconds (an invalid value leaves the field out), by name. */
const DELTA_DIRECTIVES: ReadonlyMap<string, DeltaField> = new Map([
  ['max-age', 'maxAge'],
  ['s-maxage', 'sMaxAge'],
  ['stale-while-revalidate', 'staleWhileRevalidate'],
  ['stale-if-error', 'staleIfError'],
]);

/**
 * Directives that set a flag, by name. `no-cache="Set-Cookie"` / `private="x"` (qualified forms)
 * are treated like the unqualified directive: the conservative reading RFC 9111 §5.2.2.4/§5.2.2.7 allows.
 */
const FLAG_DIRECTIVES: ReadonlyMap<string, FlagField> = new Map([
  ['no-store', 'noStore'],
  ['no-cache', 'noCache'],
  ['private', 'private'],
  ['public', 'public'],
  ['must-revalidate', 'mustRevalidate'],
  ['proxy-revalidate', 'proxyRevalidate'],
  ['no-transform', 'noTransform'],
  ['immutable', 'immutable'],
]);

/** RFC 9111 §1.2.2 delta-seconds: 1*DIGIT; anything else is invalid and ignored. Large values saturate. */
function parseDeltaSeconds(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.min(n, 2 ** 31) : 2 ** 31;
}

/** Splits on commas outside quoted strings. */
function splitDirectives(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
      continue;
    }
    if (c === '\\' && quoted && i + 1 < s.length) {
      cur += c + s[++i];
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Parse one or more Cache-Control header values. Directive names are
 * case-insensitive (RFC 9111 §5.2); when a directive repeats, the first wins.
 */
export function parseCacheControl(value: string | readonly string[] | undefined | null): CacheControl {
  if (value === undefined || value === null || value.length === 0) return { ...EMPTY };
  const joined = typeof value === 'string' ? value : value.join(',');
  const cc: CacheControl = { ...EMPTY };
  const seen = new Set<string>();
  for (const raw of splitDirectives(joined)) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    let arg = eq === -1 ? undefined : part.slice(eq + 1).trim();
    if (arg !== undefined && arg.length >= 2 && arg.startsWith('"') && arg.endsWith('"')) arg = arg.slice(1, -1);
    if (seen.has(name)) continue;
    seen.add(name);
    const delta = DELTA_DIRECTIVES.get(name);
    const flag = FLAG_DIRECTIVES.get(name);
    if (delta !== undefined) {
      const seconds = parseDeltaSeconds(arg);
      if (seconds !== undefined) cc[delta] = seconds;
    } else if (flag !== undefined) {
      cc[flag] = true;
    }
  }
  return cc;
}

/** `no-store`, `no-cache` or `private`: the directives CloudFront treats as "don't cache" (docs/cloudfront-caching.md#no-cache). */
export function isNoCacheDirective(cc: CacheControl): boolean {
  return cc.noStore || cc.noCache || cc.private;
}
