/**
 * vitest globalSetup of every project (vitest.config.ts): builds the source bundles
 * (./source-bundles.ts) once per run into a fresh directory, names it in BUCKETFRONT_TEST_BUNDLES
 * for the test workers and their children, and deletes it in teardown. Projects share the main
 * vitest process, so a second project finds it built and builds nothing.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT_FOR_BUNDLES, SOURCE_BUNDLE_ENTRIES, TEST_BUNDLES_ENV } from './source-bundles.js';

/** Workspace packages (@bucketfront/*) and relative imports are bundled; everything else is imported as it resolves. */
const nodeModulesByPath: Plugin = {
  name: 'node-modules-by-path',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@bucketfront/') || args.pluginData === 'inner') return undefined;
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
      if (found.errors.length > 0) return { errors: found.errors };
      // A built-in without the node: prefix resolves to itself, external.
      return { path: found.external ? args.path : pathToFileURL(found.path).href, external: true };
    });
  },
};

/**
 * `import.meta.url` of each source file stays its own URL (a bundle has one URL for all). The
 * replacement is textual: the token in a string or comment of a bundled file would change too.
 */
const sourceImportMetaUrl: Plugin = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const contents = text.includes('import.meta.url') ? text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : text;
      return { contents, loader: 'ts' };
    });
  },
};

/** Builds every bundle of SOURCE_BUNDLE_ENTRIES into `outdir` (`<name>.mjs`, plus shared chunks). */
async function buildSourceBundles(outdir: string): Promise<void> {
  const entryPoints = Object.fromEntries(Object.entries(SOURCE_BUNDLE_ENTRIES).map(([name, file]) => [name, join(REPO_ROOT_FOR_BUNDLES, file)]));
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    outExtension: { '.js': '.mjs' },
    plugins: [nodeModulesByPath, sourceImportMetaUrl],
    sourcemap: true, // linked: read only by a process started with --enable-source-maps
    logLevel: 'warning',
  });
}

/** The directory this vitest process built (projects share the process, and each runs the setup). */
const BUILT = Symbol.for('bucketfront.testBundlesDir');
type WithBuilt = typeof globalThis & { [BUILT]?: string };

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  // Watch mode re-runs tests after an edit without running this again: children would run the
  // old code. There they start from the sources through tsx (slower, always current).
  if (project.config.watch) {
    delete process.env[TEST_BUNDLES_ENV];
    return undefined;
  }
  const state = globalThis as WithBuilt;
  if (state[BUILT] !== undefined) return undefined;
  // Never a directory named by the environment this run inherited (another run's, maybe stale).
  const dir = await mkdtemp(join(tmpdir(), 'bucketfront-test-bundles-'));
  state[BUILT] = dir;
  await buildSourceBundles(dir);
  process.env[TEST_BUNDLES_ENV] = dir;
  return async () => {
    delete process.env[TEST_BUNDLES_ENV];
    delete state[BUILT];
    await rm(dir, { recursive: true, force: true });
  };
}
