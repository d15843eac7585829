/**
 * The replication soak script (src/replication-soak.ts) with its destination on the s3 store over
 * the run's Ceph cluster (`--dest-ceph`, docs/replication.md#the-s3-store): the replicas are
 * written to radosgw as its system user under the source's version ids, through an outage of the
 * destination and two SIGKILLs of the source, and every version is checked byte for byte.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cephCluster, makeTempDir } from '@bucketfront/test-support';
import { expect, it } from 'vitest';
import { repoRoot } from '../src/cli-process.js';

const ceph = cephCluster();

it.skipIf(!ceph)(
  'into an origin on Ceph: 80 objects up to 20 MiB, a 3 s outage and a SIGKILLed source; every version arrives under its id',
  async () => {
    const dir = await makeTempDir('bucketfront-replication-soak-ceph-');
    try {
      const out = join(dir.path, 'report.json');
      const script = join(repoRoot, 'tests/system/src/replication-soak.ts');
      const args = ['--objects', '80', '--max-mib', '20', '--outage', '3', '--writers', '4', '--drain-timeout', '240', '--dest-ceph', ceph!.dir, '--out', out];
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code, output).toBe(0);
      const report = JSON.parse(await readFile(out, 'utf8'));
      expect(report.destinationStore).toBe('s3 (Ceph radosgw)');
      expect(report.problems, output).toBe(0);
      expect(report.verified.versions).toBe(80);
      expect(report.multipartObjects).toBeGreaterThan(0);
      expect(report.outage.pendingWhileDown).toBe(report.outage.writtenMeanwhile);
      expect(report.sourceKilled).toHaveLength(2);
      expect(report.deleteMarkers).toBeGreaterThan(0);
    } finally {
      await dir.cleanup();
    }
  },
  300_000,
);
