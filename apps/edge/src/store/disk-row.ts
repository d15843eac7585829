/**
 * A CachedResponse ⇄ its disk-index row (disk-index.ts) and body files (body-files.ts).
 * Only the fields of CachedResponse are stored (an engine StoredEntry's per-process state,
 * hitHeaders included, is dropped); bodies are described by length and CRC-32.
 */
import type { EntryTimes } from '@bucketfront/cache-policy';
import type { CachedResponse, Coding, StoredBody } from './cache-store.js';
import type { EntryRow } from './disk-index.js';
import { bodyChecksum } from './body-files.js';

/** Bytes accounted per entry on top of its bodies: the index row and the last, partly used block of its files. */
export const ENTRY_OVERHEAD_BYTES = 2048;

interface StoredVariantMeta {
  length: number;
  crc32: number;
  headers: string[];
  etag?: string;
}

/** The `response` JSON column: what has no column of its own. */
interface ResponseMeta {
  status: number;
  baseHeaders: string[];
  variants: Partial<Record<Coding, StoredVariantMeta>>;
  compressible?: boolean;
  originEncoding?: string;
  undecodable?: boolean;
  etag?: string;
  lastModified?: string;
  collapsible: boolean;
  tags?: string[];
}

export function codingsOf(entry: Pick<CachedResponse, 'variants'>): Coding[] {
  return (Object.keys(entry.variants) as Coding[]).filter((c) => entry.variants[c] !== undefined);
}

export function parseCodings(column: string): Coding[] {
  return column === '' ? [] : (column.split(',') as Coding[]);
}

export function entrySize(entry: Pick<CachedResponse, 'variants'>): number {
  let n = ENTRY_OVERHEAD_BYTES;
  for (const c of codingsOf(entry)) n += entry.variants[c]!.body.length;
  return n;
}

export function toRow(entry: CachedResponse, bodyId: string, accessedAt: number): EntryRow {
  const variants: ResponseMeta['variants'] = {};
  for (const c of codingsOf(entry)) {
    const v = entry.variants[c]!;
    variants[c] = { length: v.body.length, crc32: bodyChecksum(v.body), headers: v.headers, ...(v.etag === undefined ? {} : { etag: v.etag }) };
  }
  const meta: ResponseMeta = {
    status: entry.status,
    baseHeaders: entry.baseHeaders,
    variants,
    compressible: entry.compressible,
    originEncoding: entry.originEncoding,
    undecodable: entry.undecodable,
    etag: entry.etag,
    lastModified: entry.lastModified,
    collapsible: entry.collapsible,
    tags: entry.tags,
  };
  const response = JSON.stringify(meta);
  // What the index holds for the row counts too: a viewer picks the key, path and query (up to
  // ~20 KB each) and the origin the headers and tags, so bodies alone would let the index grow far
  // past maxBytes. The key is stored again in the tags table, once per tag.
  const tags = entry.tags ?? [];
  const indexBytes = 2 * entry.key.length + entry.path.length + (entry.altPath?.length ?? 0) + entry.query.length + response.length + tags.reduce((n, t) => n + t.length + entry.key.length, 0);
  return {
    key: entry.key,
    body_id: bodyId,
    codings: codingsOf(entry).join(','),
    distribution: entry.distributionId,
    path: entry.path,
    alt_path: entry.altPath ?? null,
    query: entry.query,
    size: entrySize(entry) + indexBytes,
    accessed_at: accessedAt,
    times: JSON.stringify(entry.times),
    cache_control: entry.cacheControl ?? null,
    expires: entry.expires ?? null,
    response,
  };
}

/** What a row says about its body files: where to read them and what to check. */
/**
 * A row's `response` column, parsed. It never changes for a body id (a put takes a new one; a
 * refresh rewrites only times, cache_control and expires), so each process parses it once per
 * body (bounded): a shared-tier hit then decodes no JSON but its times.
 */
const parsedMeta = new Map<string, ResponseMeta>();
const MAX_PARSED = 10_000;

function metaOf(row: Pick<EntryRow, 'response' | 'body_id'>): ResponseMeta {
  let meta = parsedMeta.get(row.body_id);
  if (meta === undefined) {
    meta = JSON.parse(row.response) as ResponseMeta;
    if (parsedMeta.size >= MAX_PARSED) parsedMeta.delete(parsedMeta.keys().next().value!);
    parsedMeta.set(row.body_id, meta);
  }
  return meta;
}

export function bodiesOf(row: Pick<EntryRow, 'response' | 'body_id'>): Array<{ coding: Coding; length: number; crc32: number }> {
  const meta = metaOf(row);
  return (Object.keys(meta.variants) as Coding[]).map((coding) => ({ coding, length: meta.variants[coding]!.length, crc32: meta.variants[coding]!.crc32 }));
}

/** The tags recorded in a row (for put/refresh checks against invalidations). */
export function tagsOf(row: Pick<EntryRow, 'response'>): string[] | undefined {
  return (JSON.parse(row.response) as ResponseMeta).tags;
}

/**
 * A row's times, parsed once per row object (disk-index.ts remembers rows until the file changes,
 * so a hit on a remembered row parses nothing). Entries share the object: times are replaced, never
 * changed in place.
 */
const parsedTimes = new WeakMap<EntryRow, EntryTimes>();
function timesOf(row: EntryRow): EntryTimes {
  let times = parsedTimes.get(row);
  if (times === undefined) {
    times = JSON.parse(row.times) as EntryTimes;
    parsedTimes.set(row, times);
  }
  return times;
}

export function fromRow(row: EntryRow, bodies: Partial<Record<Coding, Buffer>>): CachedResponse {
  const meta = metaOf(row);
  const variants: Partial<Record<Coding, StoredBody>> = {};
  for (const c of Object.keys(meta.variants) as Coding[]) {
    const v = meta.variants[c]!;
    variants[c] = { body: bodies[c]!, headers: v.headers, ...(v.etag === undefined ? {} : { etag: v.etag }) };
  }
  const e: CachedResponse = {
    key: row.key,
    distributionId: row.distribution,
    path: row.path,
    query: row.query,
    status: meta.status,
    baseHeaders: meta.baseHeaders,
    variants,
    times: timesOf(row),
    collapsible: meta.collapsible,
  };
  if (row.alt_path !== null) e.altPath = row.alt_path;
  if (meta.compressible !== undefined) e.compressible = meta.compressible;
  if (meta.originEncoding !== undefined) e.originEncoding = meta.originEncoding;
  if (meta.undecodable !== undefined) e.undecodable = meta.undecodable;
  if (meta.etag !== undefined) e.etag = meta.etag;
  if (meta.lastModified !== undefined) e.lastModified = meta.lastModified;
  if (row.cache_control !== null) e.cacheControl = row.cache_control;
  if (row.expires !== null) e.expires = row.expires;
  if (meta.tags !== undefined) e.tags = meta.tags;
  return e;
}
