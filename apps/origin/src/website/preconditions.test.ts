import { describe, expect, it } from 'vitest';
import { decideRange, evaluatePreconditions, type S3RangeDecision } from './preconditions.js';

const etag = '"abc123"';
const lastModified = new Date('2026-01-02T03:04:05Z');
const before = 'Thu, 01 Jan 2026 00:00:00 GMT';
const same = lastModified.toUTCString();
const after = 'Sat, 03 Jan 2026 00:00:00 GMT';

describe('evaluatePreconditions (RFC 9110 §13.2.2, as GetObject)', () => {
  it.each<[Record<string, string>, string]>([
    [{}, 'proceed'],
    [{ 'if-none-match': etag }, 'not-modified'],
    [{ 'if-none-match': 'abc123' }, 'not-modified'], // S3 accepts unquoted
    [{ 'if-none-match': 'W/"abc123"' }, 'not-modified'],
    [{ 'if-none-match': '"x", "abc123"' }, 'not-modified'],
    [{ 'if-none-match': '*' }, 'not-modified'],
    [{ 'if-none-match': '"other"' }, 'proceed'],
    [{ 'if-modified-since': same }, 'not-modified'],
    [{ 'if-modified-since': after }, 'not-modified'],
    [{ 'if-modified-since': before }, 'proceed'],
    [{ 'if-modified-since': 'garbage' }, 'proceed'],
    [{ 'if-none-match': '"other"', 'if-modified-since': after }, 'proceed'], // If-None-Match wins
    [{ 'if-match': etag }, 'proceed'],
    [{ 'if-match': '"other"' }, 'precondition-failed'],
    [{ 'if-unmodified-since': before }, 'precondition-failed'],
    [{ 'if-unmodified-since': same }, 'proceed'],
    [{ 'if-match': etag, 'if-unmodified-since': before }, 'proceed'], // If-Match wins (S3 doc)
    [{ 'if-match': etag, 'if-none-match': etag }, 'not-modified'],
  ])('%o → %s', (headers, expected) => {
    expect(evaluatePreconditions(headers, etag, lastModified)).toBe(expected);
  });
});

describe('decideRange (RFC 9110 §14, one range)', () => {
  it.each<[string | undefined, number, S3RangeDecision]>([
    [undefined, 10, { kind: 'full' }],
    ['bytes=0-3', 10, { kind: 'partial', start: 0, end: 3 }],
    ['bytes=5-', 10, { kind: 'partial', start: 5, end: 9 }],
    ['bytes=-3', 10, { kind: 'partial', start: 7, end: 9 }],
    ['bytes=-30', 10, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=8-100', 10, { kind: 'partial', start: 8, end: 9 }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 10, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-2', 10, { kind: 'full' }], // invalid spec: ignored
    ['bytes=0-1,3-4', 10, { kind: 'full' }], // multi-range: S3 serves the whole object
    ['items=0-1', 10, { kind: 'full' }],
  ])('%s of %i → %o', (header, size, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });
});
