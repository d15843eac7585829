import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cephCluster } from './ceph.js';
import type { TestCredentials } from './temp.js';

/**
 * Where test origins keep their objects: the fs driver in their data directory (default), or,
 * with BUCKETFRONT_TEST_STORE=ceph (the `ceph` vitest project's `*-on-ceph` suites), the s3
 * driver over the run's Ceph cluster, with a bucket prefix derived from the data directory (a
 * restart on the same directory finds the same buckets).
 */
export function testStoreOptions(
  dataDir: string,
): { dataDir: string } | { store: string; storeCredentials: TestCredentials; storeSystemCredentials: TestCredentials; masterKeyFile: string; createMasterKey: true } {
  if (process.env['BUCKETFRONT_TEST_STORE'] !== 'ceph') return { dataDir };
  const ceph = cephCluster();
  if (!ceph) throw new Error('BUCKETFRONT_TEST_STORE=ceph, but no Ceph cluster is running');
  return {
    store: `s3:${ceph.endpoint}?bucketPrefix=${cephBucketPrefix(dataDir)}`,
    storeCredentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
    storeSystemCredentials: { accessKeyId: ceph.systemAccessKeyId, secretAccessKey: ceph.systemSecretAccessKey },
    // Encryption at rest over the cluster needs a master key, as every node of a real one would have.
    masterKeyFile: join(dataDir, 'master.key'),
    createMasterKey: true,
  };
}

/** The backend bucket prefix of a test origin on the Ceph cluster (testStoreOptions): its bucket B is radosgw's PREFIX+B. */
export function cephBucketPrefix(dataDir: string): string {
  return `bf-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}-`;
}

/** An SDK v3 client for our origin (path-style, fixed region). */
export function makeS3Client(endpoint: string, credentials: TestCredentials, region = 'us-east-1'): S3Client {
  return new S3Client({ endpoint, region, credentials, forcePathStyle: true });
}

/** The S3 error `p` is rejected with (any other outcome fails the test). */
export async function s3ErrorOf(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error('expected an S3 error');
}

/**
 * `command` with extra request headers, added before signing (so they are signed, as a client
 * that builds them itself would send them): for headers the SDK would never put together.
 */
export function withExtraHeaders<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(command: C, headers: Record<string, string>): C {
  (command.middlewareStack as unknown as { add(mw: unknown, opts: { step: 'build' }): void }).add(
    (next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
      Object.assign((args.request as { headers: Record<string, string> }).headers, headers);
      return next(args);
    },
    { step: 'build' },
  );
  return command;
}
