#!/usr/bin/env node
/**
 * `npm test`: every vitest project, with the Ceph suites (`--project ceph`, docs/ceph-dev-cluster.md)
 * in a second vitest process beside the others. Those suites spend most of their time waiting for
 * the cluster (boot, an OSD killed and back), so running them alongside the rest keeps the whole
 * run short on a 2-core machine. The Ceph run's output is kept in a file and printed once the other
 * run has finished, so the two never interleave.
 *
 * With arguments (`npm test -- apps/edge`, `npm test -- --project ceph`) it is plain `vitest run ARGS`.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const vitest = (args, stdio) => spawn(process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], { stdio });
const exitOf = (child) => new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

const args = process.argv.slice(2);
if (args.length > 0) process.exit(await exitOf(vitest(args, 'inherit')));

const dir = mkdtempSync(join(tmpdir(), 'bucketfront-ceph-tests-'));
const cephLog = join(dir, 'ceph.log');
const out = createWriteStream(cephLog);
const ceph = vitest(['--project', 'ceph', '--color'], ['ignore', 'pipe', 'pipe']);
ceph.stdout.pipe(out, { end: false });
ceph.stderr.pipe(out, { end: false });
const cephDone = exitOf(ceph);
process.stdout.write('The Ceph suites run beside these in a second vitest process; their report follows this one.\n\n');

const others = await exitOf(vitest(['--project', 'all', '--project', 'edge-workers-2', '--project', 'edge-workers-4'], 'inherit'));
const cephCode = await cephDone;
out.end();
await new Promise((resolve) => out.on('close', resolve));
process.stdout.write('\n──────── the Ceph suites (vitest --project ceph) ────────\n');
process.stdout.write(readFileSync(cephLog));
rmSync(dir, { recursive: true, force: true });
if (others !== 0 || cephCode !== 0) {
  process.stderr.write(`\nnpm test failed: other projects exit ${others}, Ceph project exit ${cephCode}\n`);
  process.exit(1);
}
