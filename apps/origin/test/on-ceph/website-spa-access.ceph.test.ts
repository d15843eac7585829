// ../website-spa-access.test.ts again, with the origin's objects on the run's Ceph cluster (the s3 driver).
import { cephCluster } from '@bucketfront/test-support';
import { describe, it } from 'vitest';

process.env.BUCKETFRONT_TEST_STORE = 'ceph';
if (cephCluster()) await import('../website-spa-access.test.js');
else describe.skip('website-spa-access.test.ts on Ceph', () => it('needs the Ceph cluster', () => {}));
