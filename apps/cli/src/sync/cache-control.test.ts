import { describe, expect, it } from 'vitest';
import { buildCacheControl, parseCacheControlRule } from './cache-control.js';

describe('parseCacheControlRule', () => {
  it.each([
    ['assets/**=public, max-age=31536000, immutable', { glob: 'assets/**', value: 'public, max-age=31536000, immutable' }],
    ['*.html=no-cache', { glob: '*.html', value: 'no-cache' }],
    ['max-age=60', { glob: null, value: 'max-age=60' }],
    ['public, max-age=60', { glob: null, value: 'public, max-age=60' }],
    ['no-store', { glob: null, value: 'no-store' }],
    ['s-maxage=10', { glob: null, value: 's-maxage=10' }],
  ])('%s', (spec, expected) => {
    expect(parseCacheControlRule(spec)).toEqual(expected);
  });
});

describe('buildCacheControl: first match wins', () => {
  const resolve = buildCacheControl(['assets/**=public, max-age=31536000, immutable', '*.html=no-cache', 'max-age=300']);
  it.each([
    ['assets/app.js', 'public, max-age=31536000, immutable'],
    ['assets/deep/x.css', 'public, max-age=31536000, immutable'],
    ['assets/page.html', 'public, max-age=31536000, immutable'],
    ['index.html', 'no-cache'],
    ['docs/guide/index.html', 'no-cache'],
    ['robots.txt', 'max-age=300'],
  ])('%s → %s', (key, expected) => {
    expect(resolve(key)).toBe(expected);
  });
  it('no rules → undefined', () => {
    expect(buildCacheControl([])('a.html')).toBeUndefined();
  });
  it('only globs, no match → undefined', () => {
    expect(buildCacheControl(['*.css=max-age=1'])('a.html')).toBeUndefined();
  });
});
