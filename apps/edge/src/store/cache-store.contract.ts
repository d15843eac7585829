/**
 * The CacheStore contract (cache-store.ts) as a vitest suite, run against every tier:
 * memory-store.contract.test.ts, disk-store.test.ts.
 *
 * A tier's harness builds the store with the limits given, turns CachedResponse fields into an
 * entry it accepts (`entry`), and may need `settle` before eviction is visible (the disk tier's
 * owner evicts in a maintenance pass).
 */
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore, CachedResponse, Coding, StoredBody } from './cache-store.js';

export interface ContractLimits {
  maxBytes: number;
  maxObjectBytes: number;
}

export interface CacheStoreHarness {
  // biome-ignore lint/suspicious/noExplicitAny: the contract runs against any entry type the harness builds
  store: CacheStore<any>;
  /** An entry the store accepts, from CachedResponse fields (defaults for the rest). */
  entry(fields?: Partial<CachedResponse>): CachedResponse;
  /** Let background work run (disk: one maintenance pass). */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

export const CONTRACT_LIMITS: ContractLimits = { maxBytes: 200_000, maxObjectBytes: 60_000 };

/** The CachedResponse part of what a store returns (drops a tier's own fields: seq, size, hitHeaders…). */
export function asCachedResponse(e: CachedResponse | undefined): CachedResponse | undefined {
  if (e === undefined) return undefined;
  const variants: Partial<Record<Coding, StoredBody>> = {};
  for (const c of Object.keys(e.variants) as Coding[]) {
    const v = e.variants[c];
    if (v !== undefined) variants[c] = { body: v.body, headers: v.headers, ...(v.etag === undefined ? {} : { etag: v.etag }) };
  }
  const out: CachedResponse = {
    key: e.key,
    distributionId: e.distributionId,
    path: e.path,
    query: e.query,
    status: e.status,
    baseHeaders: e.baseHeaders,
    variants,
    times: e.times,
    collapsible: e.collapsible,
  };
  for (const f of ['altPath', 'compressible', 'originEncoding', 'undecodable', 'etag', 'lastModified', 'cacheControl', 'expires', 'tags'] as const) {
    if (e[f] !== undefined) (out as unknown as Record<string, unknown>)[f] = e[f];
  }
  return out;
}

function identity(text: string | Buffer): Partial<Record<Coding, StoredBody>> {
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  return { identity: { body, headers: ['content-length', String(body.length)] } };
}

export function describeCacheStore(name: string, makeStore: (limits: ContractLimits) => Promise<CacheStoreHarness>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let h: CacheStoreHarness;
    beforeEach(async () => {
      h = await makeStore(CONTRACT_LIMITS);
    });
    afterEach(async () => {
      await h.close();
    });

    const put = async (fields: Partial<CachedResponse>): Promise<boolean> => h.store.put(h.entry(fields), h.store.generation());
    const has = async (key: string): Promise<boolean> => (await h.store.get(key)) !== undefined;
    const settle = async (): Promise<void> => {
      await h.settle?.();
    };

    it('put/get round trip keeps every field', async () => {
      const html = Buffer.from('<h1>hello</h1>'.repeat(20));
      const e = h.entry({
        key: 'E1|GET|/|v=2',
        distributionId: 'E1',
        path: '/',
        altPath: '/index.html',
        query: 'v=2',
        status: 200,
        baseHeaders: ['content-type', 'text/html', 'cache-control', 'max-age=60', 'vary', 'Accept-Encoding'],
        variants: {
          identity: { body: html, headers: ['content-type', 'text/html', 'content-length', String(html.length), 'etag', '"abc"'], etag: '"abc"' },
          gzip: { body: gzipSync(html), headers: ['content-type', 'text/html', 'content-encoding', 'gzip', 'etag', 'W/"abc"'], etag: 'W/"abc"' },
          br: { body: brotliCompressSync(html), headers: ['content-type', 'text/html', 'content-encoding', 'br'] },
        },
        compressible: true,
        originEncoding: 'gzip',
        undecodable: false,
        times: { fetchedAt: 1_700_000_000_000, freshUntil: 1_700_000_060_000, swrUntil: 1_700_000_090_000, sieUntil: 1_700_000_120_000 },
        etag: '"abc"',
        lastModified: 'Tue, 14 Nov 2023 22:13:20 GMT',
        cacheControl: 'max-age=60, stale-while-revalidate=30',
        expires: 'Tue, 14 Nov 2023 22:14:20 GMT',
        collapsible: false,
        tags: ['release-42', 'home'],
      });
      expect(await h.store.put(e, h.store.generation())).toBe(true);
      const got = await h.store.get(e.key);
      expect(asCachedResponse(got)).toEqual(asCachedResponse(e));
      expect(Buffer.compare(got!.variants.br!.body, e.variants.br!.body)).toBe(0);
    });

    it('get of an absent key is undefined', async () => {
      expect(await h.store.get('nope')).toBeUndefined();
    });

    it('put replaces the stored response of the same key', async () => {
      expect(await put({ key: 'k', path: '/k', variants: identity('first') })).toBe(true);
      expect(await put({ key: 'k', path: '/k', variants: identity('second, longer'), status: 404 })).toBe(true);
      const got = await h.store.get('k');
      expect(got!.variants.identity!.body.toString()).toBe('second, longer');
      expect(got!.status).toBe(404);
      await settle();
      expect(h.store.stats().entries).toBe(1);
    });

    it('delete removes the response', async () => {
      await put({ key: 'k', path: '/k' });
      await h.store.delete('k');
      expect(await h.store.get('k')).toBeUndefined();
      await h.store.delete('k'); // absent: no-op
    });

    describe('invalidate', () => {
      it('an exact path covers every keyed query of the path, nothing else', async () => {
        await put({ key: 'p', path: '/p' });
        await put({ key: 'p?a', path: '/p', query: 'a=1' });
        await put({ key: 'p2', path: '/p2' });
        await put({ key: 'p/x', path: '/p/x' });
        await h.store.invalidate('E1', ['/p']);
        expect(await has('p')).toBe(false);
        expect(await has('p?a')).toBe(false);
        expect(await has('p2')).toBe(true);
        expect(await has('p/x')).toBe(true);
      });

      it('an exact path with a query covers that query only', async () => {
        await put({ key: 'p', path: '/p' });
        await put({ key: 'p?a1', path: '/p', query: 'a=1' });
        await put({ key: 'p?a2', path: '/p', query: 'a=2' });
        await h.store.invalidate('E1', ['/p?a=1']);
        expect(await has('p?a1')).toBe(false);
        expect(await has('p')).toBe(true);
        expect(await has('p?a2')).toBe(true);
      });

      it('a wildcard /assets/* covers paths under /assets/ with any query', async () => {
        await put({ key: 'a', path: '/assets/a.js' });
        await put({ key: 'b', path: '/assets/sub/b.css', query: 'v=1' });
        await put({ key: 'c', path: '/assetsx/c.js' });
        await put({ key: 'd', path: '/other/assets/d.js' });
        await h.store.invalidate('E1', ['/assets/*']);
        expect(await has('a')).toBe(false);
        expect(await has('b')).toBe(false);
        expect(await has('c')).toBe(true);
        expect(await has('d')).toBe(true);
      });

      it('a wildcard /a* covers /a, /ab and /a?x', async () => {
        await put({ key: 'a', path: '/a' });
        await put({ key: 'ab', path: '/ab' });
        await put({ key: 'a?x', path: '/a', query: 'x' });
        await put({ key: 'b', path: '/b' });
        await h.store.invalidate('E1', ['/a*']);
        expect(await has('a')).toBe(false);
        expect(await has('ab')).toBe(false);
        expect(await has('a?x')).toBe(false);
        expect(await has('b')).toBe(true);
      });

      it('a path matches the altPath too (/index.html for /)', async () => {
        await put({ key: 'root', path: '/', altPath: '/index.html' });
        await put({ key: 'other', path: '/other.html' });
        await h.store.invalidate('E1', ['/index.html']);
        expect(await has('root')).toBe(false);
        expect(await has('other')).toBe(true);
      });

      it('an altPath matches a wildcard', async () => {
        await put({ key: 'docs', path: '/docs/', altPath: '/docs/index.html' });
        await h.store.invalidate('E1', ['/docs/index*']);
        expect(await has('docs')).toBe(false);
      });

      it('#tag covers tagged responses, case-insensitively; untagged and other tags stay', async () => {
        await put({ key: 'tagged', path: '/t1', tags: ['release-42', 'home'] });
        await put({ key: 'tagged2', path: '/t2', tags: ['release-42'] });
        await put({ key: 'other-tag', path: '/t3', tags: ['release-43'] });
        await put({ key: 'untagged', path: '/t4' });
        await h.store.invalidate('E1', ['#Release-42']);
        expect(await has('tagged')).toBe(false);
        expect(await has('tagged2')).toBe(false);
        expect(await has('other-tag')).toBe(true);
        expect(await has('untagged')).toBe(true);
      });

      it('another distribution is untouched', async () => {
        await put({ key: 'e1', distributionId: 'E1', path: '/same', tags: ['t'] });
        await put({ key: 'e2', distributionId: 'E2', path: '/same', tags: ['t'] });
        await h.store.invalidate('E1', ['/same', '/*', '#t']);
        expect(await has('e1')).toBe(false);
        expect(await has('e2')).toBe(true);
      });

      it('a batch mixes paths, wildcards and tags', async () => {
        await put({ key: 'x', path: '/x' });
        await put({ key: 'y', path: '/img/y.png' });
        await put({ key: 'z', path: '/z', tags: ['zz'] });
        await put({ key: 'keep', path: '/keep' });
        await h.store.invalidate('E1', ['/x', '/img/*', '#zz']);
        expect(await has('x')).toBe(false);
        expect(await has('y')).toBe(false);
        expect(await has('z')).toBe(false);
        expect(await has('keep')).toBe(true);
      });
    });

    describe('ordering of fills against invalidations', () => {
      it('a fill that started before a covering invalidation is refused', async () => {
        const g = h.store.generation();
        await h.store.invalidate('E1', ['/late']);
        expect(await h.store.put(h.entry({ key: 'late', path: '/late' }), g)).toBe(false);
        expect(await has('late')).toBe(false);
      });

      it('… covering by tag is refused too', async () => {
        const g = h.store.generation();
        await h.store.invalidate('E1', ['#Deploy']);
        expect(await h.store.put(h.entry({ key: 'late', path: '/late', tags: ['deploy'] }), g)).toBe(false);
      });

      it('a fill that started before an invalidation that does not cover it is stored', async () => {
        const g = h.store.generation();
        await h.store.invalidate('E1', ['/other', '#other']);
        await h.store.invalidate('E2', ['/late']);
        expect(await h.store.put(h.entry({ key: 'late', path: '/late', tags: ['mine'] }), g)).toBe(true);
        expect(await has('late')).toBe(true);
      });

      it('a fill that started after the invalidation is stored', async () => {
        await h.store.invalidate('E1', ['/late']);
        const g = h.store.generation();
        expect(await h.store.put(h.entry({ key: 'late', path: '/late' }), g)).toBe(true);
        expect(await has('late')).toBe(true);
      });
    });

    describe('refresh', () => {
      it('updates times and validators-to-recompute', async () => {
        await put({ key: 'r', path: '/r', cacheControl: 'max-age=1', expires: 'Thu, 01 Jan 1970 00:00:01 GMT' });
        const times = { fetchedAt: 5_000, freshUntil: 65_000, swrUntil: 65_000, sieUntil: 75_000 };
        await h.store.refresh('r', { times, cacheControl: 'max-age=60', expires: undefined }, h.store.generation());
        const got = await h.store.get('r');
        expect(got!.times).toEqual(times);
        expect(got!.cacheControl).toBe('max-age=60');
        expect(got!.expires).toBeUndefined();
        expect(got!.variants.identity!.body.toString()).toBe('body of /r');
      });

      it('of an absent key is a no-op', async () => {
        await h.store.refresh('absent', { times: { fetchedAt: 0, freshUntil: 1, swrUntil: 1, sieUntil: 1 } }, h.store.generation());
        expect(await h.store.get('absent')).toBeUndefined();
      });

      it('from a revalidation that started before a covering invalidation deletes the response', async () => {
        const before = h.store.generation();
        await h.store.invalidate('E1', ['/r']);
        await put({ key: 'r', path: '/r' }); // fetched after the invalidation
        await h.store.refresh('r', { times: { fetchedAt: 0, freshUntil: 1, swrUntil: 1, sieUntil: 1 } }, before);
        expect(await h.store.get('r')).toBeUndefined();
      });
    });

    describe('size', () => {
      it('accounting grows with puts and shrinks with deletes', async () => {
        await settle();
        const empty = h.store.stats();
        expect(empty).toEqual({ entries: 0, sizeBytes: 0, maxBytes: CONTRACT_LIMITS.maxBytes });
        await put({ key: 'a', path: '/a', variants: identity(Buffer.alloc(1000, 1)) });
        await settle();
        const one = h.store.stats();
        expect(one.entries).toBe(1);
        expect(one.sizeBytes).toBeGreaterThanOrEqual(1000);
        await put({ key: 'b', path: '/b', variants: identity(Buffer.alloc(2000, 2)) });
        await settle();
        const two = h.store.stats();
        expect(two.entries).toBe(2);
        expect(two.sizeBytes).toBeGreaterThanOrEqual(one.sizeBytes + 2000);
        await h.store.delete('a');
        await settle();
        const back = h.store.stats();
        expect(back.entries).toBe(1);
        expect(back.sizeBytes).toBeLessThanOrEqual(two.sizeBytes - 1000);
      });

      it('over maxBytes the least recently used response goes, a recently read one stays', async () => {
        const body = (n: number): Partial<Record<Coding, StoredBody>> => identity(Buffer.alloc(CONTRACT_LIMITS.maxBytes / 4, n));
        expect(await put({ key: 'a', path: '/a', variants: body(1) })).toBe(true);
        expect(await put({ key: 'b', path: '/b', variants: body(2) })).toBe(true);
        expect(await put({ key: 'c', path: '/c', variants: body(3) })).toBe(true);
        await settle();
        expect(await has('a')).toBe(true); // a is now more recent than b
        await settle();
        expect(await put({ key: 'd', path: '/d', variants: body(4) })).toBe(true);
        await settle();
        expect(h.store.stats().sizeBytes).toBeLessThanOrEqual(CONTRACT_LIMITS.maxBytes);
        expect(await has('b')).toBe(false);
        expect(await has('a')).toBe(true);
        expect(await has('d')).toBe(true);
      });

      it('a body over maxObjectBytes is refused; one of exactly maxObjectBytes is stored', async () => {
        expect(await put({ key: 'big', path: '/big', variants: identity(Buffer.alloc(CONTRACT_LIMITS.maxObjectBytes + 1)) })).toBe(false);
        expect(await has('big')).toBe(false);
        expect(await put({ key: 'fits', path: '/fits', variants: identity(Buffer.alloc(CONTRACT_LIMITS.maxObjectBytes)) })).toBe(true);
        expect(await has('fits')).toBe(true);
      });
    });
  });
}

/** Defaults for a harness's `entry`: a 200 with an identity body `body of <path>`. */
export function contractEntry(fields: Partial<CachedResponse> = {}): CachedResponse {
  const path = fields.path ?? '/x';
  return {
    key: fields.key ?? `E1|GET|${path}`,
    distributionId: 'E1',
    path,
    query: '',
    status: 200,
    baseHeaders: ['content-type', 'text/plain'],
    variants: identity(`body of ${path}`),
    times: { fetchedAt: 1_000, freshUntil: 61_000, swrUntil: 61_000, sieUntil: 71_000 },
    collapsible: true,
    ...fields,
  };
}
