import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface TempDir {
  path: string;
  cleanup(): Promise<void>;
}

/** A fresh directory under the OS temp dir, removed by `cleanup()`. */
export async function makeTempDir(prefix = 'bucketfront-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Random credentials, so no test depends on a well-known secret. */
export function makeTestCredentials(): TestCredentials {
  return {
    accessKeyId: `BFTEST${randomBytes(7).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

/** Every file under `dir`, recursively (paths). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

/** Whether any file under `dir` contains `needle` (e.g. a known plaintext that must not be stored). */
export async function anyFileContains(dir: string, needle: Buffer): Promise<boolean> {
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(needle)) return true;
  return false;
}
