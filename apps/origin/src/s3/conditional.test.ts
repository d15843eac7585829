import { describe, expect, it } from 'vitest';
import { evaluateConditions, type ConditionHeaders } from './conditional.js';

const v = { etag: '"abc"', lastModified: new Date('2026-01-10T12:00:00.500Z') };
const before = 'Sat, 10 Jan 2026 11:00:00 GMT';
const same = 'Sat, 10 Jan 2026 12:00:00 GMT';
const after = 'Sat, 10 Jan 2026 13:00:00 GMT';

describe('evaluateConditions (RFC 9110 §13.2.2 order)', () => {
  it.each<[string, ConditionHeaders, string]>([
    ['none', {}, 'proceed'],
    ['If-Match hit', { ifMatch: '"abc"' }, 'proceed'],
    ['If-Match unquoted hit', { ifMatch: 'abc' }, 'proceed'],
    ['If-Match list', { ifMatch: '"x", "abc"' }, 'proceed'],
    ['If-Match *', { ifMatch: '*' }, 'proceed'],
    ['If-Match miss', { ifMatch: '"nope"' }, 'precondition-failed'],
    ['If-None-Match hit', { ifNoneMatch: '"abc"' }, 'not-modified'],
    ['If-None-Match weak hit', { ifNoneMatch: 'W/"abc"' }, 'not-modified'],
    ['If-None-Match miss', { ifNoneMatch: '"x"' }, 'proceed'],
    ['If-Modified-Since before', { ifModifiedSince: before }, 'proceed'],
    ['If-Modified-Since same second', { ifModifiedSince: same }, 'not-modified'],
    ['If-Modified-Since after', { ifModifiedSince: after }, 'not-modified'],
    ['If-Modified-Since garbage ignored', { ifModifiedSince: 'yesterday-ish' }, 'proceed'],
    ['If-Unmodified-Since before', { ifUnmodifiedSince: before }, 'precondition-failed'],
    ['If-Unmodified-Since same', { ifUnmodifiedSince: same }, 'proceed'],
    // S3 doc: If-Match true + If-Unmodified-Since false → 200.
    ['If-Match true wins over If-Unmodified-Since false', { ifMatch: '"abc"', ifUnmodifiedSince: before }, 'proceed'],
    // S3 doc: If-None-Match false + If-Modified-Since true → 304.
    ['If-None-Match false + If-Modified-Since true', { ifNoneMatch: '"abc"', ifModifiedSince: before }, 'not-modified'],
    ['If-None-Match true (miss) ignores If-Modified-Since', { ifNoneMatch: '"x"', ifModifiedSince: after }, 'proceed'],
    ['If-Match fails before If-None-Match', { ifMatch: '"x"', ifNoneMatch: '"abc"' }, 'precondition-failed'],
  ])('%s', (_n, h, want) => {
    expect(evaluateConditions(h, v).kind).toBe(want);
  });

  it('If-None-Match on a write is a precondition failure', () => {
    expect(evaluateConditions({ ifNoneMatch: '*' }, v, false).kind).toBe('precondition-failed');
  });
});
