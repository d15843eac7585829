import { describeCacheStore, contractEntry } from './cache-store.contract.js';
import type { CachedResponse, Coding } from './cache-store.js';
import type { StoredEntry, Variant } from './entry.js';
import { MemoryStore } from './memory-store.js';

/** A StoredEntry as the engine builds one: hit headers per variant, size = bodies + headers. */
function storedEntry(fields: Partial<CachedResponse>): StoredEntry {
  const e = contractEntry(fields);
  const variants: Partial<Record<Coding, Variant>> = {};
  let size = 256;
  for (const c of Object.keys(e.variants) as Coding[]) {
    const v = e.variants[c]!;
    variants[c] = { ...v, hitHeaders: [...v.headers, 'x-cache', 'Hit from cloudfront'] };
    size += v.body.length + v.headers.join('').length;
  }
  return { ...e, variants, seq: 0, size };
}

describeCacheStore('MemoryStore', async (limits) => {
  const store = new MemoryStore({ maxSizeBytes: limits.maxBytes, maxObjectBytes: limits.maxObjectBytes, sweepDelayMs: 10 });
  return { store, entry: storedEntry, close: async () => store.close() };
});
