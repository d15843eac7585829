// ../website-aws-cli.test.ts again, with the origin's objects on the run's Ceph cluster (the s3 driver).
import { cephCluster } from '@bucketfront/test-support';
import { describe, it } from 'vitest';

process.env.BUCKETFRONT_TEST_STORE = 'ceph';
if (cephCluster()) await import('../website-aws-cli.test.js');
else describe.skip('website-aws-cli.test.ts on Ceph', () => it('needs the Ceph cluster', () => {}));
