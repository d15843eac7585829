import { describe, expect, it } from 'vitest';
import { matchPathPattern, selectBehavior } from './behavior.js';

describe('matchPathPattern — docs/cloudfront-caching.md#behaviors', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*', '/anything/at/all', true],
    ['/images/*.jpg', '/images/a.jpg', true],
    ['/images/*.jpg', '/images/sub/a.jpg', true],
    ['/images/*.jpg', '/images/a.JPG', false], // case-sensitive
    ['images/*.jpg', '/images/a.jpg', true], // leading / optional
    ['/images/*.jpg', 'images/a.jpg', true],
    ['/a?c', '/abc', true],
    ['/a?c', '/ac', false],
    ['/a?c', '/abbc', false],
    ['/api/*', '/api/', true],
    ['/api/*', '/api', false],
    ['/api*', '/api', true],
    ['/a.b', '/aXb', false], // `.` is literal
    ['/x+(y)', '/x+(y)', true],
    ['/*.html', '/index.html', true],
  ];
  for (const [pattern, path, want] of cases) it(`${pattern} ~ ${path} = ${want}`, () => expect(matchPathPattern(pattern, path)).toBe(want));
});

describe('selectBehavior', () => {
  const def = { pathPattern: '*', name: 'default' };
  const list = [
    { pathPattern: '/api/*', name: 'api' },
    { pathPattern: '/api/v1/*', name: 'v1' }, // shadowed: first match wins
    { pathPattern: '*.css', name: 'css' },
  ];
  it('first match wins, default last', () => {
    expect(selectBehavior(list, def, '/api/v1/x').name).toBe('api');
    expect(selectBehavior(list, def, '/s/site.css').name).toBe('css');
    expect(selectBehavior(list, def, '/index.html').name).toBe('default');
  });
});
