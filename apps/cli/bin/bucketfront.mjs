#!/usr/bin/env node
// The `bucketfront` command. It exists before the build so that `npm install` links it
// (npm skips a bin whose file is missing, and dist/ is built after install); it runs the build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(built))) {
  process.stderr.write('bucketfront: the CLI is not built yet; run `npm run build` at the repository root first.\n');
  process.exit(1);
}
await import(built.href);
