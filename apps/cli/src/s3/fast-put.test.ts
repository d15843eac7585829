import { describe, expect, it } from 'vitest';
import { encodeS3Key } from './fast-put.js';

describe('encodeS3Key (RFC 3986, like the SDK)', () => {
  it.each([
    ['a/b.html', 'a/b.html'],
    ['a b/ü.txt', 'a%20b/%C3%BC.txt'],
    ["a+b!c'(d)*e.txt", "a%2Bb%21c%27%28d%29%2Ae.txt"],
    ['x=y&z,;:@$', 'x%3Dy%26z%2C%3B%3A%40%24'],
    ['~-_.', '~-_.'],
    ['dir//double', 'dir//double'],
  ])('%s → %s', (key, expected) => {
    expect(encodeS3Key(key)).toBe(expected);
  });
});
