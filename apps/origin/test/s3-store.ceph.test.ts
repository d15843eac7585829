/**
 * The ObjectStore contract against the s3 driver on a real Ceph radosgw.
 *
 * Runs when CEPH_RGW_ENDPOINT, CEPH_RGW_ACCESS_KEY_ID and
 * CEPH_RGW_SECRET_ACCESS_KEY name a cluster (the variables
 * scripts/ceph-dev-cluster.sh writes to <dir>/cluster.env); skipped otherwise.
 * The contract's multipart tests use 1 KiB parts: set radosgw's
 * `rgw_multipart_min_part_size` to 1024 on that cluster (else its own
 * 5 MiB minimum refuses them at completion). radosgw (Pacific, 16.2.15
 * tested) refuses a CompleteMultipartUpload that names only some of the
 * uploaded parts (InvalidPart), hence `completeWithSubsetOfParts: false`.
 */
import { describe } from 'vitest';
import { runObjectStoreContract } from '@bucketfront/object-store/contract';
import { createS3Store } from '@bucketfront/object-store';
import { uniquePrefix } from './s3-backend.js';

const endpoint = process.env.CEPH_RGW_ENDPOINT;
const accessKeyId = process.env.CEPH_RGW_ACCESS_KEY_ID;
const secretAccessKey = process.env.CEPH_RGW_SECRET_ACCESS_KEY;
const run = Boolean(endpoint && accessKeyId && secretAccessKey);

describe.skipIf(!run)('s3 driver on Ceph radosgw', () => {
  if (!run) return;
  runObjectStoreContract('s3 (over Ceph radosgw)', (opts) =>
    createS3Store({
      endpoint: endpoint!,
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! },
      bucketPrefix: `c${Date.now().toString(36)}-${uniquePrefix()}`,
      ...opts,
    }),
    { completeWithSubsetOfParts: false },
  );
});
