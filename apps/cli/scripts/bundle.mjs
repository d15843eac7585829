// Bundles the CLI (after `tsc -b`) into dist/bundle/ so `bucketfront` starts fast:
// resolving and loading the AWS SDK's hundreds of small modules costs more than the
// work of a no-change sync. Commands stay lazily loaded (code splitting), and the
// servers (@bucketfront/origin, @bucketfront/edge) stay external: they load from
// their own dist only for `origin`, `edge` and `dev`. dist/bin.js uses the bundle
// when it exists and falls back to the plain tsc output otherwise.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { program: join(root, 'src', 'program.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The SDK's ESM builds: a dynamic import() of a bundled CommonJS module would only
  // have a default export, and the CLI imports the SDK lazily by name.
  mainFields: ['module', 'main'],
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  external: ['@bucketfront/origin', '@bucketfront/edge', '@bucketfront/functions'],
  // Some bundled CommonJS dependencies call require() for Node built-ins.
  banner: { js: "import { createRequire as __bfCreateRequire } from 'node:module'; const require = __bfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
