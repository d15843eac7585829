import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/** Suites that need the real Ceph cluster (docs/ceph-dev-cluster.md): `npx vitest run --project ceph`. */
const CEPH_SUITES = '**/*.ceph.test.ts';
const CEPH_INCLUDE = ['packages/*/test/**/*.ceph.test.ts', 'packages/*/src/**/*.ceph.test.ts', 'apps/*/test/**/*.ceph.test.ts', 'tests/*/test/**/*.ceph.test.ts'];

/**
 * The edge's own suites run again with 2 worker processes (apps/edge/test/helpers.ts `edgeFor`
 * reads BUCKETFRONT_TEST_EDGE_WORKERS): every behavior must hold for any worker count now that the
 * workers share one cache per host. With 4, the suites about what the workers share (collapsing,
 * invalidation, marks, fill budget, ranges, resilience, CORS, the real origin, the control API end
 * to end, functions and KeyValueStores published to every worker); the others (basic caching,
 * function behavior, the distributions API, recipes) ask nothing of 4 workers that 2 do not, and
 * cost ~4 CPU-minutes more there, so `npm test` leaves them at 1 and 2:
 * `npx vitest run --project edge-workers-4-all` runs every edge suite with 4.
 */
const EDGE_SUITES = ['apps/edge/test/edge-*.test.ts', 'apps/edge/test/control-e2e.test.ts'];
const EDGE_SUITES_SHARED_STATE = [
  'apps/edge/test/edge-collapse.test.ts',
  'apps/edge/test/edge-invalidation.test.ts',
  'apps/edge/test/edge-marks.test.ts',
  'apps/edge/test/edge-fill-budget.test.ts',
  'apps/edge/test/edge-range-oversize.test.ts',
  'apps/edge/test/edge-resilience.test.ts',
  'apps/edge/test/edge-cors.test.ts',
  'apps/edge/test/edge-real-origin.test.ts',
  'apps/edge/test/control-e2e.test.ts',
  // A publication must reach every worker, a restarted one included.
  'apps/edge/test/edge-functions-api.test.ts',
  'apps/edge/test/edge-kvs-api.test.ts',
];
const edgeWith = (workers: number, include: string[], name = `edge-workers-${workers}`) => ({
  extends: true as const,
  test: {
    name,
    include,
    exclude: [...configDefaults.exclude, CEPH_SUITES],
    env: { BUCKETFRONT_TEST_EDGE_WORKERS: String(workers) },
  },
});

// Workspace packages resolve to their TypeScript sources (the "source" export
// condition), so tests never need a build and always see the current code.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at once even on 2 cores (vitest's default is cores - 1): most of a file's time
    // is spent waiting for the servers and clients it started in other processes.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // notifications-brokers.test.ts runs its six destinations at once (vitest's default is 5).
    maxConcurrency: 6,
    // Bundles of the sources for the processes tests start (tests/support/src/source-bundles.ts).
    globalSetup: ['tests/support/src/source-bundles-global-setup.ts'],
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'tests/*/src/**/*.test.ts', 'tests/*/test/**/*.test.ts'],
          // Suites against the real Ceph cluster run only in the `ceph` project below.
          exclude: [...configDefaults.exclude, CEPH_SUITES],
        },
      },
      {
        extends: true,
        test: {
          name: 'ceph',
          include: CEPH_INCLUDE,
          // Boots ONE cluster (scripts/ceph-dev-cluster.sh) for the whole run; `cephCluster()` injects it.
          globalSetup: ['tests/support/src/ceph-global-setup.ts'],
          // The cluster itself needs about one of the machine's cores: run these files one at a
          // time, in one worker. `npm test` runs this project in its own vitest process beside the
          // others (scripts/run-tests.mjs).
          poolOptions: { forks: { singleFork: true } },
          // A killed and restarted OSD takes 20–30 s to be active+clean again.
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      edgeWith(2, EDGE_SUITES),
      edgeWith(4, EDGE_SUITES_SHARED_STATE),
      edgeWith(4, EDGE_SUITES, 'edge-workers-4-all'),
    ],
  },
});
