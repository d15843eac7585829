/**
 * The parts of the Ceph test harness that must not import vitest's runtime (the global setup runs
 * in vitest's main process, where importing 'vitest' fails): where the cluster script is, whether
 * the Ceph programs are installed, running a program, and the provided value's shape.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the global setup hands to test files (plain data: it crosses into the test workers). */
export interface CephClusterInfo {
  /** radosgw's S3 endpoint, e.g. http://127.0.0.1:7480 (path-style addressing, region us-east-1). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Keys of the radosgw system user (uid bucketfront-system): an s3-store origin's replica writes. */
  systemAccessKeyId: string;
  systemSecretAccessKey: string;
  /** The cluster's directory (conf, logs, pid files, data). */
  dir: string;
  /** Its ceph.conf, for `ceph --conf …`. */
  conf: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's Ceph cluster, or null when the Ceph packages are missing (or it failed to start locally). */
    ceph: CephClusterInfo | null;
    /** Why `ceph` is null when the packages are there (the cluster did not start); else null. */
    cephStartFailure: string | null;
  }
}

/** scripts/ceph-dev-cluster.sh of this checkout (same depth from src/ and dist/). */
export const CEPH_DEV_CLUSTER_SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../../scripts/ceph-dev-cluster.sh');

/** The programs the cluster script runs (Debian: ceph-mon ceph-osd ceph-mgr radosgw ceph-common). */
export const CEPH_BINARIES = ['ceph', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool'] as const;

export const CEPH_INSTALL_HINT = 'apt-get install -y ceph-mon ceph-osd ceph-mgr radosgw ceph-common (.ci/run installs them)';

/** True when `command` is an executable file in one of PATH's directories (nothing is run). */
export function onPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The Ceph programs missing from PATH ([] when all are there). */
export function missingCephBinaries(env: NodeJS.ProcessEnv = process.env): string[] {
  return CEPH_BINARIES.filter((command) => !onPath(command, env));
}

/** Run a program, resolving to stdout; the error names the command and carries its stderr. */
export function runProgram(command: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? `timed out after ${options.timeoutMs} ms` : `exit code ${String(error.code)}`;
        reject(new Error(`${command} ${args.join(' ')}: ${why}\n${stderr}${stdout}`.trimEnd()));
      } else {
        resolvePromise(stdout);
      }
    });
  });
}
