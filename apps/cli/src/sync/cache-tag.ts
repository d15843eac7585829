/**
 * --cache-tag rules: `GLOB=TAG[,TAG…]` tags the objects uploaded under keys matching GLOB
 * (picomatch, relative to the destination prefix, `**` crosses directories, a pattern without
 * `/` matches the basename at any depth: the same globs as --cache-control). Unlike
 * --cache-control, every matching rule contributes (a key can carry a release tag and a
 * section tag); tags are deduplicated without case, as CloudFront compares them.
 *
 * The tags go into the object's user metadata `cache-tag` (S3 answers it as the
 * `x-amz-meta-cache-tag` header), which a distribution whose CacheTagConfig.HeaderName is
 * `x-amz-meta-cache-tag` stores with the cached object, so `#tag` invalidations reach it.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
 *
 * Tags are checked here with the edge's own rules (visible ASCII 33–126 without a comma, ≤ 256
 * characters, ≤ 50 per object): CloudFront would silently ignore a bad or surplus tag, which
 * then could never be invalidated, so the CLI refuses it before uploading anything.
 */
import picomatch from 'picomatch';
import { MAX_TAGS_PER_OBJECT, MAX_TAG_LENGTH, isValidCacheTag } from '@bucketfront/edge/cache-tags';
import { UsageError } from '../util/errors.js';

/** The user-metadata key (S3: `x-amz-meta-cache-tag`). */
export const CACHE_TAG_METADATA_KEY = 'cache-tag';
/** S3: user-defined metadata is at most 2 KB (key + value bytes). */
const MAX_USER_METADATA_BYTES = 2048;

export interface CacheTagRule {
  glob: string;
  tags: string[];
}

export function parseCacheTagRule(spec: string): CacheTagRule {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--cache-tag takes GLOB=TAG[,TAG…] (e.g. 'assets/**=assets,release-42'), got '${spec}'`);
  const glob = spec.slice(0, eq);
  const tags = spec
    .slice(eq + 1)
    .split(',')
    .map((t) => t.trim());
  for (const tag of tags) {
    const problem = tagProblem(tag);
    if (problem) throw new UsageError(`--cache-tag '${spec}': ${problem}`);
  }
  return { glob, tags };
}

function tagProblem(tag: string): string | undefined {
  if (isValidCacheTag(tag)) return undefined;
  if (tag === '') return 'empty tag';
  if (tag.length > MAX_TAG_LENGTH) return `tag '${tag.slice(0, 40)}…' is longer than ${MAX_TAG_LENGTH} characters`;
  return `tag '${tag}' may only contain visible ASCII characters (33–126) other than ','`;
}

/** The tags of a key (relative to the destination prefix), or undefined when no rule matches. */
export type CacheTagResolver = (relativeKey: string) => string[] | undefined;

export function buildCacheTags(specs: readonly string[]): CacheTagResolver {
  const rules = specs.map(parseCacheTagRule).map((r) => ({
    tags: r.tags,
    match: picomatch(r.glob, { dot: true, basename: !r.glob.includes('/') }),
  }));
  return (key) => {
    const byLower = new Map<string, string>();
    for (const r of rules) {
      if (!r.match(key)) continue;
      for (const tag of r.tags) if (!byLower.has(tag.toLowerCase())) byLower.set(tag.toLowerCase(), tag);
    }
    if (byLower.size === 0) return undefined;
    const tags = [...byLower.values()];
    if (tags.length > MAX_TAGS_PER_OBJECT) {
      throw new UsageError(`--cache-tag rules give ${key} ${tags.length} tags; CloudFront stores at most ${MAX_TAGS_PER_OBJECT} per object`);
    }
    const bytes = Buffer.byteLength(CACHE_TAG_METADATA_KEY) + Buffer.byteLength(cacheTagMetadataValue(tags));
    if (bytes > MAX_USER_METADATA_BYTES) {
      throw new UsageError(`--cache-tag rules give ${key} ${bytes} bytes of metadata; S3 allows ${MAX_USER_METADATA_BYTES}`);
    }
    return tags;
  };
}

/** The metadata value: the tags comma-separated. */
export function cacheTagMetadataValue(tags: readonly string[]): string {
  return tags.join(',');
}

/** User metadata for an upload or a replacing copy: `{ 'cache-tag': 'a,b' }`, or undefined. */
export function cacheTagMetadata(tags: readonly string[] | undefined): Record<string, string> | undefined {
  return tags && tags.length > 0 ? { [CACHE_TAG_METADATA_KEY]: cacheTagMetadataValue(tags) } : undefined;
}
