/**
 * `bucketfront dev --store s3:…`: the whole demo stack with the origin's objects on the run's Ceph
 * cluster. The demo bucket, its website configuration and policy, and the origin's credentials are
 * in the cluster; the site is served through the edge; a second start over the same cluster finds
 * them (nothing re-uploaded, the same credentials).
 */
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { cephCluster, makeTempDir, uniquePrefix } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { runDev, type DevStack } from '../src/dev/run-dev.js';

const ceph = cephCluster();
let stack: DevStack | undefined;
afterAll(async () => {
  await stack?.close();
});

describe.skipIf(!ceph)('bucketfront dev --store s3: on Ceph', () => {
  it('serves the demo site through the edge, and a second start reuses what is in the cluster', async () => {
    const cluster = ceph!;
    const saved = { id: process.env.BUCKETFRONT_STORE_ACCESS_KEY_ID, secret: process.env.BUCKETFRONT_STORE_SECRET_ACCESS_KEY };
    process.env.BUCKETFRONT_STORE_ACCESS_KEY_ID = cluster.accessKeyId;
    process.env.BUCKETFRONT_STORE_SECRET_ACCESS_KEY = cluster.secretAccessKey;
    const store = `s3:${cluster.endpoint}?bucketPrefix=${uniquePrefix('bf-dev')}`;
    const tmp = await makeTempDir('bf-dev-ceph-');
    const start = (dir: string) => runDev({ dataDir: dir, store, originPort: 0, websitePort: 0, edgePort: 0, controlPort: 0, log: () => {} });
    try {
      stack = await start(tmp.path);
      expect(stack.uploaded).toBeGreaterThan(0);
      const home = await request(`${stack.edgeUrl}/`);
      expect(home.statusCode).toBe(200);
      expect(await home.body.text()).toContain('<html');
      const first = stack.credentials;
      await stack.close();
      stack = undefined;

      // Another machine's dev (a fresh data dir) over the same cluster: same bucket, same credentials.
      const other = await makeTempDir('bf-dev-ceph-');
      try {
        stack = await start(other.path);
        expect(stack.uploaded).toBe(0);
        expect(stack.credentials).toMatchObject({ accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey, generated: false });
        expect((await request(`${stack.edgeUrl}/`)).statusCode).toBe(200);
        // The bucket is really in the cluster: the new origin knows it.
        const { S3Client } = await import('@aws-sdk/client-s3');
        const s3 = new S3Client({ endpoint: stack.originUrl, region: 'us-east-1', credentials: first, forcePathStyle: true });
        expect((await s3.send(new HeadBucketCommand({ Bucket: stack.bucket }))).$metadata.httpStatusCode).toBe(200);
        s3.destroy();
        await stack.close();
        stack = undefined;
      } finally {
        await other.cleanup();
      }
    } finally {
      process.env.BUCKETFRONT_STORE_ACCESS_KEY_ID = saved.id;
      process.env.BUCKETFRONT_STORE_SECRET_ACCESS_KEY = saved.secret;
      if (saved.id === undefined) delete process.env.BUCKETFRONT_STORE_ACCESS_KEY_ID;
      if (saved.secret === undefined) delete process.env.BUCKETFRONT_STORE_SECRET_ACCESS_KEY;
      await tmp.cleanup();
    }
  }, 120_000);
});
