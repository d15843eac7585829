/**
 * The ObjectStore contract against the s3 driver on a real Ceph radosgw.
 *
 * Runs on the test run's cluster (the `ceph` vitest project; cephCluster()).
 * The contract's multipart tests use 1 KiB parts: scripts/ceph-dev-cluster.sh
 * sets radosgw's `rgw multipart min part size` to 1024 (else its own 5 MiB
 * minimum refuses them at completion). radosgw (Pacific, 16.2.15
 * tested) refuses a CompleteMultipartUpload that names only some of the
 * uploaded parts (InvalidPart), hence `completeWithSubsetOfParts: false`.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bodyOf, expectStoreError, getBytes, runObjectStoreContract } from '@bucketfront/object-store/contract';
import { createS3Store } from '@bucketfront/object-store';
import { cephCluster, uniquePrefix } from '@bucketfront/test-support';

const ceph = cephCluster();

describe.skipIf(!ceph)('s3 driver on Ceph radosgw', () => {
  if (!ceph) return;
  runObjectStoreContract(
    's3 (over Ceph radosgw)',
    (opts) =>
      createS3Store({
        endpoint: ceph.endpoint,
        credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
        bucketPrefix: uniquePrefix('bf-ct'),
        ...opts,
      }),
    // Versioning on radosgw has its own suite (packages/object-store/src/s3-store/versioning.ceph.test.ts):
    // radosgw answers some cases unlike S3 (no stacked delete markers, 404 for a marker's id), which the
    // driver bridges only where the origin needs it.
    { completeWithSubsetOfParts: false, versioning: false },
  );
});

describe.skipIf(!ceph)('s3 driver on Ceph radosgw: a signed payload hash', () => {
  it('radosgw refuses a body that does not match (the start-up probe sees it); an empty one it does not check, so the driver does', async () => {
    if (!ceph) return;
    const s = await createS3Store({
      endpoint: ceph.endpoint,
      credentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
      bucketPrefix: uniquePrefix('bf-sha'),
    });
    try {
      await s.checkPayloadHashing();
      expect(s.verifiesPayloadSha256).toBe(true);
      await s.createBucket('bkt', { region: 'us-east-1' });
      const signed = createHash('sha256').update('the signed body').digest('hex');
      const META = { userMetadata: {} };
      await expectStoreError(s.putObject('bkt', 'k', bodyOf('another body'), META, { expectedSize: 12, payloadSha256: signed }), 'XAmzContentSHA256Mismatch');
      await expectStoreError(s.putObject('bkt', 'k', bodyOf(''), META, { expectedSize: 0, payloadSha256: signed }), 'XAmzContentSHA256Mismatch');
      expect(await s.headObject('bkt', 'k')).toBeNull();
      await s.putObject('bkt', 'k', bodyOf('the signed body'), META, { expectedSize: 15, payloadSha256: signed });
      expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('the signed body');
    } finally {
      await s.close();
    }
  });
});
