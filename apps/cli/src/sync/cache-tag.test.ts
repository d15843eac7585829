import { describe, expect, it } from 'vitest';
import { UsageError } from '../util/errors.js';
import { buildCacheTags, cacheTagMetadata, parseCacheTagRule } from './cache-tag.js';

describe('parseCacheTagRule', () => {
  it.each([
    ['assets/**=assets,release-42', { glob: 'assets/**', tags: ['assets', 'release-42'] }],
    ['*.html=html', { glob: '*.html', tags: ['html'] }],
    ['**=product:tv, brand:example', { glob: '**', tags: ['product:tv', 'brand:example'] }],
    ['docs/**=v=2', { glob: 'docs/**', tags: ['v=2'] }],
  ])('%s', (spec, expected) => {
    expect(parseCacheTagRule(spec)).toEqual(expected);
  });

  it.each([
    ['release-42', /GLOB=TAG/],
    ['=release-42', /GLOB=TAG/],
    ['**=', /empty tag/],
    ['**=a,,b', /empty tag/],
    ['**=new release', /visible ASCII/],
    ['**=tür', /visible ASCII/],
    [`**=${'t'.repeat(257)}`, /longer than 256/],
  ])('%s → usage error', (spec, message) => {
    expect(() => parseCacheTagRule(spec)).toThrow(UsageError);
    expect(() => parseCacheTagRule(spec)).toThrow(message);
  });
});

describe('buildCacheTags: every matching rule adds its tags', () => {
  const resolve = buildCacheTags(['**=release-42', '*.html=html', 'assets/**=assets,Release-42']);
  it.each([
    ['index.html', ['release-42', 'html']],
    ['docs/guide/index.html', ['release-42', 'html']],
    ['assets/app.js', ['release-42', 'assets']],
    ['.well-known/x', ['release-42']],
  ])('%s → %j', (key, expected) => {
    expect(resolve(key)).toEqual(expected);
  });

  it('no rules, or no match → undefined (no metadata)', () => {
    expect(buildCacheTags([])('a.html')).toBeUndefined();
    expect(buildCacheTags(['*.css=css'])('a.html')).toBeUndefined();
    expect(cacheTagMetadata(undefined)).toBeUndefined();
  });

  it('metadata value is the tags comma-separated', () => {
    expect(cacheTagMetadata(['a', 'b:c'])).toEqual({ 'cache-tag': 'a,b:c' });
  });

  it('refuses more than 50 tags for one key, and more than 2 KB of metadata', () => {
    const many = buildCacheTags([`**=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`]);
    expect(() => many('a.html')).toThrow(/51 tags; CloudFront stores at most 50/);
    const long = buildCacheTags([`**=${Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(250, 'x')).join(',')}`]);
    expect(() => long('a.html')).toThrow(/bytes of metadata; S3 allows 2048/);
  });
});
