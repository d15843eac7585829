/** Hashes local files (MD5 and/or multipart ETags) through the hash cache. */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MultiEtagHasher, type LocalHashes } from './etag.js';
import type { FileIdentity, HashCache } from './hash-cache.js';
import { runPool } from '../util/pool.js';

export interface HashRequest {
  file: FileIdentity;
  md5: boolean;
  partSizes: number[];
}

function satisfied(h: LocalHashes | undefined, req: HashRequest): boolean {
  if (!h) return false;
  if (req.md5 && !h.md5) return false;
  return req.partSizes.every((p) => h.multipart?.[String(p)] !== undefined);
}

/** Below this size one readFile beats a stream (no per-chunk events); larger files stream. */
const READ_WHOLE_BELOW = 1024 * 1024;

export async function hashFile(path: string, md5: boolean, partSizes: readonly number[], size?: number): Promise<LocalHashes> {
  const hasher = new MultiEtagHasher(partSizes, md5);
  if (size !== undefined && size < READ_WHOLE_BELOW) hasher.update(await readFile(path));
  else for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** Hashes of each requested file; a file that cannot be read maps to undefined. */
export async function hashFiles(requests: readonly HashRequest[], cache: HashCache, concurrency: number): Promise<Map<string, LocalHashes | undefined>> {
  const out = new Map<string, LocalHashes | undefined>();
  await runPool(requests, concurrency, async (req) => {
    const cached = cache.get(req.file);
    if (satisfied(cached, req)) {
      out.set(req.file.path, cached);
      return;
    }
    try {
      const fresh = await hashFile(req.file.path, req.md5, req.partSizes, req.file.size);
      cache.set(req.file, fresh);
      out.set(req.file.path, cache.get(req.file));
    } catch {
      out.set(req.file.path, undefined);
    }
  });
  return out;
}
