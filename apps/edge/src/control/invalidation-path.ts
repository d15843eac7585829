/**
 * Invalidation items: paths (`/…`) and cache tags (`#tag`). The API's validation rules and
 * the normalisation applied before handing items to the runtime: paths with the edge's cache
 * policy (so the control API and the matcher agree), tags lower-cased (tags compare without case).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
 */
import { isWildcardPath, normaliseInvalidationPath, validateInvalidationPath } from '@bucketfront/cache-policy';
import { MAX_TAG_LENGTH, isValidCacheTag, tagOfItem } from '../store/cache-tags.js';
import { errors, type ControlError } from './errors.js';

export { normaliseInvalidationPath };

/** A `#tag` item (CreateInvalidation mixes paths and tags in Paths.Items). */
export function isTagItem(item: string): boolean {
  return item.startsWith('#');
}

/** A path ending in `*`. Tags have no wildcard (`#a*` is the literal tag `a*`): never a wildcard item. */
export function isWildcardItem(item: string): boolean {
  return !isTagItem(item) && isWildcardPath(item);
}

/** Returns the error for an item the API rejects (InvalidArgument), or null when it is acceptable. */
export function checkInvalidationItem(item: string): ControlError | null {
  if (item.length === 0) return errors.invalidArgument('Your request contains an empty invalidation path.');
  if (isTagItem(item)) return checkTagItem(item);
  const verdict = validateInvalidationPath(item);
  return verdict.ok ? null : errors.invalidArgument(verdict.message);
}

function checkTagItem(item: string): ControlError | null {
  const tag = item.slice(1);
  if (isValidCacheTag(tag)) return null;
  const shown = item.length > 80 ? `${item.slice(0, 80)}…` : item;
  const bad = (why: string) => errors.invalidArgument(`Your request contains an invalid cache tag item: ${shown} (${why}).`);
  if (tag.length === 0) return bad('a tag item needs at least one character after #');
  if (tag.length > MAX_TAG_LENGTH) return bad(`a tag is at most ${MAX_TAG_LENGTH} characters, this one has ${tag.length}`);
  if (tag.includes(',')) return bad('a tag cannot contain a comma');
  const odd = [...tag].find((c) => c.codePointAt(0)! < 0x21 || c.codePointAt(0)! > 0x7e)!;
  const code = `U+${odd.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return bad(`a tag is visible ASCII characters 33–126 only; found ${code}`);
}

/** What the runtime gets: a path normalised, a tag item as `#` + the lower-cased tag. */
export function normaliseInvalidationItem(item: string): string {
  const tag = tagOfItem(item);
  return tag === undefined ? normaliseInvalidationPath(item) : `#${tag}`;
}
