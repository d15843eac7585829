/**
 * Lists a local directory tree: every regular file (symlinks followed, like
 * aws-cli's default --follow-symlinks), with its path relative to the root using '/'.
 *
 * Synchronous on purpose: nothing else runs meanwhile, and readdirSync/statSync
 * avoid a thread-pool round trip and a promise per file (measured ~2× faster on 5,000 files).
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { Entry } from './plan.js';

export interface LocalEntry extends Entry {
  path: string;
  ino: number;
}

/** `path` of each entry is absolute (it keys the hash cache). */
export async function listLocal(root: string): Promise<LocalEntry[]> {
  const out: LocalEntry[] = [];
  walk(resolve(root), '', out, new Set(), true);
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

/** `linkedDirs`: dev:ino of directories entered through a symlink, so a link loop ends. */
function walk(dir: string, relDir: string, out: LocalEntry[], linkedDirs: Set<string>, isRoot = false): void {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && isRoot) return; // a missing root lists as empty
    throw err;
  }
  for (const d of dirents) {
    const path = join(dir, d.name);
    const rel = relDir + d.name;
    if (d.isDirectory()) {
      walk(path, `${rel}/`, out, linkedDirs);
    } else if (d.isFile() || d.isSymbolicLink()) {
      const st = statSync(path, { throwIfNoEntry: false }); // dangling symlink: skipped, like aws-cli
      if (st?.isFile()) out.push({ rel, path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
      else if (st?.isDirectory()) {
        const id = `${st.dev}:${st.ino}`;
        if (linkedDirs.has(id)) continue;
        linkedDirs.add(id);
        walk(path, `${rel}/`, out, linkedDirs);
      }
    }
  }
}

/**
 * Would `rel` (a key relative to the sync root) land outside `root`? Keys like
 * `../x` or `a/../../x` must never be written (aws-cli skips them the same way).
 */
export function escapesRoot(root: string, rel: string): boolean {
  const target = resolve(root, ...rel.split('/'));
  const r = relative(resolve(root), target);
  return r === '' || r.startsWith('..') || isAbsolute(r);
}

/** Local path for a relative key ('/'-separated). */
export function localPathFor(root: string, rel: string): string {
  return join(root, ...rel.split('/').filter((p) => p !== '')) + (rel.endsWith('/') ? sep : '');
}
