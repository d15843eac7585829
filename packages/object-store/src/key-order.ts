/**
 * Key ordering and listing over a sorted key array (pure functions).
 *
 * S3 lists keys "in UTF-8 binary order"
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
 * UTF-8 byte order equals Unicode code point order. JavaScript's `<` compares
 * UTF-16 code units, which differs only where a surrogate (an astral char,
 * U+10000…) meets a BMP char in U+E000…U+FFFF: UTF-16 puts the astral char
 * first, UTF-8 puts it last. `compareKeys` fixes exactly that case, without
 * encoding the strings.
 */

/** Maps a UTF-16 code unit so that unit order equals code point order. */
function rank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit < 0xe000) return unit + 0x2000; // surrogates sort after every BMP char
  return unit - 0x800; // U+E000…U+FFFF move down into the gap
}

/** Negative, zero or positive as `a` sorts before, equal to or after `b` in UTF-8 byte order. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/** First index whose key is >= `key` (or > `key` when `exclusive`). */
export function lowerBound(keys: readonly string[], key: string, exclusive = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(keys[mid]!, key);
    if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index at or after `from` whose key neither sorts before `prefix` nor starts with it. */
export function endOfPrefix(keys: readonly string[], prefix: string, from: number): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k.startsWith(prefix) || compareKeys(k, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` into the sorted array unless present; returns true when inserted. */
export function insertSorted(keys: string[], key: string): boolean {
  const i = lowerBound(keys, key);
  if (keys[i] === key) return false;
  keys.splice(i, 0, key);
  return true;
}

/** Removes `key` from the sorted array; returns true when it was there. */
export function removeSorted(keys: string[], key: string): boolean {
  const i = lowerBound(keys, key);
  if (keys[i] !== key) return false;
  keys.splice(i, 1);
  return true;
}

export interface ListPage {
  /** Keys to return, in order. */
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned. */
  lastReturned?: string;
}

/**
 * One page of a ListObjects-style listing over sorted `keys`.
 *
 * - `startAfter` is exclusive. When it equals a common prefix (how a previous
 *   page ended), the whole group under that prefix is skipped.
 * - `maxKeys` counts keys and common prefixes together.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-prefixes.html
 */
export function listPage(keys: readonly string[], opts: { prefix?: string; delimiter?: string; startAfter?: string; maxKeys: number }): ListPage {
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter ?? '';
  const startAfter = opts.startAfter ?? '';
  const out: ListPage = { keys: [], commonPrefixes: [], isTruncated: false };

  let i = lowerBound(keys, prefix);
  if (startAfter !== '' && compareKeys(startAfter, prefix) >= 0) {
    i = Math.max(i, lowerBound(keys, startAfter, true));
  }
  out.isTruncated = walkListing(
    keys,
    i,
    { prefix, delimiter, max: opts.maxKeys, skipGroup: startAfter },
    (k) => {
      out.keys.push(keys[k]!);
      out.lastReturned = keys[k];
    },
    (common) => {
      out.commonPrefixes.push(common);
      out.lastReturned = common;
    },
  );
  return out;
}

/**
 * The page walk both listings share. From index `from` of `keys` (sorted; the walk ends at the first
 * key outside `prefix`), keys sharing a common prefix at `delimiter` roll up into it, the group
 * `skipGroup` (where a previous page ended) is passed over whole, and each key or common prefix counts
 * one against `max`. `onKey(i)` and `onCommonPrefix(p)` receive them in order; true when more remained
 * (the page is truncated).
 */
export function walkListing(
  keys: readonly string[],
  from: number,
  o: { prefix: string; delimiter: string; max: number; skipGroup?: string },
  onKey: (index: number) => void,
  onCommonPrefix: (common: string) => void,
): boolean {
  let i = from;
  let count = 0;
  while (i < keys.length) {
    const key = keys[i]!;
    if (!key.startsWith(o.prefix)) break; // keys under a prefix are contiguous
    let common: string | undefined;
    if (o.delimiter !== '') {
      const at = key.indexOf(o.delimiter, o.prefix.length);
      if (at >= 0) common = key.slice(0, at + o.delimiter.length);
    }
    if (common !== undefined && common === o.skipGroup) {
      i = endOfPrefix(keys, common, i); // resume after a group returned on the previous page
      continue;
    }
    if (count >= o.max) return true;
    count++;
    if (common !== undefined) {
      onCommonPrefix(common);
      i = endOfPrefix(keys, common, i);
    } else {
      onKey(i);
      i++;
    }
  }
  return false;
}
