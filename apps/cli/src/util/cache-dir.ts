/**
 * bucketfront's per-user cache directory: $BUCKETFRONT_CACHE_DIR, else $XDG_CACHE_HOME/bucketfront
 * (https://specifications.freedesktop.org/basedir-spec/latest/), else the platform's cache
 * folder (~/Library/Caches, %LOCALAPPDATA%, ~/.cache) + /bucketfront. Holds the sync hash
 * cache (hash-cache.json) and the default edge cache (edge/).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BUCKETFRONT_CACHE_DIR) return env.BUCKETFRONT_CACHE_DIR;
  // The spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'bucketfront');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'bucketfront');
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'bucketfront');
  return join(homedir(), '.cache', 'bucketfront');
}
