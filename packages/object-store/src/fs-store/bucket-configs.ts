/**
 * One configuration document of every bucket, read from the data directory without opening the
 * store (no recovery pass, no in-memory state): for admin commands beside a running origin,
 * e.g. "does this user own a bucket?" before `bucketfront admin user delete`.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../durable-fs.js';
import { BUCKET_FILE, isTemp, readdirOrEmpty, type BucketDoc } from '../fs-layout.js';
import type { BucketConfigKind } from '../types.js';

export async function readBucketConfigs(dataDir: string, kind: BucketConfigKind): Promise<Array<{ bucket: string; document: string | null }>> {
  const bucketsDir = join(dataDir, 'buckets');
  const out: Array<{ bucket: string; document: string | null }> = [];
  for (const entry of await readdirOrEmpty(bucketsDir)) {
    if (isTemp(entry)) continue;
    const doc = await readOrNull(join(bucketsDir, entry, BUCKET_FILE));
    if (doc === null) continue;
    out.push({ bucket: (JSON.parse(doc) as BucketDoc).name, document: await readOrNull(join(bucketsDir, entry, `config-${kind}`)) });
  }
  return out;
}

async function readOrNull(file: string): Promise<string | null> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return null;
    throw err;
  }
}
