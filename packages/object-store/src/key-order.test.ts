import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys, insertSorted, listPage, removeSorted } from './key-order.js';

const utf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const sign = (n: number): number => Math.sign(n);

/** Characters around every boundary where UTF-16 and UTF-8 orders could differ. */
const edgeChar = fc.constantFrom('a', 'b', '/', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '\ud7ff', '\ue000', 'ﬀ', '\uffff', '\u{10000}', '\u{1F600}', '\u{10FFFF}');
const keyArb = fc.string({ unit: edgeChar, minLength: 1, maxLength: 6 });

describe('compareKeys', () => {
  it.each([
    ['a', 'b', -1],
    ['a', 'a', 0],
    ['a', 'ab', -1],
    ['B', 'a', -1],
    ['\u{1F600}', 'ﬀ', 1], // UTF-16 would say -1 (D83D < FB00)
    ['\u{1F600}', '\uffff', 1],
    ['\ue000', '\u{10000}', -1],
    ['\ud7ff', '\u{10000}', -1],
    ['é', 'z', 1],
    ['a/', 'a-', 1],
  ])('%j vs %j → %i', (a, b, expected) => {
    expect(sign(compareKeys(a, b))).toBe(expected);
    expect(sign(utf8(a, b))).toBe(expected);
  });

  it('property: agrees with UTF-8 byte comparison', () => {
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => sign(compareKeys(a, b)) === sign(utf8(a, b))),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => sign(compareKeys(a, b)) === sign(utf8(a, b))));
  });
});

describe('listPage', () => {
  const keys = ['a', 'a/1', 'a/2', 'b', 'b/x/1', 'b/y', 'c'];

  it.each([
    [{ maxKeys: 10 }, keys, [], false],
    [{ maxKeys: 2 }, ['a', 'a/1'], [], true],
    [{ maxKeys: 10, prefix: 'a/' }, ['a/1', 'a/2'], [], false],
    [{ maxKeys: 10, delimiter: '/' }, ['a', 'b', 'c'], ['a/', 'b/'], false],
    [{ maxKeys: 3, delimiter: '/' }, ['a', 'b'], ['a/'], true],
    [{ maxKeys: 10, delimiter: '/', startAfter: 'a/' }, ['b', 'c'], ['b/'], false],
    [{ maxKeys: 10, delimiter: '/', startAfter: 'a/1' }, ['b', 'c'], ['a/', 'b/'], false],
    [{ maxKeys: 10, delimiter: '/', prefix: 'b/' }, ['b/y'], ['b/x/'], false],
    [{ maxKeys: 10, startAfter: 'b/x/1', prefix: 'b' }, ['b/y'], [], false],
    [{ maxKeys: 10, startAfter: '0', prefix: 'b' }, ['b', 'b/x/1', 'b/y'], [], false],
    [{ maxKeys: 0 }, [], [], true],
    [{ maxKeys: 10, startAfter: 'c' }, [], [], false],
  ])('%j', (opts, expectedKeys, expectedPrefixes, truncated) => {
    const page = listPage(keys, opts);
    expect(page.keys).toEqual(expectedKeys);
    expect(page.commonPrefixes).toEqual(expectedPrefixes);
    expect(page.isTruncated).toBe(truncated);
  });

  it('maxKeys 0 reports truncation only when something exists', () => {
    expect(listPage([], { maxKeys: 0 }).isTruncated).toBe(false);
  });

  it('property: walking all pages yields the sorted distinct keys (no delimiter)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (set, maxKeys) => {
        const sorted: string[] = [];
        for (const k of set) insertSorted(sorted, k);
        const seen: string[] = [];
        let startAfter: string | undefined;
        for (let guard = 0; guard < 100; guard++) {
          const page = listPage(sorted, { maxKeys, ...(startAfter !== undefined ? { startAfter } : {}) });
          expect(page.keys.length).toBeLessThanOrEqual(maxKeys);
          seen.push(...page.keys);
          if (!page.isTruncated) break;
          startAfter = page.lastReturned;
        }
        expect(seen).toEqual([...set].sort(utf8));
      }),
      { numRuns: 300 },
    );
  });

  it('property: with a delimiter, pages yield each key or group exactly once, like a one-shot listing', () => {
    const charArb = fc.constantFrom('a', 'b', '/', 'é', '\u{1F600}', 'ﬀ');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: charArb, minLength: 1, maxLength: 5 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('', 'a', 'b/'),
        (set, maxKeys, prefix) => {
          const sorted = [...set].sort(compareKeys);
          const full = listPage(sorted, { maxKeys: 10_000, delimiter: '/', prefix });
          const keys: string[] = [];
          const prefixes: string[] = [];
          let startAfter: string | undefined;
          for (let guard = 0; guard < 100; guard++) {
            const page = listPage(sorted, { maxKeys, delimiter: '/', prefix, ...(startAfter !== undefined ? { startAfter } : {}) });
            expect(page.keys.length + page.commonPrefixes.length).toBeLessThanOrEqual(maxKeys);
            keys.push(...page.keys);
            prefixes.push(...page.commonPrefixes);
            if (!page.isTruncated) break;
            startAfter = page.lastReturned;
          }
          expect(keys).toEqual(full.keys);
          expect(prefixes).toEqual(full.commonPrefixes);
          // the one-shot listing is right by definition
          const expectedKeys = set.filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('/')).sort(utf8);
          const expectedPrefixes = [...new Set(set.filter((k) => k.startsWith(prefix) && k.slice(prefix.length).includes('/')).map((k) => k.slice(0, k.indexOf('/', prefix.length) + 1)))].sort(utf8);
          expect(full.keys).toEqual(expectedKeys);
          expect(full.commonPrefixes).toEqual(expectedPrefixes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('insertSorted / removeSorted keep order and uniqueness', () => {
    const arr: string[] = [];
    for (const k of ['b', '\u{1F600}', 'a', 'ﬀ', 'a']) insertSorted(arr, k);
    expect(arr).toEqual(['a', 'b', 'ﬀ', '\u{1F600}']);
    expect(removeSorted(arr, 'b')).toBe(true);
    expect(removeSorted(arr, 'b')).toBe(false);
    expect(arr).toEqual(['a', 'ﬀ', '\u{1F600}']);
  });
});
