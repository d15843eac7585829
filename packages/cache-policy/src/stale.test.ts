import { describe, expect, it } from 'vitest';
import { parseCacheControl } from './cache-control.js';
import { ageSeconds, canServeStaleOnError, computeEntryTimes, freshnessAt } from './stale.js';

const T = 1_000_000_000_000;
const times = (cc: string, ttl: number, maxTTL = 31536000) => computeEntryTimes({ cacheControl: parseCacheControl(cc), fetchedAt: T, ttl, maxTTL });

describe('stale windows — docs/cloudfront-caching.md#stale', () => {
  it('SWR: serve stale for N seconds after expiry', () => {
    const t = times('max-age=60, stale-while-revalidate=30', 60);
    expect(freshnessAt(t, T + 59_999)).toBe('fresh');
    expect(freshnessAt(t, T + 60_000)).toBe('stale-while-revalidate');
    expect(freshnessAt(t, T + 89_999)).toBe('stale-while-revalidate');
    expect(freshnessAt(t, T + 90_000)).toBe('stale');
  });
  it('SWR window limited by MaxTTL measured from the fetch', () => {
    const t = times('max-age=60, stale-while-revalidate=3600', 60, 100);
    expect(t.swrUntil).toBe(T + 100_000);
  });
  it('SWR of min(N, MaxTTL) when TTL already equals MaxTTL → no stale window', () => {
    const t = times('max-age=100, stale-while-revalidate=50', 100, 100);
    expect(t.swrUntil).toBe(t.freshUntil);
  });
  it('SIE window', () => {
    const t = times('max-age=10, stale-if-error=120', 10);
    expect(freshnessAt(t, T + 11_000)).toBe('stale');
    expect(canServeStaleOnError(t, T + 129_999)).toBe(true);
    expect(canServeStaleOnError(t, T + 130_000)).toBe(false);
  });
  it('default: stale on error for 10 s without either directive', () => {
    const t = times('max-age=10', 10);
    expect(canServeStaleOnError(t, T + 19_999)).toBe(true);
    expect(canServeStaleOnError(t, T + 20_000)).toBe(false);
  });
  it('stale-if-error=0 turns the default off', () => {
    const t = times('max-age=10, stale-if-error=0', 10);
    expect(canServeStaleOnError(t, T + 10_000)).toBe(false);
  });
  it('Age in whole seconds from the fetch', () => {
    expect(ageSeconds({ fetchedAt: T }, T + 2_999)).toBe(2);
    expect(ageSeconds({ fetchedAt: T }, T - 5)).toBe(0);
  });
});
