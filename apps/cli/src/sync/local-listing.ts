/**
 * Lists a local directory tree: every regular file (symlinks followed, like
 * aws-cli's default --follow-symlinks), with its path relative to the root using '/'.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Entry } from './plan.js';

export interface LocalEntry extends Entry {
  path: string;
  ino: number;
}

export async function listLocal(root: string): Promise<LocalEntry[]> {
  const out: LocalEntry[] = [];
  await walk(root, '', out);
  out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return out;
}

async function walk(dir: string, relDir: string, out: LocalEntry[]): Promise<void> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && relDir === '') return; // a missing root lists as empty
    throw err;
  }
  const subdirs: Promise<void>[] = [];
  const files: Promise<void>[] = [];
  for (const d of dirents) {
    const path = join(dir, d.name);
    const rel = relDir + d.name;
    if (d.isDirectory()) {
      subdirs.push(walk(path, `${rel}/`, out));
    } else if (d.isFile() || d.isSymbolicLink()) {
      files.push(
        stat(path).then(
          async (st) => {
            if (st.isFile()) out.push({ rel, path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
            else if (st.isDirectory()) await walk(path, `${rel}/`, out);
          },
          () => undefined, // dangling symlink: skipped, like aws-cli
        ),
      );
    }
  }
  await Promise.all([...subdirs, ...files]);
}

/** Local path for a relative key ('/'-separated). */
export function localPathFor(root: string, rel: string): string {
  return join(root, ...rel.split('/').filter((p) => p !== '')) + (rel.endsWith('/') ? sep : '');
}
