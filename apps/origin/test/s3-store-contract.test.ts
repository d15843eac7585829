/**
 * The ObjectStore contract against the s3 driver, whose backend is a
 * bucketfront origin on the fs driver (real HTTP, SigV4, no mocks). Every
 * store instance gets its own bucket prefix, so each starts empty.
 */
import { afterAll, beforeAll } from 'vitest';
import { CONTRACT_MIN_PART, runObjectStoreContract } from '@bucketfront/object-store/contract';
import { createS3Store } from '@bucketfront/object-store';
import { startS3Backend, uniquePrefix, type S3Backend } from './s3-backend.js';

let backend: S3Backend;
beforeAll(async () => {
  // The backend accepts the contract's small parts; the driver validates its own minimum first.
  backend = await startS3Backend({ minPartSize: CONTRACT_MIN_PART });
});
afterAll(async () => {
  await backend.close();
});

runObjectStoreContract(
  's3 (over a bucketfront origin)',
  (opts) =>
    createS3Store({
      endpoint: backend.endpoint,
      credentials: backend.credentials,
      bucketPrefix: uniquePrefix(),
      ...opts,
    }),
  // The backend owns what the driver writes: a delete marker's owner is the driver's own user; a
  // version's metadata cannot be rewritten in place.
  { deleteMarkerOwner: false, versionsInPlace: false },
);
