import { describe, expect, it } from 'vitest';
import { parseCacheControl } from './cache-control.js';
import { computeErrorTtl, computeTtl, decideStorage } from './ttl.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const inOneHour = new Date(NOW + 3600_000).toUTCString();

describe('computeTtl — docs/cloudfront-caching.md#ttl vectors (Min/Def/Max = 0/86400/31536000 unless stated)', () => {
  const cases: Array<{ name: string; cc?: string; expires?: string; min?: number; want: number | 'not stored' }> = [
    { name: 'max-age=3600', cc: 'max-age=3600', want: 3600 },
    { name: 's-maxage wins', cc: 'max-age=3600, s-maxage=60', want: 60 },
    { name: 'max-age wins over Expires', cc: 'max-age=10800', expires: inOneHour, want: 10800 },
    { name: 'no headers → DefaultTTL', want: 86400 },
    { name: 'max-age=5, Min=60', cc: 'max-age=5', min: 60, want: 60 },
    { name: 'max-age above MaxTTL', cc: 'max-age=900000000', want: 31536000 },
    { name: 'no-store', cc: 'no-store', want: 'not stored' },
    { name: 'no-store, Min=5', cc: 'no-store', min: 5, want: 5 },
    // extra rows beyond the table in the doc
    { name: 'Expires alone, 1 h ahead', expires: inOneHour, want: 3600 },
    { name: 'no-cache', cc: 'no-cache', want: 'not stored' },
    { name: 'private, Min=30', cc: 'private, max-age=600', min: 30, want: 30 },
    { name: 'max-age=0 stored, revalidate each time', cc: 'max-age=0', want: 0 },
    { name: 'no headers, Min > Default', min: 100000, want: 100000 },
    { name: 'invalid Expires is already expired', expires: '0', want: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = computeTtl({ cacheControl: parseCacheControl(c.cc), expires: c.expires, now: NOW, minTTL: c.min ?? 0, defaultTTL: 86400, maxTTL: 31536000 });
      if (c.want === 'not stored') expect(d.store).toBe(false);
      else expect(d).toMatchObject({ store: true, ttl: c.want });
    });
  }
});

describe('computeErrorTtl — docs/cloudfront-caching.md#error-caching', () => {
  const base = { now: NOW, maxTTL: 31536000 };
  const cases: Array<{ status: number; cc?: string; ecmt?: number; maxTTL?: number; want: number | 'not stored' }> = [
    { status: 404, want: 10 },
    { status: 414, want: 10 },
    ...[500, 501, 502, 503, 504].map((status) => ({ status, want: 10 as number })),
    { status: 404, cc: 'max-age=300', want: 300 },
    { status: 404, cc: 'max-age=3', want: 10 }, // max(header, ECMT)
    { status: 404, cc: 'max-age=3', ecmt: 0, want: 3 },
    { status: 404, cc: 'max-age=3', ecmt: 60, maxTTL: 30, want: 30 }, // capped at MaxTTL
    { status: 404, ecmt: 60, want: 60 },
    ...[400, 403, 405, 412, 415].map((status) => ({ status, want: 'not stored' as const })),
    ...[400, 403, 405, 412, 415].map((status) => ({ status, cc: 'max-age=120', want: 120 })),
    { status: 403, cc: 's-maxage=5', want: 10 },
    { status: 416, want: 'not stored' },
    { status: 416, cc: 'max-age=600', want: 'not stored' },
    // no-store prevents caching only for 404, 410, 414, 501
    { status: 404, cc: 'no-store', want: 'not stored' },
    { status: 410, cc: 'no-store, max-age=60', want: 'not stored' },
    { status: 414, cc: 'no-cache', want: 'not stored' },
    { status: 501, cc: 'private', want: 'not stored' },
    { status: 500, cc: 'no-store', want: 10 },
    { status: 503, cc: 'no-cache', want: 10 },
    { status: 403, cc: 'no-store, max-age=60', want: 60 },
  ];
  for (const c of cases) {
    it(`${c.status} ${c.cc ?? '(no headers)'} ecmt=${c.ecmt ?? 'default'}`, () => {
      const d = computeErrorTtl({ ...base, status: c.status, cacheControl: parseCacheControl(c.cc), errorCachingMinTTL: c.ecmt, maxTTL: c.maxTTL ?? base.maxTTL });
      if (c.want === 'not stored') expect(d.store).toBe(false);
      else expect(d).toMatchObject({ store: true, ttl: c.want });
    });
  }
});

describe('decideStorage', () => {
  const s = (status: number, cc?: string) =>
    decideStorage({ status, cacheControl: parseCacheControl(cc), hasCacheControl: cc !== undefined, now: NOW, minTTL: 0, defaultTTL: 86400, maxTTL: 31536000 });
  it('200 and 301 by the success rules', () => {
    expect(s(200)).toMatchObject({ store: true, ttl: 86400 });
    expect(s(301, 'max-age=60')).toMatchObject({ store: true, ttl: 60 });
  });
  it('307/308 only with Cache-Control', () => {
    expect(s(307).store).toBe(false);
    expect(s(308, 'max-age=10')).toMatchObject({ store: true, ttl: 10 });
  });
  it('206 never, 404 by the error rules', () => {
    expect(s(206).store).toBe(false);
    expect(s(404)).toMatchObject({ store: true, ttl: 10 });
  });
});
