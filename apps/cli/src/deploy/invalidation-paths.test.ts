import { describe, expect, it } from 'vitest';
import { encodeInvalidationPath, invalidationPaths } from './invalidation-paths.js';

describe('invalidationPaths', () => {
  it.each<[string, string[], string[]]>([
    ['plain file', ['a.html'], ['/a.html']],
    ['root index', ['index.html'], ['/', '/index.html']],
    ['dir index', ['docs/index.html'], ['/docs', '/docs/', '/docs/index.html']],
    ['nested dir index', ['a/b/index.html'], ['/a/b', '/a/b/', '/a/b/index.html']],
    ['not an index', ['docs/myindex.html'], ['/docs/myindex.html']],
    ['dedupes', ['a.css', 'a.css'], ['/a.css']],
    ['space and unicode', ['a b/ü.html'], ['/a%20b/%C3%BC.html']],
    ['unsafe characters', ['x#y?z%.txt'], ['/x%23y%3Fz%25.txt']],
    ['safe characters stay', ["a-b_c.d~e!$&'()*+,;=:@.txt"], ["/a-b_c.d~e!$&'()*+,;=:@.txt"]],
    ['nothing', [], []],
  ])('%s', (_name, keys, expected) => {
    expect(invalidationPaths(keys)).toEqual(expected);
  });

  it('custom index document', () => {
    expect(invalidationPaths(['d/home.htm', 'd/index.html'], { indexDocument: 'home.htm' })).toEqual(['/d', '/d/', '/d/home.htm', '/d/index.html']);
  });

  it('collapses to /* above maxPaths', () => {
    expect(invalidationPaths(['a', 'b', 'c'], { maxPaths: 2 })).toEqual(['/*']);
  });

  it('strips the site prefix', () => {
    expect(invalidationPaths(['site/index.html'], { stripPrefix: 'site/' })).toEqual(['/', '/index.html']);
  });

  it('encodes one code point as its UTF-8 bytes', () => {
    expect(encodeInvalidationPath('€')).toBe('/%E2%82%AC');
  });
});
