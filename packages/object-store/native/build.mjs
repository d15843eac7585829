#!/usr/bin/env node
/**
 * Compiles native/open-segments.c into native/build/open-segments.node (part of `npm run build`).
 * Needs a C compiler (`cc`, or $CC) and the headers of the running Node (node_api.h and its
 * OpenSSL headers, in <prefix>/include/node of every Node distribution, or $npm_config_nodedir).
 * Without them it says what to install and leaves the store on node:crypto (slower SSE reads:
 * docs/encryption.md#speed), except under CI=true, where a missing addon fails the build so the
 * tests never silently run the fallback only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'open-segments.c');
const target = join(here, 'build', 'open-segments.node');

function headerDirs() {
  const dirs = [];
  if (process.env.npm_config_nodedir) dirs.push(join(process.env.npm_config_nodedir, 'include', 'node'));
  dirs.push(join(dirname(process.execPath), '..', 'include', 'node'));
  return dirs;
}

function fail(message) {
  const line = `@bucketfront/object-store: the native AES-GCM opener was not built: ${message}`;
  if (process.env.CI === 'true') {
    console.error(`ERROR: ${line}`);
    process.exit(1);
  }
  console.warn(`WARNING: ${line}\n  SSE objects are still read correctly, with node:crypto (slower). To build it: install a C compiler (apt-get install -y gcc) and run npm run build again.`);
  process.exit(0);
}

if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && statSync(target).mtimeMs >= statSync(fileURLToPath(import.meta.url)).mtimeMs) process.exit(0);
const include = headerDirs().find((d) => existsSync(join(d, 'node_api.h')) && existsSync(join(d, 'openssl', 'evp.h')));
if (include === undefined) fail(`no Node headers with OpenSSL (looked in ${headerDirs().join(', ')}); set npm_config_nodedir to a Node source or headers directory`);
const cc = process.env.CC || 'cc';
mkdirSync(dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
// The OpenSSL symbols are the node binary's own: left undefined here, resolved when Node loads the addon.
// Bound at load (-z now): on a Node that does not export OpenSSL, loading fails and node:crypto is used,
// rather than the process dying at the first decryption.
const platformFlags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-Wl,-z,now'];
const args = ['-O2', '-std=c11', '-fPIC', '-shared', '-Wall', '-Wextra', '-fvisibility=hidden', '-DNAPI_VERSION=8', `-I${include}`, ...platformFlags, '-o', partial, source];
const built = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (built.error !== undefined || built.status !== 0) {
  rmSync(partial, { force: true });
  fail(built.error !== undefined ? `${cc} could not run (${built.error.message})` : `${cc} ${args.join(' ')} exited with ${built.status}`);
}
renameSync(partial, target);
