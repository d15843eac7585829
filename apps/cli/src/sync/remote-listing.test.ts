import { describe, expect, it } from 'vitest';
import { compareUtf8, splitPoints } from './remote-listing.js';

describe('compareUtf8 (S3 key order)', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF5E (3 UTF-8 bytes EF BD 9E) sorts before U+1F600 (4 bytes F0 …) in UTF-8,
    // but after it in UTF-16 (surrogate D83D < FF5E).
    expect(compareUtf8('\uFF5E', '😀')).toBeLessThan(0);
    expect('\uFF5E' < '😀').toBe(false);
    expect(compareUtf8('a', 'b')).toBeLessThan(0);
    expect(compareUtf8('a/b', 'a-b')).toBeGreaterThan(0);
  });
});

describe('splitPoints', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, '0')}`);
  it.each([
    [0, []],
    [1999, []],
    [2000, ['k00999']],
    [5000, ['k00999', 'k01999', 'k02999', 'k03999']],
  ])('%d hints', (n, expected) => {
    expect(splitPoints(keys(n).reverse())).toEqual(expected);
  });
  it('at most 15 split points (16 ranges)', () => {
    const s = splitPoints(keys(100_000));
    expect(s).toHaveLength(15);
    expect(s[0]).toBe('k06249');
  });
  it('page size is configurable', () => {
    expect(splitPoints(keys(30), 10)).toEqual(['k00009', 'k00019']);
  });
});
