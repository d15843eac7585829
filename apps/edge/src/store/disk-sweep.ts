/**
 * The disk tier owner's start-up clean-up (disk-store.ts), run in the background:
 * - `tmp/` leftovers (a process died while writing a body);
 * - orphan body files: a file in `bodies/` no index row names (a process died between the
 *   rename and the commit, or an unlink failed);
 * - `bodies.discard-*` directories left by an index reset that did not finish.
 *
 * Other processes may be writing meanwhile: a file counts as leftover only when it is older than
 * `minAgeMs` (a put renames its body and commits within the index's busy timeout), so the store
 * runs a second pass later for files that were too young at the first.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { BODIES_DIR, TMP_DIR, parseBodyFileName } from './body-files.js';

export const DISCARD_PREFIX = 'bodies.discard-';

export interface SweepOptions {
  dir: string;
  /** Does an index row name this body? Throwing (index closed) keeps the file. */
  hasBody(bodyId: string): boolean;
  /** Files modified less than this long ago (ms, file-system time) are kept. */
  minAgeMs: number;
  /** True once the store closed: stop. */
  stopped(): boolean;
}

export interface SweepResult {
  removed: number;
  /** Leftovers kept because they were too young. */
  young: number;
}

export async function sweepLeftovers(o: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { removed: 0, young: 0 };
  const cutoff = Date.now() - o.minAgeMs;
  const removeIfOld = async (file: string): Promise<void> => {
    const st = await fsp.stat(file).catch(() => undefined);
    if (st === undefined) return;
    if (st.mtimeMs > cutoff) {
      result.young++;
      return;
    }
    if (
      await fsp.unlink(file).then(
        () => true,
        () => false,
      )
    )
      result.removed++;
  };

  for (const name of await readdirOrEmpty(o.dir)) {
    if (o.stopped()) return result;
    if (name.startsWith(DISCARD_PREFIX)) await fsp.rm(join(o.dir, name), { recursive: true, force: true }).catch(() => {});
  }
  for (const name of await readdirOrEmpty(join(o.dir, TMP_DIR))) {
    if (o.stopped()) return result;
    await removeIfOld(join(o.dir, TMP_DIR, name));
  }
  const bodies = join(o.dir, BODIES_DIR);
  for (const fan of await readdirOrEmpty(bodies)) {
    for (const name of await readdirOrEmpty(join(bodies, fan))) {
      if (o.stopped()) return result;
      const parsed = parseBodyFileName(name);
      if (parsed === undefined) continue;
      let named: boolean;
      try {
        named = o.hasBody(parsed.bodyId);
      } catch {
        return result;
      }
      if (!named) await removeIfOld(join(bodies, fan, name));
    }
  }
  return result;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return fsp.readdir(dir).catch(() => []);
}
