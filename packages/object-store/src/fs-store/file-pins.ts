/**
 * Readers pin the data files of the version they opened; an overwrite or
 * delete defers unlinking pinned files until the last reader closes.
 */
import { promises as fsp } from 'node:fs';
import type { BodyCache } from '../body-cache.js';
import type { ObjectEntry } from './state.js';

export class FilePins {
  /** Data file path → number of open readers. */
  private readonly pins = new Map<string, number>();
  /** Pinned data files whose object is gone: unlinked when the last reader closes. */
  private readonly doomed = new Set<string>();

  constructor(private readonly cache: BodyCache) {}

  pin(paths: string[]): void {
    for (const p of paths) this.pins.set(p, (this.pins.get(p) ?? 0) + 1);
  }

  unpin(paths: string[]): void {
    for (const p of paths) {
      const n = (this.pins.get(p) ?? 1) - 1;
      if (n > 0) {
        this.pins.set(p, n);
        continue;
      }
      this.pins.delete(p);
      if (this.doomed.delete(p)) void fsp.rm(p, { force: true }).catch(() => {});
    }
  }

  /**
   * Unlinks an old version's files, or defers that while readers hold them. `keep`: files the
   * new version still uses (an append's manifest lists the old segments too).
   */
  release(entry: ObjectEntry, keep?: ReadonlySet<string>): void {
    if (entry.inline !== undefined) this.cache.delete(entry.inline.cacheKey);
    for (const p of entry.paths) if (keep?.has(p) !== true) this.discard(p);
  }

  private discard(path: string): void {
    this.cache.delete(path);
    if (this.pins.has(path)) this.doomed.add(path);
    else void fsp.rm(path, { force: true }).catch(() => {});
  }
}
