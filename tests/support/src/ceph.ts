/**
 * A real Ceph cluster (monitor, manager, three BlueStore OSDs, radosgw) for tests that need an
 * S3 backend with replication: `ceph-global-setup.ts` boots one per test run with
 * scripts/ceph-dev-cluster.sh and provides its connection facts; a test file gets them with
 * `cephCluster()`. See docs/ceph-dev-cluster.md.
 */
import { randomBytes } from 'node:crypto';
import { CEPH_DEV_CLUSTER_SCRIPT, CEPH_INSTALL_HINT, type CephClusterInfo, runProgram } from './ceph-cluster-script.js';
import { missingPrerequisite, skipLoudly } from './tools.js';

export * from './ceph-cluster-script.js';

// vitest's runtime throws when imported outside a test worker; loaded this way, the rest of
// @bucketfront/test-support still works in plain Node scripts (only cephCluster() needs vitest).
const vitest = await import('vitest').catch(() => null);

export interface CephCluster extends CephClusterInfo {
  /** SIGKILL osd.N (0–2); resolves once the process is gone. */
  killOsd(n: number): Promise<void>;
  /** Start osd.N again (same config, inside the cluster's cgroup); resolves once the monitor sees it up. */
  startOsd(n: number): Promise<void>;
  /** Run the `ceph` CLI against this cluster, e.g. `ceph(['pg', 'stat'])`; resolves to its stdout. */
  ceph(args: string[], timeoutMs?: number): Promise<string>;
  /** Poll `ceph pg stat` until every placement group is active+clean; rejects after `timeoutMs`. */
  waitForActiveClean(timeoutMs?: number): Promise<void>;
}

const script = (args: string[], timeoutMs: number): Promise<string> => runProgram('bash', [CEPH_DEV_CLUSTER_SCRIPT, ...args], { timeoutMs });

/** Wrap connection facts (as provided by the global setup) with the cluster's operations. */
export function cephClusterFrom(info: CephClusterInfo): CephCluster {
  const cluster: CephCluster = {
    ...info,
    async killOsd(n) {
      await script(['kill-osd', info.dir, String(n)], 30_000);
    },
    async startOsd(n) {
      await script(['start-osd', info.dir, String(n)], 90_000);
    },
    ceph(args, timeoutMs = 30_000) {
      const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
      return runProgram('ceph', ['--conf', info.conf, '--connect-timeout', seconds, ...args], { timeoutMs });
    },
    async waitForActiveClean(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      for (;;) {
        try {
          // e.g. "33 pgs: 33 active+clean; 5.3 KiB data, …" or "33 pgs: 20 active+undersized+degraded, 13 active+clean; …"
          last = (await cluster.ceph(['pg', 'stat'], 15_000)).trim();
          const match = /^(\d+) pgs: ([^;]*);/.exec(last);
          if (match && match[2]!.trim() === `${match[1]} active+clean`) return;
        } catch (error) {
          last = String(error);
        }
        if (Date.now() >= deadline) throw new Error(`placement groups not all active+clean after ${timeoutMs} ms; last: ${last}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
  };
  return cluster;
}

/**
 * The test run's Ceph cluster, for `const ceph = cephCluster(); describe.skipIf(!ceph)(…)`.
 * Needs the `ceph` vitest project (its globalSetup starts the cluster). When the Ceph packages are
 * not installed: under CI this throws, so the suite fails; locally it prints a loud skip message
 * and returns null. (When the cluster did not start, the global setup already failed the run under
 * CI; locally this prints a loud skip naming the failure and returns null.)
 */
export function cephCluster(): CephCluster | null {
  if (!vitest) throw new Error('cephCluster() works only inside a vitest test file (the ceph project)');
  const info = vitest.inject('ceph');
  if (info === undefined) {
    throw new Error("no 'ceph' value provided: run *.ceph.test.ts files in the vitest project 'ceph' (npx vitest run --project ceph), whose globalSetup starts the cluster");
  }
  if (info === null) {
    const failure = vitest.inject('cephStartFailure');
    if (failure) skipLoudly(failure, 'See the start-up output above and docs/ceph-dev-cluster.md.');
    else missingPrerequisite('the Ceph packages are not installed', CEPH_INSTALL_HINT);
    return null;
  }
  return cephClusterFrom(info);
}

/**
 * A fresh prefix for the backend bucket names of one test file, e.g. uniquePrefix('bf-t') →
 * 'bf-t-k3x9q2m7-': lower case, so `${prefix}photos` is a valid S3 bucket name (3–63 characters
 * of a–z, 0–9 and '-', starting with a letter or digit) that no other test file uses.
 */
export function uniquePrefix(base = 'bf-t'): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(base) || base.length > 30) {
    throw new Error(`uniquePrefix: '${base}' must be 1–30 characters of a–z, 0–9 and '-', starting with a letter or digit`);
  }
  const random = BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .padStart(10, '0');
  return `${base}-${random}-`;
}
