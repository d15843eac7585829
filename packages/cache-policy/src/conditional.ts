/**
 * Viewer conditional requests answered from a cached entry, RFC 9110 §13.1–13.2.
 * If-None-Match takes precedence over If-Modified-Since (§13.2.2 step 3/4); weak comparison for INM.
 */
import { parseHttpDate } from '@bucketfront/http-basics';

function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith('W/') ? t.slice(2) : t;
}

export function etagMatchesWeak(ifNoneMatch: string, etag: string | undefined): boolean {
  if (ifNoneMatch.trim() === '*') return etag !== undefined;
  if (etag === undefined) return false;
  const target = opaque(etag);
  return ifNoneMatch.split(',').some((t) => opaque(t) === target);
}

/** True when a GET/HEAD should be answered 304 Not Modified. */
export function isNotModified(req: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined }, entry: { etag?: string | undefined; lastModified?: string | undefined }): boolean {
  if (req.ifNoneMatch !== undefined) return etagMatchesWeak(req.ifNoneMatch, entry.etag);
  if (req.ifModifiedSince !== undefined) {
    const ims = parseHttpDate(req.ifModifiedSince);
    const lm = parseHttpDate(entry.lastModified);
    return ims !== undefined && lm !== undefined && lm <= ims;
  }
  return false;
}
