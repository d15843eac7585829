import { defineConfig } from 'vitest/config';

/**
 * The edge's own suites run again with 2 and 4 worker processes (apps/edge/test/helpers.ts
 * `edgeFor` reads BUCKETFRONT_TEST_EDGE_WORKERS): every behaviour must hold for any worker count
 * now that the workers share one cache per host.
 */
const EDGE_SUITES = ['apps/edge/test/edge-*.test.ts', 'apps/edge/test/control-e2e.test.ts'];
const edgeWith = (workers: number) => ({
  extends: true as const,
  test: { name: `edge-workers-${workers}`, include: EDGE_SUITES, env: { BUCKETFRONT_TEST_EDGE_WORKERS: String(workers) } },
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
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
        },
      },
      edgeWith(2),
      edgeWith(4),
    ],
  },
});
