/**
 * Invalidations on the disk index: which rows a batch covers, and whether a response fetched from
 * a given generation may still be stored (Varnish-style ordering: cache-store.ts).
 *
 * Generations are invalidation ids (AUTOINCREMENT, never reused). Rows are kept for a retention
 * window; a fetch that started before the newest pruned invalidation cannot be checked any more
 * and is refused (conservative: it only costs a cache fill that took longer than the window).
 */
import type { DiskIndex, IdentityRow } from './disk-index.js';
import { compileInvalidationItems, covers, coversPath, type CoverSubject, type InvalidationCover } from './invalidation-cover.js';

/** Compiled batches kept per process: they are immutable, and a 3,000-path batch is worth compiling once. */
const MAX_COMPILED = 256;

export class DiskInvalidations {
  private readonly compiled = new Map<number, InvalidationCover>();

  constructor(private readonly index: DiskIndex) {}

  /**
   * Must a response of `distribution` fetched from `generation` on be refused? Call inside the
   * write transaction that stores it, so no invalidation can slip in between.
   */
  refuses(distribution: string, subject: CoverSubject, generation: number): boolean {
    if (!Number.isInteger(generation) || generation < 0) return true;
    if (generation < this.index.totals().prunedThrough) return true;
    for (const id of this.index.invalidationIdsAfter(distribution, generation)) {
      const cover = this.cover(id);
      if (cover === undefined || covers(cover, subject)) return true;
    }
    return false;
  }

  /** The rows of `distribution` that `cover` covers: candidates from the indexes, then the exact rules. */
  coveredRows(distribution: string, cover: InvalidationCover): IdentityRow[] {
    const out = new Map<string, IdentityRow>();
    const pathMatches = (r: IdentityRow): boolean => coversPath(cover, r.path, r.query) || (r.alt_path !== null && coversPath(cover, r.alt_path, r.query));
    const addMatching = (rows: IdentityRow[]): void => {
      for (const r of rows) if (!out.has(r.key) && pathMatches(r)) out.set(r.key, r);
    };
    for (const p of cover.exactPaths) addMatching(this.index.byPath(distribution, p));
    for (const v of cover.exactWithQuery) addMatching(this.index.byPath(distribution, pathPart(v)));
    for (const m of cover.prefixes) {
      // `/a?x*` can only cover path `/a`; `/assets/*` covers a range of paths.
      addMatching(m.withQuery ? this.index.byPath(distribution, pathPart(m.value)) : this.index.byPathPrefix(distribution, m.value));
    }
    for (const tag of cover.tags) for (const r of this.index.byTag(distribution, tag)) out.set(r.key, r);
    return [...out.values()];
  }

  /** Forget compiled batches the owner pruned. */
  forgetThrough(id: number): void {
    for (const k of this.compiled.keys()) if (k <= id) this.compiled.delete(k);
  }

  private cover(id: number): InvalidationCover | undefined {
    let c = this.compiled.get(id);
    if (c !== undefined) return c;
    const items = this.index.invalidationItems(id);
    if (items === undefined) return undefined;
    c = compileInvalidationItems(items);
    if (this.compiled.size >= MAX_COMPILED) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(id, c);
    return c;
  }
}

/** The path of a normalised `path?query` pattern. */
function pathPart(pattern: string): string {
  const q = pattern.indexOf('?');
  return q === -1 ? pattern : pattern.slice(0, q);
}
