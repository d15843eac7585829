/**
 * `deploy --invalidate-tags`: which `#tag` items to invalidate after a deploy, pure.
 *
 * The tags of every changed or deleted key (from the --cache-tag rules, as uploaded), each once
 * (tags compare without case), as `#tag` items; keys no rule tags cannot be reached by a tag, so
 * they are returned for path invalidation. CloudFront counts each tag item as one path.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
 */

export interface TagInvalidation {
  /** `#tag` items, sorted. */
  tagItems: string[];
  /** Changed keys without a tag: invalidate these by path. */
  untaggedKeys: string[];
}

export function tagInvalidationItems(keys: Iterable<string>, tagsOf: (key: string) => readonly string[] | undefined): TagInvalidation {
  const tags = new Map<string, string>();
  const untaggedKeys: string[] = [];
  for (const key of keys) {
    const own = tagsOf(key);
    if (!own || own.length === 0) {
      untaggedKeys.push(key);
      continue;
    }
    for (const tag of own) if (!tags.has(tag.toLowerCase())) tags.set(tag.toLowerCase(), tag);
  }
  return { tagItems: [...tags.values()].map((t) => `#${t}`).sort(), untaggedKeys };
}
