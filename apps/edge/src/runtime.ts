/**
 * The seam between the data plane and the control API (src/control/).
 *
 * The control server is given an `EdgeRuntime`; it never touches the cache
 * directly. In a single process the runtime calls the local engine; with
 * `--workers N` the primary's runtime fans out over cluster IPC and resolves
 * only when every worker has acknowledged (see cluster.ts).
 */
import type { DistributionConfig, EdgeConfig } from './config/types.js';
import type { PublishedFunction } from './functions/published.js';
import { emptySnapshot, mergeSnapshots, type EdgeMetricsSnapshot } from './metrics.js';

export type { EdgeConfig } from './config/types.js';
export type { EdgeMetricsSnapshot } from './metrics.js';
export type { PublishedFunction } from './functions/published.js';

export interface EdgeRuntime {
  /** The validated configuration (distributions, pop, peers…). */
  readonly config: EdgeConfig;
  /**
   * Ban `paths` (CloudFront invalidation paths, raw or percent-encoded; a trailing `*` is a prefix)
   * for `distributionId`. Resolves when every local worker has applied the ban, i.e. the next
   * request on any worker misses. Unknown distribution ids are ignored (the control API checks them).
   */
  invalidate(distributionId: string, paths: readonly string[]): Promise<void>;
  /** Counters aggregated over all local workers. */
  metrics(): Promise<EdgeMetricsSnapshot>;
  /**
   * PublishFunction / DeleteFunction on the data plane: `fn` becomes the LIVE code of `name` on
   * every local worker (null: the API-published `name` is dropped, a configured function of that
   * name runs again). Resolves when every worker compiled and applied it; rejects if one could not.
   */
  setFunction(name: string, fn: PublishedFunction | null): Promise<void>;
  /**
   * The distributions created through the control API (CreateDistribution, …): served on every
   * local worker, beside the configuration's, from the next request. Resolves when every worker
   * applied the list (control/apply-distribution.ts).
   */
  setDistributions(dists: readonly DistributionConfig[]): Promise<void>;
}

/** What takes the API's distributions in one process (the engine). */
export interface DistributionTarget {
  setDistributions(dists: readonly DistributionConfig[]): void;
}

/** What a single process's runtime needs to apply published functions (functions/registry.ts). */
export interface FunctionTarget {
  publish(fn: PublishedFunction): Promise<void>;
  unpublish(name: string): Promise<void>;
}

/** What one data-plane process (a worker, or the single process) exposes. */
export interface EdgeEngine {
  /** Resolves (or returns) once this process applied it: the next request here misses. */
  invalidate(distributionId: string, paths: readonly string[]): void | Promise<void>;
  metricsSnapshot(): EdgeMetricsSnapshot;
}

/**
 * A runtime over engines living in this process (and their `functions`). With no engine it reports
 * empty metrics. (Control-API tests use the recording runtime of test/fixtures/control-server.ts.)
 */
export function createLocalRuntime(config: EdgeConfig, engines: EdgeEngine | readonly EdgeEngine[] = [], functions?: FunctionTarget, distributions?: DistributionTarget): EdgeRuntime {
  const list = Array.isArray(engines) ? [...(engines as readonly EdgeEngine[])] : [engines as EdgeEngine];
  return {
    config,
    async invalidate(distributionId, paths) {
      for (const e of list) await e.invalidate(distributionId, paths);
    },
    async metrics() {
      if (list.length === 0) return emptySnapshot();
      return mergeSnapshots(list.map((e) => e.metricsSnapshot()));
    },
    async setFunction(name, fn) {
      if (fn === null) await functions?.unpublish(name);
      else await functions?.publish(fn);
    },
    async setDistributions(dists) {
      distributions?.setDistributions(dists);
    },
  };
}
