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
      it.each<{ name: string; stored: Array<Partial<CachedResponse>>; paths: string[]; gone: string[]; kept: string[] }>([
        {
          name: 'an exact path covers every keyed query of the path, nothing else',
          stored: [
            { key: 'p', path: '/p' },
            { key: 'p?a', path: '/p', query: 'a=1' },
            { key: 'p2', path: '/p2' },
            { key: 'p/x', path: '/p/x' },
          ],
          paths: ['/p'],
          gone: ['p', 'p?a'],
          kept: ['p2', 'p/x'],
        },
        {
          name: 'an exact path with a query covers that query only',
          stored: [
            { key: 'p', path: '/p' },
            { key: 'p?a1', path: '/p', query: 'a=1' },
            { key: 'p?a2', path: '/p', query: 'a=2' },
          ],
          paths: ['/p?a=1'],
          gone: ['p?a1'],
          kept: ['p', 'p?a2'],
        },
        {
          name: 'a wildcard /assets/* covers paths under /assets/ with any query',
          stored: [
            { key: 'a', path: '/assets/a.js' },
            { key: 'b', path: '/assets/sub/b.css', query: 'v=1' },
            { key: 'c', path: '/assetsx/c.js' },
            { key: 'd', path: '/other/assets/d.js' },
          ],
          paths: ['/assets/*'],
          gone: ['a', 'b'],
          kept: ['c', 'd'],
        },
        {
          name: 'a wildcard /a* covers /a, /ab and /a?x',
          stored: [
            { key: 'a', path: '/a' },
            { key: 'ab', path: '/ab' },
            { key: 'a?x', path: '/a', query: 'x' },
            { key: 'b', path: '/b' },
          ],
          paths: ['/a*'],
          gone: ['a', 'ab', 'a?x'],
          kept: ['b'],
        },
        {
          name: 'a path matches the altPath too (/index.html for /)',
          stored: [
            { key: 'root', path: '/', altPath: '/index.html' },
            { key: 'other', path: '/other.html' },
          ],
          paths: ['/index.html'],
          gone: ['root'],
          kept: ['other'],
        },
        { name: 'an altPath matches a wildcard', stored: [{ key: 'docs', path: '/docs/', altPath: '/docs/index.html' }], paths: ['/docs/index*'], gone: ['docs'], kept: [] },
        {
          name: '#tag covers tagged responses, case-insensitively; untagged and other tags stay',
          stored: [
            { key: 'tagged', path: '/t1', tags: ['release-42', 'home'] },
            { key: 'tagged2', path: '/t2', tags: ['release-42'] },
            { key: 'other-tag', path: '/t3', tags: ['release-43'] },
            { key: 'untagged', path: '/t4' },
          ],
          paths: ['#Release-42'],
          gone: ['tagged', 'tagged2'],
          kept: ['other-tag', 'untagged'],
        },
        {
          name: 'another distribution is untouched',
          stored: [
            { key: 'e1', distributionId: 'E1', path: '/same', tags: ['t'] },
            { key: 'e2', distributionId: 'E2', path: '/same', tags: ['t'] },
          ],
          paths: ['/same', '/*', '#t'],
          gone: ['e1'],
          kept: ['e2'],
        },
        {
          name: 'a batch mixes paths, wildcards and tags',
          stored: [
            { key: 'x', path: '/x' },
            { key: 'y', path: '/img/y.png' },
            { key: 'z', path: '/z', tags: ['zz'] },
            { key: 'keep', path: '/keep' },
          ],
          paths: ['/x', '/img/*', '#zz'],
          gone: ['x', 'y', 'z'],
          kept: ['keep'],
        },
      ])('$name', async ({ stored, paths, gone, kept }) => {
        for (const fields of stored) await put(fields);
        await h.store.invalidate('E1', paths);
        for (const key of gone) expect(await has(key), key).toBe(false);
        for (const key of kept) expect(await has(key), key).toBe(true);
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
