/**
 * Cache tags, as CloudFront reads them from the header named in a distribution's CacheTagConfig:
 * comma-separated values; each tag is visible ASCII (33–126) without commas, at most 256
 * characters, compared without case; at most 50 tags per object (the ones beyond are not stored).
 * A tag that breaks the format is ignored (not stored, so it cannot be invalidated) and the
 * object's other tags still apply. https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
 */
export const MAX_TAGS_PER_OBJECT = 50;
export const MAX_TAG_LENGTH = 256;

const TAG = /^[\x21-\x2b\x2d-\x7e]+$/; // visible ASCII except ',' (0x2c)

export function isValidCacheTag(tag: string): boolean {
  return tag.length > 0 && tag.length <= MAX_TAG_LENGTH && TAG.test(tag);
}

/** The tags of a response from its header value(s): lower-cased, deduplicated, valid, ≤ 50. */
export function parseCacheTags(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const out = new Set<string>();
  for (const line of Array.isArray(value) ? value : [value]) {
    for (const raw of line.split(',')) {
      if (out.size >= MAX_TAGS_PER_OBJECT) return [...out];
      const tag = raw.trim();
      if (isValidCacheTag(tag)) out.add(tag.toLowerCase());
    }
  }
  return [...out];
}

/** A `#tag` invalidation item → its tag (lower-cased), or undefined for a path item. */
export function tagOfItem(item: string): string | undefined {
  return item.startsWith('#') ? item.slice(1).toLowerCase() : undefined;
}
