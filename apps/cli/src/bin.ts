#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The SDK's Node 20 end-of-support notice is not the user's concern on every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `bucketfront ls | head`: a closed stdout ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const isServer = ['origin', 'edge', 'dev'].includes(process.argv[2] ?? '');

// The built CLI prefers its bundle (scripts/bundle.mjs: much faster start-up);
// from sources, or before bundling, the modules load one by one.
const bundle = new URL('./bundle/program.mjs', import.meta.url);
// (A literal import for the sources, so that a bundler can follow it: tests/support/src/source-bundles.ts.)
const { main } = existsSync(fileURLToPath(bundle)) ? ((await import(bundle.href)) as typeof import('./program.js')) : await import('./program.js');

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    // A stray keep-alive socket must not keep a finished command alive.
    if (!isServer) setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`bucketfront: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
