import { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { cephCluster } from './ceph.js';
import { makeTempDir, makeTestCredentials, type TestCredentials } from './temp.js';

/**
 * Where test origins keep their objects: the fs driver in their data directory (default), or,
 * with BUCKETFRONT_TEST_STORE=ceph (the `ceph` vitest project's `*-on-ceph` suites), the s3
 * driver over the run's Ceph cluster, with a bucket prefix derived from the data directory (a
 * restart on the same directory finds the same buckets).
 */
export function testStoreOptions(dataDir: string): { dataDir: string } | { store: string; storeCredentials: TestCredentials } {
  if (process.env['BUCKETFRONT_TEST_STORE'] !== 'ceph') return { dataDir };
  const ceph = cephCluster();
  if (!ceph) throw new Error('BUCKETFRONT_TEST_STORE=ceph, but no Ceph cluster is running');
  const prefix = `bf-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}-`;
  return {
    store: `s3:${ceph.endpoint}?bucketPrefix=${prefix}`,
    storeCredentials: { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey },
  };
}

/** The subset of `startOrigin`'s result (apps/origin) tests rely on. */
export interface RunningOrigin {
  url: string;
  port: number;
  websiteUrl?: string;
  websitePort?: number;
  close(): Promise<void>;
}

export interface TestOrigin extends RunningOrigin {
  dataDir: string;
  credentials: TestCredentials;
  /** An SDK client signed with `credentials`, path-style, pointed at the origin. */
  s3: S3Client;
  /** Stops the origin and removes its data directory. */
  stop(): Promise<void>;
}

/** The fields of the origin's access-log entry (apps/origin AccessLogEntry) tests look at. */
export interface OriginAccessLogEntry {
  requestId: string;
  method: string;
  path: string;
  operation: string;
  status: number;
  bucket?: string;
  key?: string;
}

interface OriginModule {
  startOrigin(opts: {
    dataDir?: string;
    store?: string;
    storeCredentials?: TestCredentials;
    port?: number;
    host?: string;
    region?: string;
    credentials?: TestCredentials;
    websiteDomain?: string;
    websitePort?: number;
    accessLog?: false | ((entry: OriginAccessLogEntry) => void);
    spaFallback?: boolean;
  }): Promise<RunningOrigin>;
}

/** An SDK v3 client for our origin (path-style, fixed region). */
export function makeS3Client(endpoint: string, credentials: TestCredentials, region = 'us-east-1'): S3Client {
  return new S3Client({ endpoint, region, credentials, forcePathStyle: true });
}

/**
 * Starts the real origin (apps/origin) on port 0 in a fresh temp dir with
 * random credentials. Loaded dynamically so this package does not depend on
 * the origin at build time (the origin's own tests use this helper).
 */
export async function startTestOrigin(
  opts: {
    websitePort?: boolean;
    websiteDomain?: string;
    region?: string;
    dataDir?: string;
    /** Receives the origin's access-log entries (default: no access log). */
    accessLog?: (entry: OriginAccessLogEntry) => void;
    /** Accept the SPA-fallback website extension (default off, as on AWS). */
    spaFallback?: boolean;
  } = {},
): Promise<TestOrigin> {
  const specifier = '@bucketfront/origin';
  const { startOrigin } = (await import(specifier)) as OriginModule;
  const temp = opts.dataDir ? undefined : await makeTempDir('bucketfront-origin-');
  const dataDir = opts.dataDir ?? temp!.path;
  const credentials = makeTestCredentials();
  const origin = await startOrigin({
    ...testStoreOptions(dataDir),
    port: 0,
    host: '127.0.0.1',
    region: opts.region ?? 'us-east-1',
    credentials,
    websiteDomain: opts.websiteDomain ?? 'localhost',
    websitePort: opts.websitePort ? 0 : undefined,
    accessLog: opts.accessLog ?? false,
    spaFallback: opts.spaFallback === true,
  });
  const s3 = makeS3Client(origin.url, credentials, opts.region);
  return {
    ...origin,
    dataDir,
    credentials,
    s3,
    close: () => origin.close(),
    async stop() {
      s3.destroy();
      await origin.close();
      await temp?.cleanup();
    },
  };
}
