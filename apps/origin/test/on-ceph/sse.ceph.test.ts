// ../sse.test.ts again, with the origin's objects on the run's Ceph cluster (the s3 driver):
// radosgw must hold only ciphertext, and listings must show plaintext sizes and ETags.
import { cephCluster } from '@bucketfront/test-support';
import { describe, it } from 'vitest';

process.env.BUCKETFRONT_TEST_STORE = 'ceph';
if (cephCluster()) await import('../sse.test.js');
else describe.skip('sse.test.ts on Ceph', () => it('needs the Ceph cluster', () => {}));
