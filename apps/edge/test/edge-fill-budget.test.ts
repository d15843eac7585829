/**
 * Issue 18 item 4 (functional side; the load test is in tests/system/test/security/
 * edge-resources.test.ts): the fill budget and compressed variants made only when asked for.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { closeAfterTest, edgeFor, fixed, get, oneDistribution, startTinyOrigin } from './helpers.js';

const TEXT = Buffer.from('compressible text, repeated. '.repeat(400)); // 11,600 bytes

describe('compressed variants are produced only for what is cached and asked for', () => {
  it('a stored entry holds only identity until a viewer asks for gzip; then gzip (weak ETag) and the accounted size grows', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '/t.txt': fixed(TEXT, { 'cache-control': 'max-age=600', etag: '"v1"' }) }));
    const edge = closeAfterTest(await edgeFor(oneDistribution(origin.url, {}, { compress: true }), { workers: 1 })); // reads the in-process engine
    const store = edge.engine!.store;
    const plain = await get(`${edge.url}/t.txt`);
    expect(plain.headers['x-cache']).toMatch(/^Miss/);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toMatch(/Accept-Encoding/i);
    const entry = [...(store as unknown as { lru: Map<string, { variants: object; size: number }> }).lru.values()][0]!;
    expect(Object.keys(entry.variants)).toEqual(['identity']);
    const sizeBefore = store.stats().sizeBytes;

    const gz = await Promise.all([1, 2, 3].map(() => get(`${edge.url}/t.txt`, { 'accept-encoding': 'gzip' })));
    for (const r of gz) {
      expect(r.headers['x-cache']).toMatch(/^Hit/);
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(r.headers['etag']).toBe('W/"v1"');
      expect(r.body.length).toBeLessThan(TEXT.length);
    }
    expect(Object.keys(entry.variants).sort()).toEqual(['gzip', 'identity']);
    expect(store.stats().sizeBytes).toBeGreaterThan(sizeBefore);
    expect(origin.count('/t.txt')).toBe(1);
  });

  it('an uncached response is compressed only in the coding its viewer asked for', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '/n.txt': fixed(TEXT, { 'cache-control': 'no-store' }) }));
    const edge = closeAfterTest(await edgeFor(oneDistribution(origin.url, {}, { compress: true }), { workers: 1 })); // reads the in-process engine
    const r = await get(`${edge.url}/n.txt`, { 'accept-encoding': 'br' });
    expect(r.headers['content-encoding']).toBe('br');
    const ident = await get(`${edge.url}/n.txt`);
    expect(ident.headers['content-encoding']).toBeUndefined();
    expect(ident.body.equals(TEXT)).toBe(true);
    expect(edge.engine!.store.stats().entries).toBe(0);
  });
});

describe('cache.fillBudgetBytes: what fills in flight may buffer together, per worker', () => {
  it('beyond the budget the response streams to the viewer, uncached; concurrent viewers of the key all get it', async () => {
    const body = randomBytes(200_000);
    const origin = closeAfterTest(await startTinyOrigin({ '/big.bin': fixed(body, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=600' }, 200, 100) }));
    const edge = closeAfterTest(await edgeFor({ ...oneDistribution(origin.url), cache: { maxSizeBytes: 10_000_000, maxObjectBytes: 1_000_000, fillBudgetBytes: 100_000 } }, { workers: 1 })); // reads the in-process engine
    const rs = await Promise.all([1, 2, 3, 4].map(() => get(`${edge.url}/big.bin`)));
    for (const r of rs) {
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toMatch(/^Miss/);
      expect(r.body.equals(body)).toBe(true);
    }
    expect(edge.engine!.store.stats().entries).toBe(0);
    // Within the budget it is cached as usual.
    origin.route('/small.bin', fixed(randomBytes(50_000), { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=600' }));
    await get(`${edge.url}/small.bin`);
    expect((await get(`${edge.url}/small.bin`)).headers['x-cache']).toMatch(/^Hit/);
  });

  it('is validated: a negative budget is refused at start', async () => {
    await expect(edgeFor({ ...oneDistribution('http://127.0.0.1:9'), cache: { fillBudgetBytes: -1 } })).rejects.toThrow(/cache\.fillBudgetBytes/);
  });
});
