/**
 * A metrics decorator over any ObjectStore: every store call reports its
 * operation name, its outcome (`ok`, or the StoreError code, or `error` for
 * anything else) and how long it took, to an observer. The origin renders
 * them in /_bucketfront/metrics (apps/origin/src/http/metrics.ts).
 *
 * The time of `getObject` is the time to open the object (the backend's
 * response head), not to stream it.
 */
import { isStoreError, type ObjectStore, type StoreMethod } from './types.js';

export type StoreOperation = Exclude<StoreMethod, 'close'>;

export type StoreObserver = (operation: StoreOperation, outcome: string, durationMs: number) => void;

function outcomeOf(err: unknown): string {
  return isStoreError(err) ? err.code : 'error';
}

/** Wraps every method of `store` (and of any optional interface it has) so calls are observed. */
export function withStoreMetrics<S extends ObjectStore>(store: S, observe: StoreObserver): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'close' || prop === 'constructor' || typeof prop !== 'string') return value;
      const operation = prop as StoreOperation;
      return (...args: unknown[]) => {
        const started = performance.now();
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          observe(operation, outcomeOf(err), performance.now() - started);
          throw err;
        }
        if (result instanceof Promise) {
          result.then(
            () => observe(operation, 'ok', performance.now() - started),
            (err: unknown) => observe(operation, outcomeOf(err), performance.now() - started),
          );
        } else {
          observe(operation, 'ok', performance.now() - started);
        }
        return result;
      };
    },
  });
}
