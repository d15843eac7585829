/**
 * Remembers presigned GET/HEAD URLs that verified, until they expire (or for a
 * minute at most), so a hot presigned URL costs one HMAC chain per minute
 * instead of one per request. Sound because a SigV4 signature is a pure
 * function of the request line, the signed headers and the (fixed) secret;
 * only time changes the outcome, and that is tracked with the URL's own
 * X-Amz-Date + X-Amz-Expires. Only URLs whose sole signed header is `host`
 * are cached (the key is method + Host + raw URL), and only requests whose
 * verification reads nothing else use the cache: a request with an
 * Authorization header (two auth mechanisms → 400 InvalidArgument) or any
 * x-amz-* header (unsigned → 403 AccessDenied; x-amz-content-sha256 changes the
 * payload hash) is always verified in full.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseAmzDate, type SignedResult } from '@bucketfront/sigv4';

const MAX_ENTRIES = 4096;
const MAX_HOLD_MS = 60_000;

interface Entry {
  result: SignedResult;
  validUntilMs: number;
}

export class PresignedCache {
  private readonly entries = new Map<string, Entry>();

  static isCandidate(method: string, rawQuery: string, headers: IncomingHttpHeaders): boolean {
    if ((method !== 'GET' && method !== 'HEAD') || !rawQuery.includes('X-Amz-Signature=')) return false;
    if (headers.authorization !== undefined) return false;
    for (const name in headers) if (name.startsWith('x-amz-')) return false;
    return true;
  }

  static keyOf(method: string, host: string | undefined, url: string): string {
    return `${method} ${host ?? ''} ${url}`;
  }

  get(key: string, nowMs: number): SignedResult | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (nowMs >= e.validUntilMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.result;
  }

  /** Stores a verified presigned result when it is cacheable. */
  remember(key: string, result: SignedResult, rawQuery: string, nowMs: number): void {
    if (result.via !== 'presigned') return;
    const signed = result.context.signedHeaders;
    if (signed.length !== 1 || signed[0] !== 'host') return;
    const date = parseAmzDate(result.context.amzDate);
    const expires = /(?:^|&)X-Amz-Expires=(\d{1,6})(?:&|$)/.exec(rawQuery);
    if (date === undefined || !expires) return;
    const expiresAtMs = date.getTime() + Number(expires[1]) * 1000;
    const validUntilMs = Math.min(expiresAtMs, nowMs + MAX_HOLD_MS);
    if (validUntilMs <= nowMs) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { result, validUntilMs });
  }
}
