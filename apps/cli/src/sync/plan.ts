/**
 * Sync planning, pure: source listing × destination listing → actions.
 *
 * Comparison of a key present on both sides (aws-cli's rules in
 * awscli/customizations/s3/syncstrategy/*.py, plus content comparison):
 * 1. sizes differ → transfer;
 * 2. --size-only → equal sizes mean unchanged;
 * 3. the content can be compared (local MD5 / multipart ETag vs the remote ETag,
 *    or two comparable ETags) → transfer only if it differs, whatever the mtimes;
 * 4. otherwise aws-cli's time rule: upload/copy when the source is newer than the
 *    destination; download when the local file is newer than the object
 *    (downloads set the local mtime to LastModified), or, with
 *    --exact-timestamps, when the times differ at all.
 * Step 3 needs hashes of local files, which is I/O: `planSync` returns the pairs that
 * need them (`needsHash`) and `resolveHashed` finishes the decision.
 */
import { contentMatches, etagCheckFor, normalizeEtag, type LocalHashes } from './etag.js';

export type Direction = 'upload' | 'download' | 'copy';

/** One file or object, keyed by its path relative to the sync root ('/'-separated). */
export interface Entry {
  rel: string;
  size: number;
  /** ms since epoch: local mtime or S3 LastModified. */
  mtimeMs: number;
  /** S3 ETag (objects only). */
  etag?: string;
}

export interface PlanOptions {
  direction: Direction;
  delete: boolean;
  sizeOnly: boolean;
  exactTimestamps: boolean;
  /** Relative paths passing --exclude/--include. */
  filter: (rel: string) => boolean;
}

export type TransferReason = 'new' | 'size' | 'content' | 'time';

export interface Transfer {
  src: Entry;
  /** The destination entry when one exists. */
  dst?: Entry;
  reason: TransferReason;
}

export interface Pair {
  src: Entry;
  dst: Entry;
}

export interface SyncPlan {
  transfers: Transfer[];
  deletes: Entry[];
  unchanged: Pair[];
  /** Same size, comparable by content: decide with `resolveHashed` once the local side is hashed. */
  needsHash: Pair[];
}

export function planSync(src: readonly Entry[], dst: readonly Entry[], opts: PlanOptions): SyncPlan {
  const dstByRel = new Map<string, Entry>();
  for (const d of dst) if (opts.filter(d.rel)) dstByRel.set(d.rel, d);
  const plan: SyncPlan = { transfers: [], deletes: [], unchanged: [], needsHash: [] };
  const seen = new Set<string>();
  for (const s of src) {
    if (!opts.filter(s.rel)) continue;
    seen.add(s.rel);
    const d = dstByRel.get(s.rel);
    if (!d) {
      plan.transfers.push({ src: s, reason: 'new' });
      continue;
    }
    const decision = compare(s, d, opts);
    if (decision === 'hash') plan.needsHash.push({ src: s, dst: d });
    else if (decision === 'same') plan.unchanged.push({ src: s, dst: d });
    else plan.transfers.push({ src: s, dst: d, reason: decision });
  }
  if (opts.delete) {
    for (const d of dstByRel.values()) if (!seen.has(d.rel)) plan.deletes.push(d);
  }
  return plan;
}

type Decision = 'same' | 'hash' | TransferReason;

function compare(s: Entry, d: Entry, opts: PlanOptions): Decision {
  if (s.size !== d.size) return 'size';
  if (opts.sizeOnly) return 'same';
  if (opts.direction === 'copy') {
    const a = normalizeEtag(s.etag);
    const b = normalizeEtag(d.etag);
    // Equal ETags of the same size: same content. Two plain MD5s that differ: different content.
    if (a && a === b) return 'same';
    if (etagCheckFor(a, s.size).kind === 'md5' && etagCheckFor(b, d.size).kind === 'md5') return 'content';
    return compareTime(s, d, opts);
  }
  const remote = opts.direction === 'upload' ? d : s;
  if (remote.etag && etagCheckFor(remote.etag, remote.size).kind !== 'unknown') return 'hash';
  return compareTime(s, d, opts);
}

function compareTime(s: Entry, d: Entry, opts: PlanOptions): Decision {
  // Second granularity: S3 LastModified has no sub-second part.
  const srcS = Math.floor(s.mtimeMs / 1000);
  const dstS = Math.floor(d.mtimeMs / 1000);
  if (opts.direction === 'download') {
    if (opts.exactTimestamps) return srcS === dstS ? 'same' : 'time';
    return dstS > srcS ? 'time' : 'same';
  }
  return srcS > dstS ? 'time' : 'same';
}

/** The hashes needed to compare `pair` by content (which local part sizes to compute). */
export function hashRequestFor(pair: Pair, direction: Direction): { md5: boolean; partSizes: number[] } {
  const remote = direction === 'upload' ? pair.dst : pair.src;
  const check = etagCheckFor(remote.etag ?? '', remote.size);
  if (check.kind === 'md5') return { md5: true, partSizes: [] };
  if (check.kind === 'multipart') return { md5: false, partSizes: check.partSizes };
  return { md5: false, partSizes: [] };
}

/** Finishes `needsHash`: hashes of the local side of each pair (undefined when unreadable). */
export function resolveHashed(pairs: readonly Pair[], hashes: (pair: Pair) => LocalHashes | undefined, opts: PlanOptions): { transfers: Transfer[]; unchanged: Pair[] } {
  const out = { transfers: [] as Transfer[], unchanged: [] as Pair[] };
  for (const pair of pairs) {
    const remote = opts.direction === 'upload' ? pair.dst : pair.src;
    const local = hashes(pair);
    const same = local ? contentMatches(remote.etag ?? '', remote.size, local) : undefined;
    if (same === true) out.unchanged.push(pair);
    else if (same === false) out.transfers.push({ src: pair.src, dst: pair.dst, reason: 'content' });
    else if (compareTime(pair.src, pair.dst, opts) === 'same') out.unchanged.push(pair);
    else out.transfers.push({ src: pair.src, dst: pair.dst, reason: 'time' });
  }
  return out;
}
