/**
 * ListObjects pages over the backend's ListObjectsV2.
 *
 * Our pages resume with `startAfter` = the last key *or common prefix*
 * returned. S3's `start-after=dir/` would list `dir/a` again, which groups
 * into `dir/` again (some backends, radosgw among them, skip the group
 * themselves; others do not). So when `startAfter` is a common prefix, one
 * entry more is asked for and a leading `dir/` group is dropped: the page
 * never repeats it, whichever way the backend behaves.
 */
import { compareKeys } from '../key-order.js';
import { S3_LIMITS, type ListObjectsOptions } from '../types.js';
import type { ListedObject, ObjectListing } from './xml.js';

export interface ListPlan {
  query: [string, string][];
  maxKeys: number;
  /** The common prefix `startAfter` names, whose group must not come back. */
  skipGroup?: string;
}

/** True when `startAfter` is itself a common prefix of this listing (how an earlier page may have ended). */
function isGroup(startAfter: string, prefix: string, delimiter: string): boolean {
  if (delimiter === '' || !startAfter.startsWith(prefix) || !startAfter.endsWith(delimiter)) return false;
  return startAfter.indexOf(delimiter, prefix.length) === startAfter.length - delimiter.length;
}

export function planListing(opts: ListObjectsOptions): ListPlan {
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter ?? '';
  const startAfter = opts.startAfter ?? '';
  const maxKeys = Math.max(0, Math.min(Math.floor(opts.maxKeys), S3_LIMITS.maxListKeys));
  const skipGroup = startAfter !== '' && isGroup(startAfter, prefix, delimiter) ? startAfter : undefined;
  const ask = skipGroup !== undefined ? Math.min(maxKeys + 1, S3_LIMITS.maxListKeys) : maxKeys;
  const query: [string, string][] = [
    ['list-type', '2'],
    ['encoding-type', 'url'],
    ['max-keys', String(ask)],
  ];
  if (prefix !== '') query.push(['prefix', prefix]);
  if (delimiter !== '') query.push(['delimiter', delimiter]);
  if (startAfter !== '') query.push(['start-after', startAfter]);
  return skipGroup !== undefined ? { query, maxKeys, skipGroup } : { query, maxKeys };
}

export interface PageEntries {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  lastReturned?: string;
}

/** The backend page cut to our page: keys and prefixes in UTF-8 order, at most `maxKeys` together. */
export function finishListing(plan: ListPlan, page: ObjectListing): PageEntries {
  type Entry = { name: string; object?: ListedObject };
  const entries: Entry[] = [...page.objects.map((o) => ({ name: o.key, object: o })), ...page.commonPrefixes.map((p) => ({ name: p }))].sort((a, b) => compareKeys(a.name, b.name));
  if (plan.skipGroup !== undefined && entries[0] !== undefined && entries[0].object === undefined && entries[0].name === plan.skipGroup) {
    entries.shift();
  }
  let isTruncated = page.isTruncated;
  if (entries.length > plan.maxKeys) {
    entries.length = plan.maxKeys;
    isTruncated = true;
  }
  const out: PageEntries = { objects: [], commonPrefixes: [], isTruncated };
  for (const e of entries) {
    if (e.object !== undefined) out.objects.push(e.object);
    else out.commonPrefixes.push(e.name);
  }
  const last = entries[entries.length - 1];
  if (last !== undefined) out.lastReturned = last.name;
  return out;
}
