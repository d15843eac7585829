import { describe, expect, it } from 'vitest';
import { parseCacheControl } from './cache-control.js';

describe('parseCacheControl', () => {
  it('parses numbers and flags, case-insensitively', () => {
    expect(parseCacheControl('Max-Age=60, S-MAXAGE=10, no-store, Private, stale-while-revalidate=30, stale-if-error=0')).toMatchObject({
      maxAge: 60,
      sMaxAge: 10,
      noStore: true,
      private: true,
      staleWhileRevalidate: 30,
      staleIfError: 0,
    });
  });
  it('accepts quoted values and multiple header lines; first occurrence wins', () => {
    expect(parseCacheControl(['max-age="120"', 'max-age=5, no-cache="Set-Cookie"'])).toMatchObject({ maxAge: 120, noCache: true });
  });
  it('ignores invalid numbers and unknown directives', () => {
    const cc = parseCacheControl('max-age=abc, foo=bar, public');
    expect(cc.maxAge).toBeUndefined();
    expect(cc.public).toBe(true);
  });
  it('empty → all false', () => {
    expect(parseCacheControl(undefined)).toMatchObject({ noStore: false, noCache: false, private: false });
  });
  it('does not split inside quotes', () => {
    expect(parseCacheControl('private="a, b", max-age=7')).toMatchObject({ private: true, maxAge: 7 });
  });
});
