/**
 * The key value stores TestFunction reads (`cf.kvs()`): the configuration's `keyValueStores`,
 * loaded once, on the first test that needs them (the data plane loads its own copy).
 */
import type { KvsLookup } from '@bucketfront/cf-functions';
import { storeData } from '../functions/registry.js';
import type { EdgeConfig } from './runtime-types.js';

export function lazyKeyValueStores(config: EdgeConfig): () => Promise<KvsLookup> {
  let loaded: Promise<KvsLookup> | undefined;
  return () => {
    loaded ??= (async () => {
      const stores = new Map<string, Map<string, string>>();
      for (const k of config.keyValueStores ?? []) {
        try {
          stores.set(k.name, await storeData(k));
        } catch {
          // The data plane refused to start with such a store; nothing to read here either.
        }
      }
      const lookup: KvsLookup = (kvsId, key) => stores.get(kvsId)?.get(key);
      return lookup;
    })();
    return loaded;
  };
}
