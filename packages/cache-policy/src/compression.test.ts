import { describe, expect, it } from 'vitest';
import { chooseViewerEncoding, COMPRESSIBLE_CONTENT_TYPES, decideCompression, isCompressibleContentType, weakenEtag, type CompressionInput } from './compression.js';

const ok: CompressionInput = {
  behaviorCompress: true,
  acceptEncodingKeyed: false,
  acceptEncoding: 'br,gzip',
  httpVersion: '1.1',
  status: 200,
  contentLength: 5000,
  contentType: 'text/html; charset=utf-8',
  contentEncoding: undefined,
};

describe('decideCompression — docs/cloudfront-caching.md#compression', () => {
  const cases: Array<[string, Partial<CompressionInput>, false | 'br' | 'gzip']> = [
    ['all conditions met, br preferred', {}, 'br'],
    ['gzip only viewer', { acceptEncoding: 'gzip' }, 'gzip'],
    ['br only viewer', { acceptEncoding: 'br' }, 'br'],
    ['identity viewer', { acceptEncoding: 'identity' }, false],
    ['behavior off', { behaviorCompress: false }, false],
    ['Accept-Encoding keyed explicitly', { acceptEncodingKeyed: true }, false],
    ['HTTP/1.0 viewer', { httpVersion: '1.0' }, false],
    ['403 compressed', { status: 403 }, 'br'],
    ['404 compressed', { status: 404 }, 'br'],
    ['500 not compressed', { status: 500 }, false],
    ['301 not compressed', { status: 301 }, false],
    ['no Content-Length', { contentLength: undefined }, false],
    ['999 bytes', { contentLength: 999 }, false],
    ['1,000 bytes', { contentLength: 1000 }, 'br'],
    ['10,000,000 bytes', { contentLength: 10_000_000 }, 'br'],
    ['10,000,001 bytes', { contentLength: 10_000_001 }, false],
    ['image/jpeg', { contentType: 'image/jpeg' }, false],
    ['no content type', { contentType: undefined }, false],
    ['origin Content-Encoding gzip', { contentEncoding: 'gzip' }, false],
    ['origin Content-Encoding identity (any value)', { contentEncoding: 'identity' }, false],
    ['application/json', { contentType: 'application/json' }, 'br'],
    ['image/svg+xml', { contentType: 'image/svg+xml' }, 'br'],
    ['font/woff2 is not on the list', { contentType: 'font/woff2' }, false],
  ];
  for (const [name, patch, want] of cases) {
    it(name, () => {
      const d = decideCompression({ ...ok, ...patch });
      if (want === false) expect(d.compress).toBe(false);
      else expect(d).toEqual({ compress: true, encoding: want });
    });
  }
});

describe('content types', () => {
  it('holds the AWS list (~45 types)', () => {
    expect(COMPRESSIBLE_CONTENT_TYPES.size).toBeGreaterThanOrEqual(45);
    for (const t of ['text/css', 'application/javascript', 'text/javascript', 'application/wasm', 'font/ttf', 'application/xml']) expect(isCompressibleContentType(t)).toBe(true);
    expect(isCompressibleContentType('TEXT/HTML;charset=UTF-8')).toBe(true);
  });
});

describe('chooseViewerEncoding', () => {
  it('falls back to what is stored', () => {
    expect(chooseViewerEncoding('br,gzip', '1.1', { br: false, gzip: true })).toBe('gzip');
    expect(chooseViewerEncoding('br', '1.1', { br: false, gzip: true })).toBe('identity');
    expect(chooseViewerEncoding('br,gzip', '1.0', { br: true, gzip: true })).toBe('identity');
  });
});

it('weakenEtag', () => {
  expect(weakenEtag('"abc"')).toBe('W/"abc"');
  expect(weakenEtag('W/"abc"')).toBe('W/"abc"');
});
