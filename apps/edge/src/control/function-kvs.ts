/**
 * The key value stores TestFunction reads (`cf.kvs()`): the configuration's `keyValueStores`,
 * loaded once, on the first test that needs them (the data plane loads its own copy).
 */
import type { KvsLookup } from '@bucketfront/cf-functions';
import { storeData } from '../functions/registry.js';
import type { KvsDb } from '../kvs/kvs-db.js';
import type { EdgeConfig } from './runtime-types.js';

/** Then the stores created through the API (`kvs`), by id. */
export function lazyKeyValueStores(config: EdgeConfig, kvs: KvsDb): () => Promise<KvsLookup> {
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
      const lookup: KvsLookup = (kvsId, key) => {
        const configured = stores.get(kvsId);
        return configured ? configured.get(key) : kvs.getKey(kvsId, key);
      };
      return lookup;
    })();
    return loaded;
  };
}
