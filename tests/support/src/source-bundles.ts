/**
 * Bundles of the sources for the processes tests start: built once per test run by the vitest
 * globalSetup (./source-bundles-global-setup.ts, which builds them) into a fresh directory named by
 * `BUCKETFRONT_TEST_BUNDLES`, which every test worker and every child it spawns inherits.
 *
 * Why: a process started from the TypeScript sources through tsx spends about 1 s of CPU
 * compiling and resolving its module graph; an edge suite run with 4 workers starts 4 of them per
 * test. The same code as one ES module file starts in about 0.15 s. The bundles are built from the
 * sources at the start of each run (esbuild, ~0.3 s), so tests still see the current code, never a
 * stale dist/.
 *
 * Each file's `import.meta.url` is its source file's URL, so code that finds files beside itself
 * (the edge's worker entry, the CLI's demo site) behaves as it does under tsx. Packages from
 * node_modules stay outside the bundle, imported by their resolved absolute path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_BUNDLES_ENV = 'BUCKETFRONT_TEST_BUNDLES';

export const REPO_ROOT_FOR_BUNDLES = resolve(fileURLToPath(import.meta.url), '../../../..');

/** Bundle name → entry source file, relative to the repository root. */
export const SOURCE_BUNDLE_ENTRIES = {
  /** apps/edge/src/cluster.ts forks this as each worker when the variable is set. */
  'edge-worker': 'apps/edge/src/worker.ts',
  cli: 'apps/cli/src/bin.ts',
  'origin-child': 'apps/origin/test/fixtures/origin-child.ts',
  'cli-origin-child': 'apps/cli/test/fixtures/origin-child.ts',
  'edge-child': 'apps/edge/test/fixtures/edge-child.ts',
  'disk-store-writer': 'apps/edge/test/fixtures/disk-store-writer.ts',
  'edge-process-main': 'tests/system/test/security/edge-process-main.ts',
  'crash-writer': 'packages/object-store/test/crash-writer.ts',
} as const;

export type SourceBundleName = keyof typeof SOURCE_BUNDLE_ENTRIES;

const bundleNameOf = new Map(Object.entries(SOURCE_BUNDLE_ENTRIES).map(([name, file]) => [join(REPO_ROOT_FOR_BUNDLES, file), name as SourceBundleName]));

/** tsx's loader by path, so that a child started in another working directory finds it too. */
const TSX = createRequire(join(REPO_ROOT_FOR_BUNDLES, 'package.json')).resolve('tsx');

/** The bundle's file when this run built them (and it exists), else undefined: start from sources. */
function sourceBundle(name: SourceBundleName): string | undefined {
  const dir = process.env[TEST_BUNDLES_ENV];
  if (!dir) return undefined;
  const file = join(dir, `${name}.mjs`);
  return existsSync(file) ? file : undefined;
}

/**
 * The node arguments that run the TypeScript file `sourceFile` (absolute): its bundle when it is
 * one of SOURCE_BUNDLE_ENTRIES and this run built them, else the file itself through tsx.
 */
export function sourceNodeArgs(sourceFile: string): string[] {
  const name = bundleNameOf.get(resolve(sourceFile));
  const bundle = name === undefined ? undefined : sourceBundle(name);
  return bundle ? ['--enable-source-maps', bundle] : ['--conditions=source', '--import', TSX, sourceFile];
}
