import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userCacheDir } from './cache-dir.js';

describe('userCacheDir', () => {
  it('$BUCKETFRONT_CACHE_DIR first, then $XDG_CACHE_HOME/bucketfront', () => {
    expect(userCacheDir({ BUCKETFRONT_CACHE_DIR: '/x/bf', XDG_CACHE_HOME: '/xdg' })).toBe('/x/bf');
    expect(userCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/bucketfront');
  });

  it.skipIf(process.platform === 'darwin' || process.platform === 'win32')('a relative $XDG_CACHE_HOME is ignored (basedir spec): ~/.cache/bucketfront', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: 'relative/cache' })).toBe(join(homedir(), '.cache', 'bucketfront'));
    expect(userCacheDir({})).toBe(join(homedir(), '.cache', 'bucketfront'));
  });
});
