/**
 * Conditional and Range headers for website GETs, "as GetObject does"
 * (spec §3 step 7 and "bucketfront extensions").
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 *
 * Precedence is RFC 9110 §13.2.2: If-Match, else If-Unmodified-Since; then
 * If-None-Match, else If-Modified-Since. Ranges: RFC 9110 §14, one range
 * only (S3 ignores multi-range and malformed headers, 416 when unsatisfiable).
 */
import type { IncomingHttpHeaders } from 'node:http';

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'precondition-failed';

function etagListMatches(list: string, etag: string): boolean {
  const want = bareEtag(etag);
  return list.split(',').some((item) => item.trim() === '*' || bareEtag(item) === want);
}

function bareEtag(raw: string): string {
  let s = raw.trim();
  if (s.startsWith('W/')) s = s.slice(2);
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Seconds since the epoch; null for an unparseable date (the header is then ignored). */
function httpDateSeconds(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

export function evaluatePreconditions(headers: IncomingHttpHeaders, etag: string, lastModified: Date): PreconditionOutcome {
  const { 'if-match': ifMatch, 'if-none-match': ifNoneMatch } = headers;
  const ifModifiedSince = headers['if-modified-since'];
  const ifUnmodifiedSince = headers['if-unmodified-since'];
  if (ifMatch === undefined && ifNoneMatch === undefined && ifModifiedSince === undefined && ifUnmodifiedSince === undefined) {
    return 'proceed';
  }
  const modified = Math.floor(lastModified.getTime() / 1000);
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return 'precondition-failed';
  } else if (ifUnmodifiedSince !== undefined) {
    const t = httpDateSeconds(ifUnmodifiedSince);
    if (t !== null && modified > t) return 'precondition-failed';
  }
  if (ifNoneMatch !== undefined) {
    if (etagListMatches(ifNoneMatch, etag)) return 'not-modified';
  } else if (ifModifiedSince !== undefined) {
    const t = httpDateSeconds(ifModifiedSince);
    if (t !== null && modified <= t) return 'not-modified';
  }
  return 'proceed';
}

export type RangeOutcome = { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

export function decideRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined || header === '') return { kind: 'full' };
  const m = SINGLE_RANGE.exec(header);
  if (!m) return { kind: 'full' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const n = Number(last); // suffix range: the last n bytes
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return { kind: 'full' };
  if (last !== '' && end < start) return { kind: 'full' }; // an invalid range-spec is ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
