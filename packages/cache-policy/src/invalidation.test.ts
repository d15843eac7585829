import { describe, expect, it } from 'vitest';
import { compileInvalidationPath, invalidationPathMatches, matchesInvalidation, normaliseInvalidationPath, validateInvalidationPath } from './invalidation.js';

describe('normaliseInvalidationPath — docs/cloudfront-caching.md#invalidation', () => {
  const cases: Array<[string, string]> = [
    ['/a b/ü.html', '/a%20b/%C3%BC.html'],
    ['/a%20b/%c3%bc.html', '/a%20b/%C3%BC.html'], // existing escapes kept (hex upper-cased)
    ["/plain/path-_.~!$&'()*+,;=:@", "/plain/path-_.~!$&'()*+,;=:@"], // safe characters are not encoded
    ['/100%', '/100%25'],
    ['/x{y}|z^`[]<>"#\\', '/x%7By%7D%7Cz%5E%60%5B%5D%3C%3E%22%23%5C'],
    ['/emoji/😀', '/emoji/%F0%9F%98%80'],
    ['/日本語', '/%E6%97%A5%E6%9C%AC%E8%AA%9E'],
  ];
  for (const [raw, want] of cases) it(`${raw} → ${want}`, () => expect(normaliseInvalidationPath(raw)).toBe(want));
});

describe('invalidation matching', () => {
  const cases: Array<[string, string, string, boolean]> = [
    // [invalidation path, request path, keyed query, matches]
    ['/index.html', '/index.html', '', true],
    ['/index.html', '/index.htm', '', false],
    ['/Index.html', '/index.html', '', false], // case-sensitive
    ['/assets/*', '/assets/app.js', '', true],
    ['/assets/*', '/assets/', '', true],
    ['/assets/*', '/assets', '', false],
    ['/assets/*', '/assets2/x', '', false],
    ['/*', '/anything', 'q=1', true],
    ['/a*', '/a', '', true],
    ['/a*', '/ab/c', '', true],
    ['/images/', '/images', '', false], // directories with and without the slash are distinct
    // all keyed query variants go with the bare path
    ['/search', '/search', 'q=1', true],
    ['/search?q=1', '/search', 'q=1', true],
    ['/search?q=1', '/search', 'q=2', false],
    ['/search?q=*', '/search', 'q=abc', true],
    ['/search?q=*', '/search', 'x=1', false],
    // raw UTF-8 in the invalidation, percent-encoded in the request, and vice versa
    ['/a b/ü.html', '/a%20b/%C3%BC.html', '', true],
    ['/a%20b/%C3%BC.html', '/a b/ü.html', '', true],
    ['/a%20b/%c3%bc.html', '/a%20b/%C3%BC.html', '', true],
    // one RFC 3986 normal form on both sides: unreserved escapes, hex case, dot segments
    ['/%61.html', '/a.html', '', true],
    ['/p.html', '/%70.html', '', true],
    ['/a%2fb', '/a%2Fb', '', true],
    ['/a/b', '/a%2Fb', '', false], // %2F is reserved: not a path separator
    ['/api/x', '/a/../api/x', '', true],
    ['/api/*', '/%61pi/./x', '', true],
  ];
  for (const [inv, path, query, want] of cases) {
    it(`${inv} vs ${path}${query ? '?' + query : ''} = ${want}`, () => expect(invalidationPathMatches(inv, path, query)).toBe(want));
  }
  it('compiled form', () => {
    expect(compileInvalidationPath('/a/*')).toEqual({ value: '/a/', prefix: true, withQuery: false });
    expect(matchesInvalidation(compileInvalidationPath('/x?*'), { path: '/x', query: '' })).toBe(true);
  });
});

describe('validateInvalidationPath', () => {
  it('requires a leading slash, * only last, ≤ 4000 chars', () => {
    expect(validateInvalidationPath('/ok/*').ok).toBe(true);
    expect(validateInvalidationPath('no-slash').ok).toBe(false);
    expect(validateInvalidationPath('/a*/b').ok).toBe(false);
    expect(validateInvalidationPath('/' + 'a'.repeat(4000)).ok).toBe(false);
  });
});
