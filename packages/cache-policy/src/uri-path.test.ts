import { describe, expect, it } from 'vitest';
import { normalisePath, normalisePercentEncoding, removeDotSegments } from './uri-path.js';

describe('normalisePath — RFC 3986 §6.2.2', () => {
  const cases: Array<[string, string]> = [
    // common paths are returned as they are
    ['/', '/'],
    ['/index.html', '/index.html'],
    ['/a/b/c.js', '/a/b/c.js'],
    ['/.well-known/x', '/.well-known/x'],
    ['/a..b/c.', '/a..b/c.'],
    // §6.2.2.2 unreserved escapes decoded (ALPHA DIGIT - . _ ~), either hex case
    ['/%61pi/x', '/api/x'],
    ['/%41%5a%7a%30%39%2D%2e%5F%7e', '/AZz09-._~'],
    ['/%70.html', '/p.html'],
    // §6.2.2.1 other escapes stay encoded, hex upper-cased
    ['/a%2fb', '/a%2Fb'],
    ['/a%2Fb', '/a%2Fb'],
    ['/%c3%bc', '/%C3%BC'],
    ['/a%20b', '/a%20b'],
    ['/%25', '/%25'],
    ['/%2561', '/%2561'], // decoded once only
    // a % that starts no escape is left alone
    ['/100%', '/100%'],
    ['/%zz/%4', '/%zz/%4'],
    // §6.2.2.3 dot segments (§5.2.4), also when spelt with %2E
    ['/a/../api/x', '/api/x'],
    ['/a/./b', '/a/b'],
    ['/./a', '/a'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/..', '/'],
    ['/../../x', '/x'],
    ['/a/%2e%2e/api/x', '/api/x'],
    ['/a/%2E/b', '/a/b'],
    ['/a/.%2e/b', '/b'],
    ['/a/..b/c', '/a/..b/c'],
    ['/a//../b', '/a/b'],
  ];
  for (const [raw, want] of cases) it(`${raw} → ${want}`, () => expect(normalisePath(raw)).toBe(want));

  it('is idempotent', () => {
    for (const [raw] of cases) expect(normalisePath(normalisePath(raw))).toBe(normalisePath(raw));
  });
  it('returns the same string object for the common path (fast no-op)', () => {
    const p = '/assets/app.0123456789.js';
    expect(Object.is(normalisePath(p), p)).toBe(true);
  });
});

describe('the parts', () => {
  it('normalisePercentEncoding keeps dot segments', () => {
    expect(normalisePercentEncoding('/a/%2e%2e/%62')).toBe('/a/../b');
  });
  it('removeDotSegments: RFC 3986 §5.2.4 examples', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g');
    expect(removeDotSegments('mid/content=5/../6')).toBe('mid/6');
  });
});
