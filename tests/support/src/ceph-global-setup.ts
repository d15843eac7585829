/**
 * vitest globalSetup of the `ceph` project (vitest.config.ts): boots ONE Ceph cluster per test run
 * with scripts/ceph-dev-cluster.sh in a fresh directory under os.tmpdir(), provides its connection
 * facts as `inject('ceph')` (see `cephCluster()` in ./ceph.ts), and stops it and deletes the
 * directory in teardown.
 *
 * - Ceph packages missing: provides null and prints nothing (each test file prints the loud skip,
 *   or fails under CI, through `cephCluster()`).
 * - The cluster does not start: under CI this throws (the run fails); locally it prints a loud
 *   message with the script's output and provides null.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CEPH_DEV_CLUSTER_SCRIPT, type CephClusterInfo, missingCephBinaries, runProgram } from './ceph-cluster-script.js';
import { isCi, skipLoudly } from './tools.js';

/** The script gives up by itself after 90 s; this only guards against the script hanging. */
const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 60_000;

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A base port B with B..B+99 all free: the script puts the monitor on B and B+1, radosgw on B+2
 * and the daemons' messengers on B+10..B+99. Below the usual ephemeral range (32768+), from a
 * random start, so two test runs at once (two checkouts) do not collide on the fixed defaults.
 */
async function freeBasePort(): Promise<number> {
  const slots = 110; // bases 21000, 21100, … 31900
  const first = Math.floor(Math.random() * slots);
  for (let i = 0; i < slots; i++) {
    const base = 21_000 + ((first + i) % slots) * 100;
    let free = true;
    for (let port = base; port < base + 100 && free; port++) free = await portFree(port);
    if (free) return base;
  }
  throw new Error('no free block of 100 ports between 21000 and 32000 on 127.0.0.1');
}

/** The user chose ports themselves (see the script's header); then we do not pick a base. */
const portsChosenByUser = (env: NodeJS.ProcessEnv): boolean => ['CEPH_DEV_BASE_PORT', 'CEPH_DEV_MON_PORT', 'CEPH_DEV_RGW_PORT', 'CEPH_DEV_MS_PORT_MIN'].some((name) => env[name]);

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('cephStartFailure', null);
  if (missingCephBinaries().length > 0) {
    project.provide('ceph', null);
    return undefined;
  }

  const dir = await mkdtemp(join(tmpdir(), 'bucketfront-ceph-'));
  const env = { ...process.env };
  if (!portsChosenByUser(env)) env['CEPH_DEV_BASE_PORT'] = String(await freeBasePort());

  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    spawnSync('bash', [CEPH_DEV_CLUSTER_SCRIPT, 'stop', dir, '--purge'], { stdio: 'ignore', timeout: STOP_TIMEOUT_MS });
  };
  // Should vitest exit without running teardown (Ctrl-C: its SIGINT handler calls process.exit()
  // from inside its own 'exit' listener, so only a listener placed before it still runs), stop the
  // daemons synchronously. Should it die outright (SIGKILL), the script's --owner-pid watchdog does.
  process.prependOnceListener('exit', stopSync);

  const started = Date.now();
  try {
    await runProgram('bash', [CEPH_DEV_CLUSTER_SCRIPT, 'start', dir, '--owner-pid', String(process.pid)], {
      timeoutMs: START_TIMEOUT_MS,
      env,
    });
  } catch (error) {
    stopSync();
    process.removeListener('exit', stopSync);
    const summary = `the Ceph test cluster did not start (scripts/ceph-dev-cluster.sh start ${dir} failed)`;
    const message = `${summary}:\n${(error as Error).message}`;
    if (isCi()) throw new Error(`CI is set and ${message}`);
    skipLoudly(message, 'The *.ceph.test.ts suites are skipped; fix the cluster (docs/ceph-dev-cluster.md) and re-run.');
    project.provide('ceph', null);
    project.provide('cephStartFailure', summary);
    return undefined;
  }

  const facts = JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    systemAccessKeyId: string;
    systemSecretAccessKey: string;
    conf: string;
    dir: string;
  };
  const info: CephClusterInfo = {
    endpoint: facts.endpoint,
    accessKeyId: facts.accessKeyId,
    secretAccessKey: facts.secretAccessKey,
    systemAccessKeyId: facts.systemAccessKeyId,
    systemSecretAccessKey: facts.systemSecretAccessKey,
    dir: facts.dir,
    conf: facts.conf,
  };
  project.provide('ceph', info);
  console.log(`[ceph] test cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${info.endpoint} (dir ${dir})`);

  return async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stopSync);
    try {
      await runProgram('bash', [CEPH_DEV_CLUSTER_SCRIPT, 'stop', dir, '--purge'], { timeoutMs: STOP_TIMEOUT_MS });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
