/**
 * Durable file primitives: write to a temp name, fsync, rename, fsync the
 * directory. A rename within one directory is the atomic commit point
 * (POSIX rename(2)); the directory fsync makes the new entry survive a crash.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './types.js';

/** Suffix of every temp file; recovery deletes them on open. */
export const TMP_SUFFIX = '.tmp';
/** Prefix of temp and doomed directories; recovery deletes them on open. */
export const TMP_DIR_PREFIX = '.tmp-';
export const DEL_DIR_PREFIX = '.del-';

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Writes `data` to `dir/name` atomically and durably (replacing any previous file). */
export async function writeFileDurable(dir: string, name: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = join(dir, `${name}.${randomUUID()}${TMP_SUFFIX}`);
  try {
    const fh = await fsp.open(tmp, 'wx', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, join(dir, name));
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw asStoreError(err);
  }
  await fsyncDir(dir);
}

/** Deletes `dir/name` durably; a missing file is fine. */
export async function unlinkDurable(dir: string, name: string): Promise<void> {
  await fsp.rm(join(dir, name), { force: true });
  await fsyncDir(dir);
}

/**
 * Creates `dir` inside the existing `parent` and makes the entry durable.
 * Never creates parents: if `parent` vanished (a deleted bucket), this fails
 * with ENOENT instead of resurrecting it.
 */
export async function mkdirDurable(dir: string, parent: string): Promise<void> {
  try {
    await fsp.mkdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return;
    throw err;
  }
  await fsyncDir(parent);
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** ENOSPC / EDQUOT become InsufficientStorage (HTTP 507); other errors pass unchanged. */
export function asStoreError(err: unknown): unknown {
  const code = errnoCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError('InsufficientStorage', 'Insufficient storage space to store the object.');
  }
  return err;
}
