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
import { S3_LIMITS, type ListObjectsOptions, type ListObjectVersionsOptions } from '../types.js';
import type { ListedObject, ListedVersion, ObjectListing, VersionListing } from './xml.js';

export interface ListPlan {
  query: [string, string | undefined][];
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

// ---------------------------------------------------------------- ListObjectVersions

/**
 * ListObjectVersions over the backend's: the same care as above for a `keyMarker` that is a
 * common prefix (an earlier page ended on it), since `key-marker=dir/` would list `dir/a`'s
 * versions again, grouped into `dir/` again, on a backend that does not skip the group itself.
 */
export function planVersionListing(opts: ListObjectVersionsOptions): ListPlan {
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter ?? '';
  const keyMarker = opts.keyMarker ?? '';
  const maxKeys = Math.max(0, Math.min(Math.floor(opts.maxKeys), S3_LIMITS.maxListKeys));
  // A group's name is no key of this listing, so a version-id marker sent with it names nothing.
  const skipGroup = keyMarker !== '' && isGroup(keyMarker, prefix, delimiter) ? keyMarker : undefined;
  const ask = skipGroup !== undefined ? Math.min(maxKeys + 1, S3_LIMITS.maxListKeys) : maxKeys;
  const query: [string, string | undefined][] = [
    ['versions', undefined],
    ['encoding-type', 'url'],
    ['max-keys', String(ask)],
  ];
  if (prefix !== '') query.push(['prefix', prefix]);
  if (delimiter !== '') query.push(['delimiter', delimiter]);
  if (keyMarker !== '') query.push(['key-marker', keyMarker]);
  if (keyMarker !== '' && skipGroup === undefined && opts.versionIdMarker !== undefined) query.push(['version-id-marker', opts.versionIdMarker]);
  return skipGroup !== undefined ? { query, maxKeys, skipGroup } : { query, maxKeys };
}

export interface VersionPage {
  entries: ListedVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** The backend page cut to ours: entries and prefixes in key order (each key's history as listed), at most `maxKeys` together. */
export function finishVersionListing(plan: ListPlan, page: VersionListing): VersionPage {
  type Entry = { name: string; version?: ListedVersion };
  // Array.prototype.sort is stable: a key's versions keep the backend's newest-first order.
  const entries: Entry[] = [...page.entries.map((v) => ({ name: v.key, version: v })), ...page.commonPrefixes.map((p) => ({ name: p }))].sort((a, b) => compareKeys(a.name, b.name));
  if (plan.skipGroup !== undefined && entries[0] !== undefined && entries[0].version === undefined && entries[0].name === plan.skipGroup) {
    entries.shift();
  }
  let cut = false;
  if (entries.length > plan.maxKeys) {
    entries.length = plan.maxKeys;
    cut = true;
  }
  const out: VersionPage = { entries: [], commonPrefixes: [], isTruncated: page.isTruncated || cut };
  for (const e of entries) {
    if (e.version !== undefined) out.entries.push(e.version);
    else out.commonPrefixes.push(e.name);
  }
  if (!out.isTruncated) return out;
  // Resume after the last entry returned (S3's NextKeyMarker / NextVersionIdMarker). The
  // backend's own markers name the same entry unless this page was cut here.
  const last = entries[entries.length - 1];
  if (!cut && page.nextKeyMarker !== undefined) {
    out.nextKeyMarker = page.nextKeyMarker;
    if (page.nextVersionIdMarker !== undefined) out.nextVersionIdMarker = page.nextVersionIdMarker;
  } else if (last !== undefined) {
    out.nextKeyMarker = last.name;
    if (last.version !== undefined) out.nextVersionIdMarker = last.version.versionId;
  }
  return out;
}
