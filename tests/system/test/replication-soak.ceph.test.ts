/**
 * The replication soak script (src/replication-soak.ts) with its destination on the s3 store over
 * the run's Ceph cluster (`--dest-ceph`, docs/replication.md#the-s3-store): the replicas are
 * written to radosgw as its system user under the source's version ids, through an outage of the
 * destination and two SIGKILLs of the source, and every version is checked byte for byte.
 */
import { cephCluster } from '@bucketfront/test-support';
import { expect, it } from 'vitest';
import { runReplicationSoak } from '../src/run-replication-soak.js';

const ceph = cephCluster();

it.skipIf(!ceph)(
  'into an origin on Ceph: 80 objects up to 20 MiB, a 3 s outage and a SIGKILLed source; every version arrives under its id',
  async () => {
    const { code, output, report } = await runReplicationSoak(['--objects', '80', '--max-mib', '20', '--outage', '3', '--writers', '4', '--drain-timeout', '240', '--dest-ceph', ceph!.dir]);
    expect(code, output).toBe(0);
    expect(report?.problems, output).toBe(0);
    expect(report!.destinationStore).toBe('s3 (Ceph radosgw)');
    expect(report!.verified.versions).toBe(80);
    expect(report!.multipartObjects).toBeGreaterThan(0);
    expect(report!.outage.pendingWhileDown).toBe(report!.outage.writtenMeanwhile);
    expect(report!.sourceKilled).toHaveLength(2);
    expect(report!.deleteMarkers).toBeGreaterThan(0);
  },
  300_000,
);
