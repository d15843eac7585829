/**
 * Review: an existing delete marker replicated by ExistingObjectReplication (backfill.ts) into an
 * origin on the s3 store gets the epoch of its record's enqueuedAt (the backfill's now), not of
 * when the source made it: it ends current on the destination over versions written after it.
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { cephCluster, makeTempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, replicate, rule, sleep, startOn, versionedBucket, versionsOf, waitFor, withRemotes } from './fixtures/replication.js';
import type { TestOrigin } from './fixtures/test-origin.js';

const ceph = cephCluster();

describe.skipIf(!ceph)('backfilled delete marker order on an s3-store destination', () => {
  if (!ceph) return;
  let source: TestOrigin;
  let dest: TestOrigin;
  const dirs: Array<{ path: string; cleanup: () => Promise<void> }> = [];
  beforeAll(async () => {
    dirs.push(await makeTempDir('bf-review-bf-src-'), await makeTempDir('bf-review-bf-dst-'));
    source = await startOn('fs', { region: 'us-east-1', dataDir: dirs[0]!.path, replication: FAST });
    dest = await startOn('ceph', { region: 'eu-west-1', dataDir: dirs[1]!.path, replication: FAST });
    await withRemotes(source.dataDir, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, ...dest.credentials }));
  });
  afterAll(async () => {
    await source?.stop();
    await dest?.stop();
    for (const d of dirs) await d.cleanup();
  });

  it('the source current version (written after an older delete marker) is current on the destination too', async () => {
    await versionedBucket(source.s3, 'older');
    await versionedBucket(dest.s3, 'older-copy');
    await source.s3.send(new PutObjectCommand({ Bucket: 'older', Key: 'k', Body: 'v1' }));
    await sleep(1100);
    await source.s3.send(new DeleteObjectCommand({ Bucket: 'older', Key: 'k' }));
    await sleep(1100);
    await source.s3.send(new PutObjectCommand({ Bucket: 'older', Key: 'k', Body: 'v2' }));
    await sleep(2100);
    await replicate(source.s3, 'older', [rule('older-copy', { deleteMarkers: 'Enabled', existingObjects: 'Enabled' })]);
    await waitFor('3 entries on the destination', async () => (await versionsOf(dest.s3, 'older-copy')).length === 3, 120_000);
    const src = await source.s3.send(new GetObjectCommand({ Bucket: 'older', Key: 'k' })).then((r) => r.Body!.transformToString());
    const dst = await dest.s3
      .send(new GetObjectCommand({ Bucket: 'older-copy', Key: 'k' }))
      .then((r) => r.Body!.transformToString())
      .catch((e: unknown) => (e as Error).name);
    expect(dst).toBe(src);
  }, 200_000);
});
