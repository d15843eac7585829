import { describe, expect, it } from 'vitest';
import { parseCacheControl } from './cache-control.js';
import { canCollapseRequest, canCollapseResponse } from './collapsing.js';
import { isNotModified } from './conditional.js';
import { contentRange, parseRange } from './range.js';

describe('collapsing eligibility — docs/cloudfront-caching.md#collapsing', () => {
  const cases: Array<[string, number, boolean]> = [
    ['max-age=60', 0, true],
    ['', 0, true],
    ['private', 0, false],
    ['no-store', 0, false],
    ['no-cache', 0, false],
    ['max-age=0', 0, false],
    ['s-maxage=0, max-age=60', 0, false],
    ['no-store', 1, true],
    ['max-age=0', 5, true],
  ];
  for (const [cc, min, want] of cases) it(`${cc || '(none)'} MinTTL=${min} → ${want}`, () => expect(canCollapseResponse(parseCacheControl(cc), min)).toBe(want));
  it('never collapses unsafe methods', () => {
    expect(canCollapseRequest('GET')).toBe(true);
    expect(canCollapseRequest('HEAD')).toBe(true);
    for (const m of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) expect(canCollapseRequest(m)).toBe(false);
  });
});

describe('parseRange — docs/cloudfront-caching.md#range (size 1000)', () => {
  const cases: Array<[string | undefined, unknown]> = [
    [undefined, { kind: 'full' }],
    ['bytes=0-99', { kind: 'partial', ranges: [{ start: 0, end: 99 }] }],
    ['bytes=900-', { kind: 'partial', ranges: [{ start: 900, end: 999 }] }],
    ['bytes=-100', { kind: 'partial', ranges: [{ start: 900, end: 999 }] }],
    ['bytes=-5000', { kind: 'partial', ranges: [{ start: 0, end: 999 }] }],
    ['bytes=990-2000', { kind: 'partial', ranges: [{ start: 990, end: 999 }] }],
    [
      'bytes=0-9, 20-29',
      {
        kind: 'partial',
        ranges: [
          { start: 0, end: 9 },
          { start: 20, end: 29 },
        ],
      },
    ],
    ['bytes=20-29,0-9', { kind: 'full' }], // non-ascending
    ['bytes=0-50,40-60', { kind: 'full' }], // overlapping
    ['bytes=abc', { kind: 'full' }], // malformed
    ['bytes=5-1', { kind: 'full' }],
    ['items=0-1', { kind: 'full' }],
    ['bytes=-', { kind: 'full' }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=5000-6000', { kind: 'unsatisfiable' }],
  ];
  for (const [h, want] of cases) it(String(h), () => expect(parseRange(h, 1000)).toEqual(want));
  it('contentRange', () => expect(contentRange({ start: 0, end: 9 }, 1000)).toBe('bytes 0-9/1000'));
});

describe('isNotModified — RFC 9110 §13.2.2', () => {
  const entry = { etag: '"abc"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' };
  const cases: Array<[{ ifNoneMatch?: string; ifModifiedSince?: string }, boolean]> = [
    [{ ifNoneMatch: '"abc"' }, true],
    [{ ifNoneMatch: 'W/"abc"' }, true], // weak comparison
    [{ ifNoneMatch: '"x", "abc"' }, true],
    [{ ifNoneMatch: '"x"' }, false],
    [{ ifNoneMatch: '*' }, true],
    [{ ifModifiedSince: 'Wed, 01 Jan 2025 00:00:00 GMT' }, true],
    [{ ifModifiedSince: 'Tue, 31 Dec 2024 00:00:00 GMT' }, false],
    [{ ifNoneMatch: '"x"', ifModifiedSince: 'Wed, 01 Jan 2025 00:00:00 GMT' }, false], // INM wins
    [{}, false],
  ];
  for (const [req, want] of cases) it(JSON.stringify(req), () => expect(isNotModified(req, entry)).toBe(want));
});
