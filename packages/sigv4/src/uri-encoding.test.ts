import { describe, expect, it } from 'vitest';
import { canonicalQueryComponent, decodeQueryComponent, decodeQueryComponentStrict } from './uri-encoding.js';

describe('the one query-decoding rule (verifier and request parser)', () => {
  it('`+` is a space, %2B a plus, %XX a UTF-8 byte', () => {
    expect(decodeQueryComponent('a+b')).toBe('a b');
    expect(decodeQueryComponent('a%2Bb')).toBe('a+b');
    expect(decodeQueryComponent('caf%C3%A9')).toBe('café');
    expect(decodeQueryComponentStrict('a+b')).toBe('a b');
    expect(decodeQueryComponentStrict('a%2Bb')).toBe('a+b');
  });

  it('the canonical form follows the same rule: `+` signs as %20, a literal plus as %2B', () => {
    expect(canonicalQueryComponent('a+b')).toBe('a%20b');
    expect(canonicalQueryComponent('a%20b')).toBe('a%20b');
    expect(canonicalQueryComponent('a%2Bb')).toBe('a%2Bb');
  });

  it('strictly: a malformed escape or bytes that are not UTF-8 → null; leniently: kept literal', () => {
    expect(decodeQueryComponentStrict('%zz')).toBeNull();
    expect(decodeQueryComponentStrict('%4')).toBeNull();
    expect(decodeQueryComponentStrict('%FF')).toBeNull();
    expect(decodeQueryComponent('%zz')).toBe('%zz');
  });
});
