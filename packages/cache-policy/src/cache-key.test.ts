import { describe, expect, it } from 'vitest';
import { buildCacheKey, distributionKeyPrefix, DEFAULT_CACHE_KEY_POLICY, filterCookies, filterQueryString, keysAcceptEncoding, normaliseAcceptEncoding, type CacheKeyPolicy } from './cache-key.js';

describe('normaliseAcceptEncoding — docs/cloudfront-caching.md#cache-key', () => {
  const cases: Array<[string | undefined, string]> = [
    ['gzip, deflate, br', 'br,gzip'],
    ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'br,gzip'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br', 'br'],
    ['deflate', 'identity'],
    ['identity', 'identity'],
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip;q=0, br', 'br'],
    ['br;q=0', 'identity'],
    ['*', 'br,gzip'],
    ['*, br;q=0', 'gzip'],
    ['GZIP, BR', 'br,gzip'],
  ];
  for (const [input, want] of cases) it(`${JSON.stringify(input)} → ${want}`, () => expect(normaliseAcceptEncoding(input)).toBe(want));
});

const policy = (p: Partial<CacheKeyPolicy>): CacheKeyPolicy => ({ ...DEFAULT_CACHE_KEY_POLICY, ...p });

describe('query strings — none / whitelist / allExcept / all, order and case kept', () => {
  const q = 'b=2&A=1&a=3&utm=x';
  const cases: Array<[CacheKeyPolicy['queryStrings'], string]> = [
    [{ behavior: 'none', items: [] }, ''],
    [{ behavior: 'all', items: [] }, 'b=2&A=1&a=3&utm=x'],
    [{ behavior: 'whitelist', items: ['a', 'b'] }, 'b=2&a=3'],
    [{ behavior: 'allExcept', items: ['utm'] }, 'b=2&A=1&a=3'],
  ];
  for (const [p, want] of cases) it(`${p.behavior} ${p.items.join(',')}`, () => expect(filterQueryString(q, p)).toBe(want));
  it('order changes the key', () => {
    const all = policy({ queryStrings: { behavior: 'all', items: [] } });
    const k1 = buildCacheKey({ host: 'h', path: '/p', query: 'a=1&b=2', headers: {}, policy: all });
    const k2 = buildCacheKey({ host: 'h', path: '/p', query: 'b=2&a=1', headers: {}, policy: all });
    expect(k1).not.toBe(k2);
  });
});

describe('cookies', () => {
  const header = 'session=abc; theme=dark; _ga=1';
  it('whitelist / allExcept / all / none', () => {
    expect(filterCookies(header, { behavior: 'whitelist', items: ['theme'] })).toBe('theme=dark');
    expect(filterCookies(header, { behavior: 'allExcept', items: ['_ga'] })).toBe('session=abc; theme=dark');
    expect(filterCookies(header, { behavior: 'all', items: [] })).toBe('session=abc; theme=dark; _ga=1');
    expect(filterCookies(header, { behavior: 'none', items: [] })).toBe('');
  });
});

describe('buildCacheKey', () => {
  it('default key: distribution + path; query and cookies ignored', () => {
    const k = buildCacheKey({ host: 'E1', path: '/a.html', query: 'x=1', headers: { cookie: 'a=1' }, policy: DEFAULT_CACHE_KEY_POLICY });
    expect(k).toBe('E1\n/a.html');
  });
  it('keys of two distributions never collide: no case folding, a separator no path contains', () => {
    const k = (host: string, path: string) => buildCacheKey({ host, path, query: '', headers: {}, policy: DEFAULT_CACHE_KEY_POLICY });
    expect(k('E1', '2/x')).not.toBe(k('E12', '/x'));
    expect(k('E12', '/x')).not.toBe(k('E1', '/x'));
    expect(k('EAB', '/x')).not.toBe(k('Eab', '/x'));
    expect(k('E12', '/x').startsWith(distributionKeyPrefix('E12'))).toBe(true);
    expect(k('E12', '/x').startsWith(distributionKeyPrefix('E1'))).toBe(false);
  });
  it('listed headers: names case-insensitive, values exact', () => {
    const p = policy({ headers: { behavior: 'whitelist', items: ['X-Device'] } });
    const a = buildCacheKey({ host: 'h', path: '/', query: '', headers: { 'x-device': 'Mobile' }, policy: p });
    const b = buildCacheKey({ host: 'h', path: '/', query: '', headers: { 'x-device': 'mobile' }, policy: p });
    const c = buildCacheKey({ host: 'h', path: '/', query: '', headers: {}, policy: p });
    expect(new Set([a, b, c]).size).toBe(3);
  });
  it('normalised Accept-Encoding is part of the key when given, identity left out', () => {
    const base = { host: 'h', path: '/', query: '', headers: {}, policy: DEFAULT_CACHE_KEY_POLICY };
    expect(buildCacheKey({ ...base, acceptEncoding: 'identity' })).toBe(buildCacheKey(base));
    expect(buildCacheKey({ ...base, acceptEncoding: 'gzip' })).not.toBe(buildCacheKey({ ...base, acceptEncoding: 'br,gzip' }));
  });
  it('OPTIONS gets a separate key', () => {
    const base = { host: 'h', path: '/', query: '', headers: {}, policy: DEFAULT_CACHE_KEY_POLICY };
    expect(buildCacheKey({ ...base, method: 'OPTIONS' })).not.toBe(buildCacheKey({ ...base, method: 'GET' }));
    expect(buildCacheKey({ ...base, method: 'HEAD' })).toBe(buildCacheKey({ ...base, method: 'GET' }));
  });
  it('keysAcceptEncoding', () => {
    expect(keysAcceptEncoding(policy({ headers: { behavior: 'whitelist', items: ['Accept-Encoding'] } }))).toBe(true);
    expect(keysAcceptEncoding(DEFAULT_CACHE_KEY_POLICY)).toBe(false);
  });
});
