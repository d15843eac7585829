import { mkdtemp, rm } from 'node:fs/promises';
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
