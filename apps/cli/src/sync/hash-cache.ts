/**
 * A persistent cache of local file hashes so an unchanged tree is not re-read
 * on every sync. Keyed by absolute path; an entry is valid while size, mtime
 * and inode are unchanged. Lives in the user cache dir
 * (util/cache-dir.ts: $BUCKETFRONT_CACHE_DIR, else $XDG_CACHE_HOME/bucketfront or ~/.cache/bucketfront; hash-cache.json).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { userCacheDir } from '../util/cache-dir.js';
import type { LocalHashes } from './etag.js';

type Row = [size: number, mtimeMs: number, ino: number, md5: string | null, multipart: Record<string, string> | null];

interface FileShape {
  version: 1;
  entries: Record<string, Row>;
}

const MAX_ENTRIES = 500_000;

export function defaultCacheFile(): string {
  return join(userCacheDir(), 'hash-cache.json');
}

export interface FileIdentity {
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

export class HashCache {
  private entries: Record<string, Row> = {};
  private dirty = false;

  private constructor(private readonly file: string | null) {}

  /** A cache that never persists (`--no-hash-cache`). */
  static memory(): HashCache {
    return new HashCache(null);
  }

  static async load(file = defaultCacheFile()): Promise<HashCache> {
    const cache = new HashCache(file);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as FileShape;
      if (parsed && parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') cache.entries = parsed.entries;
    } catch {
      // missing or corrupt: start empty
    }
    return cache;
  }

  get(id: FileIdentity): LocalHashes | undefined {
    const row = this.entries[id.path];
    if (!row || row[0] !== id.size || row[1] !== id.mtimeMs || row[2] !== id.ino) return undefined;
    const out: LocalHashes = {};
    if (row[3]) out.md5 = row[3];
    if (row[4]) out.multipart = row[4];
    return out;
  }

  /** Merges `hashes` into the entry for this exact file version. */
  set(id: FileIdentity, hashes: LocalHashes): void {
    const prev = this.get(id);
    const md5 = hashes.md5 ?? prev?.md5 ?? null;
    const multipart = hashes.multipart || prev?.multipart ? { ...prev?.multipart, ...hashes.multipart } : null;
    this.entries[id.path] = [id.size, id.mtimeMs, id.ino, md5, multipart];
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    let entries = this.entries;
    const keys = Object.keys(entries);
    if (keys.length > MAX_ENTRIES) entries = Object.fromEntries(keys.slice(keys.length - MAX_ENTRIES).map((k) => [k, this.entries[k]!]));
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, entries } satisfies FileShape));
    await rename(tmp, this.file);
    this.dirty = false;
  }
}
