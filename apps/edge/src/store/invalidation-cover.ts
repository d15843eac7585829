/**
 * Which stored responses one invalidation batch covers, for every tier (memory bans, the disk
 * index's put/refresh checks and its delete filter).
 *
 * - path items: cache-policy compileInvalidationPath / matchesInvalidation, against the entry's
 *   path and its altPath (`/index.html` for `/`);
 * - `#tag` items: exact, case-insensitive match on the entry's tags (cache-tags.ts).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
 *
 * Exact paths sit in hash sets (CloudFront allows 3,000 paths per batch, so a lookup must not scan
 * them); wildcard paths (≤ 15 in progress on CloudFront) are a list.
 */
import { compileInvalidationPath, matchesInvalidation, type InvalidationMatcher } from '@bucketfront/cache-policy';
import { tagOfItem } from './cache-tags.js';

export interface InvalidationCover {
  /** Normalised exact paths without `?`: they cover every keyed query of the path. */
  exactPaths: Set<string>;
  /** Normalised `path?query` items: they cover that query only. */
  exactWithQuery: Set<string>;
  /** Wildcard items (`*` last). */
  prefixes: InvalidationMatcher[];
  /** `#tag` items, lower-cased. */
  tags: Set<string>;
}

/** What a cover is matched against: a stored response's identity. */
export interface CoverSubject {
  path: string;
  altPath?: string | undefined;
  query: string;
  tags?: readonly string[] | undefined;
}

export function compileInvalidationItems(items: readonly string[]): InvalidationCover {
  const cover: InvalidationCover = { exactPaths: new Set(), exactWithQuery: new Set(), prefixes: [], tags: new Set() };
  for (const item of items) {
    const tag = tagOfItem(item);
    if (tag !== undefined) {
      cover.tags.add(tag);
      continue;
    }
    const m = compileInvalidationPath(item);
    if (m.prefix) cover.prefixes.push(m);
    else if (m.withQuery) cover.exactWithQuery.add(m.value);
    else cover.exactPaths.add(m.value);
  }
  return cover;
}

export function coversPath(c: InvalidationCover, path: string, query: string): boolean {
  if (c.exactPaths.has(path)) return true;
  if (c.exactWithQuery.size > 0 && c.exactWithQuery.has(query === '' ? path : `${path}?${query}`)) return true;
  for (const m of c.prefixes) if (matchesInvalidation(m, { path, query })) return true;
  return false;
}

export function coversTags(c: InvalidationCover, tags: readonly string[] | undefined): boolean {
  if (c.tags.size === 0 || tags === undefined) return false;
  for (const t of tags) if (c.tags.has(t)) return true;
  return false;
}

/** Does the batch cover this response (path, altPath, or one of its tags)? Distribution is the caller's check. */
export function covers(c: InvalidationCover, e: CoverSubject): boolean {
  return coversPath(c, e.path, e.query) || (e.altPath !== undefined && coversPath(c, e.altPath, e.query)) || coversTags(c, e.tags);
}
