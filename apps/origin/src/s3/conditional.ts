/**
 * Conditional request evaluation, RFC 9110 §13.2.2 precedence:
 * If-Match → If-Unmodified-Since (only without If-Match) → If-None-Match →
 * If-Modified-Since (only without If-None-Match, GET/HEAD).
 * S3 follows it: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * ("If both If-Match and If-Unmodified-Since … condition evaluates to true … 200").
 */
import { parseHttpDate } from '@bucketfront/http-basics';

export type ConditionOutcome = { kind: 'proceed' } | { kind: 'not-modified' } | { kind: 'precondition-failed'; condition: string };

export interface ConditionHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

export interface Validators {
  /** Quoted ETag. */
  etag: string;
  lastModified: Date;
}

export function evaluateConditions(h: ConditionHeaders, v: Validators, isGetOrHead = true): ConditionOutcome {
  const modifiedSec = Math.floor(v.lastModified.getTime() / 1000);
  if (h.ifMatch !== undefined) {
    if (!etagListMatches(h.ifMatch, v.etag)) return { kind: 'precondition-failed', condition: 'If-Match' };
  } else if (h.ifUnmodifiedSince !== undefined) {
    const t = secondsOf(h.ifUnmodifiedSince);
    if (t !== undefined && modifiedSec > t) return { kind: 'precondition-failed', condition: 'If-Unmodified-Since' };
  }
  if (h.ifNoneMatch !== undefined) {
    if (etagListMatches(h.ifNoneMatch, v.etag)) {
      return isGetOrHead ? { kind: 'not-modified' } : { kind: 'precondition-failed', condition: 'If-None-Match' };
    }
  } else if (h.ifModifiedSince !== undefined && isGetOrHead) {
    const t = secondsOf(h.ifModifiedSince);
    if (t !== undefined && modifiedSec <= t) return { kind: 'not-modified' };
  }
  return { kind: 'proceed' };
}

/** `*` or a comma-separated list of (possibly weak, possibly unquoted — S3 accepts both) ETags. */
export function etagListMatches(list: string, etag: string): boolean {
  const want = stripEtag(etag);
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '*') return true;
    if (stripEtag(item) === want) return true;
  }
  return false;
}

function stripEtag(e: string): string {
  let s = e.trim();
  if (s.startsWith('W/')) s = s.slice(2);
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1);
  return s;
}

/** Whole seconds since the epoch of an HTTP date (S3 compares at one-second precision); undefined when unparseable (the header is then ignored). */
function secondsOf(value: string): number | undefined {
  const ms = parseHttpDate(value);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}
