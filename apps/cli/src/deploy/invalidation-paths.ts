/**
 * Which CloudFront paths to invalidate after a deploy, pure.
 *
 * - every changed or deleted key `k` → `/k`;
 * - a key that is a directory's index document (`dir/index.html`) is also served
 *   as `/dir/` and `/dir`; the root `index.html` as `/`;
 * - keys are percent-encoded the way CloudFront expects: only non-ASCII and
 *   RFC 1738 "unsafe" characters, nothing else, or the path no longer matches
 *   what viewers request (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html).
 * - more paths than `maxPaths` (CloudFront allows 3,000 in progress) collapse to `/*`.
 */

/** RFC 1738 §2.2 unsafe characters plus `?` (a query separator in a URL path) and controls. */
const UNSAFE = new Set([' ', '"', '<', '>', '#', '%', '{', '}', '|', '\\', '^', '[', ']', '`', '?']);

export function encodeInvalidationPath(key: string): string {
  let out = '';
  for (const ch of key) {
    const code = ch.codePointAt(0)!;
    if (code < 0x21 || code > 0x7e || UNSAFE.has(ch)) {
      for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    } else {
      out += ch;
    }
  }
  return `/${out}`;
}

export interface InvalidationOptions {
  /** The website index document suffix (GetBucketWebsite IndexDocument.Suffix). */
  indexDocument?: string;
  /** Above this many paths, invalidate `/*` instead. */
  maxPaths?: number;
  /** Key prefix the site lives under in the bucket; stripped from paths when the distribution serves it at the root. */
  stripPrefix?: string;
}

export function invalidationPaths(keys: Iterable<string>, opts: InvalidationOptions = {}): string[] {
  const index = opts.indexDocument ?? 'index.html';
  const maxPaths = opts.maxPaths ?? 3000;
  const paths = new Set<string>();
  for (const rawKey of keys) {
    const key = opts.stripPrefix && rawKey.startsWith(opts.stripPrefix) ? rawKey.slice(opts.stripPrefix.length) : rawKey;
    paths.add(encodeInvalidationPath(key));
    if (key === index) {
      paths.add('/');
    } else if (key.endsWith(`/${index}`)) {
      const dir = encodeInvalidationPath(key.slice(0, -index.length - 1));
      paths.add(`${dir}/`);
      paths.add(dir);
    }
  }
  const list = [...paths].sort();
  return list.length > maxPaths ? ['/*'] : list;
}
