/**
 * Edge compression decision (docs/cloudfront-caching.md#compression).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
 */
import type { NormalisedAcceptEncoding } from './cache-key.js';

/** "File types that CloudFront compresses" (AWS list, verbatim). Parameters (`; charset=…`) are ignored. */
export const COMPRESSIBLE_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/dash+xml',
  'application/eot',
  'application/font',
  'application/font-sfnt',
  'application/javascript',
  'application/json',
  'application/opentype',
  'application/otf',
  'application/pdf',
  'application/pkcs7-mime',
  'application/protobuf',
  'application/rss+xml',
  'application/truetype',
  'application/ttf',
  'application/vnd.apple.mpegurl',
  'application/vnd.mapbox-vector-tile',
  'application/vnd.ms-fontobject',
  'application/wasm',
  'application/xhtml+xml',
  'application/xml',
  'application/x-font-opentype',
  'application/x-font-truetype',
  'application/x-font-ttf',
  'application/x-httpd-cgi',
  'application/x-javascript',
  'application/x-mpegurl',
  'application/x-opentype',
  'application/x-otf',
  'application/x-perl',
  'application/x-ttf',
  'font/eot',
  'font/opentype',
  'font/otf',
  'font/ttf',
  'image/svg+xml',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/js',
  'text/plain',
  'text/richtext',
  'text/tab-separated-values',
  'text/xml',
  'text/x-script',
  'text/x-component',
  'text/x-java-source',
]);

export const MIN_COMPRESS_BYTES = 1_000;
export const MAX_COMPRESS_BYTES = 10_000_000;
export const COMPRESSIBLE_STATUSES: ReadonlySet<number> = new Set([200, 403, 404]);

export function isCompressibleContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const base = contentType.split(';')[0]!.trim().toLowerCase();
  return COMPRESSIBLE_CONTENT_TYPES.has(base);
}

export interface CompressibleResponse {
  status: number;
  /** The origin's Content-Length header (undefined when absent, e.g. chunked). */
  contentLength: number | undefined;
  contentType: string | undefined;
  /** The origin's Content-Encoding header, any value (even `identity`) disables compression. */
  contentEncoding: string | undefined;
}

export type CompressibleVerdict = { ok: true } | { ok: false; reason: 'status' | 'no-content-length' | 'too-small' | 'too-large' | 'content-type' | 'already-encoded' };

/** The response-side rules: may the edge store compressed variants of this response? */
export function isCompressibleResponse(r: CompressibleResponse): CompressibleVerdict {
  if (!COMPRESSIBLE_STATUSES.has(r.status)) return { ok: false, reason: 'status' };
  if (r.contentEncoding !== undefined) return { ok: false, reason: 'already-encoded' };
  if (r.contentLength === undefined) return { ok: false, reason: 'no-content-length' };
  if (r.contentLength < MIN_COMPRESS_BYTES) return { ok: false, reason: 'too-small' };
  if (r.contentLength > MAX_COMPRESS_BYTES) return { ok: false, reason: 'too-large' };
  if (!isCompressibleContentType(r.contentType)) return { ok: false, reason: 'content-type' };
  return { ok: true };
}

export type Coding = 'br' | 'gzip' | 'identity';

/**
 * The viewer-side rules: which coding to serve, `br` preferred. HTTP/1.0 viewers get identity
 * (CloudFront doesn't compress for them).
 */
export function chooseViewerEncoding(acceptEncoding: NormalisedAcceptEncoding, httpVersion: string, available: { br: boolean; gzip: boolean }): Coding {
  if (httpVersion === '1.0') return 'identity';
  if (available.br && (acceptEncoding === 'br,gzip' || acceptEncoding === 'br')) return 'br';
  if (available.gzip && (acceptEncoding === 'br,gzip' || acceptEncoding === 'gzip')) return 'gzip';
  return 'identity';
}

export interface CompressionInput extends CompressibleResponse {
  /** The behavior's `compress` flag. */
  behaviorCompress: boolean;
  /** True when the cache policy lists Accept-Encoding explicitly (disables edge compression). */
  acceptEncodingKeyed: boolean;
  acceptEncoding: NormalisedAcceptEncoding;
  httpVersion: string;
}

/** All compression rules in one call: the coding CloudFront would apply for this viewer and response. */
export function decideCompression(i: CompressionInput): { compress: false; reason: string } | { compress: true; encoding: 'br' | 'gzip' } {
  if (!i.behaviorCompress) return { compress: false, reason: 'behavior' };
  if (i.acceptEncodingKeyed) return { compress: false, reason: 'accept-encoding-keyed' };
  if (i.httpVersion === '1.0') return { compress: false, reason: 'http-1.0' };
  if (i.acceptEncoding === 'identity') return { compress: false, reason: 'viewer' };
  const v = isCompressibleResponse(i);
  if (!v.ok) return { compress: false, reason: v.reason };
  const enc = chooseViewerEncoding(i.acceptEncoding, i.httpVersion, { br: true, gzip: true });
  return enc === 'identity' ? { compress: false, reason: 'viewer' } : { compress: true, encoding: enc };
}

/** Strong ETag → weak on compressed output (docs/cloudfront-caching.md#compression). */
export function weakenEtag(etag: string): string {
  return etag.startsWith('W/') ? etag : 'W/' + etag;
}
