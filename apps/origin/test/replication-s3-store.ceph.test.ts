/**
 * Cross-region replication from an origin on the s3 store (docs/replication.md#the-s3-store): the
 * source's objects live on the run's Ceph cluster (radosgw makes the version ids), the destination
 * is an origin on the fs store. Versions arrive byte-identical under radosgw's version ids; the
 * source's statuses go PENDING → COMPLETED through their sidecars in the system bucket, the version
 * itself untouched; deleting a version by id removes its sidecar. The scans work there too, looking
 * each listed version up: ExistingObjectReplication replicates the versions there before (those the
 * rule's tag filter excludes stay without status), and after a SIGKILL a PENDING version whose queue
 * record was lost is found and replicated (the running marker is an object of the system bucket).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  PutObjectCommand,
  type S3Client,
  type ReplicationRule,
} from '@aws-sdk/client-s3';
import { openSystemServices } from '@bucketfront/object-store';
import { cephBucketPrefix, cephCluster, makeS3Client, makeTestCredentials, uniquePrefix } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteStore, startOrigin, type RunningOrigin } from '../src/index.js';
import { startOriginProcess, type OriginProcess } from './fixtures/origin-process.js';
import { FAST, metric, metricsOf, Role, rule, startOn, startTwoRegions, statusOf, versionedBucket, versionsOf, waitFor as waitUpTo } from './fixtures/replication.js';
import { startWriteOutageProxy } from './fixtures/write-outage-proxy.js';
import type { TestOrigin } from './fixtures/test-origin.js';

const ceph = cephCluster();
const MiB = 1024 * 1024;
/** Polls until `condition` holds (2 minutes at most: the cluster is slower than an fs store). */
const waitFor = (what: string, condition: () => Promise<boolean>, boundMs = 120_000): Promise<void> => waitUpTo(what, condition, boundMs);

const md5 = (b: Buffer | Uint8Array): string => createHash('md5').update(b).digest('hex');

async function bodyOf(s3: S3Client, Bucket: string, Key: string, VersionId: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

describe.skipIf(!ceph)('replication from an origin on the s3 store (Ceph radosgw) to one on the fs store', () => {
  if (!ceph) return;
  let source: TestOrigin;
  let dest: TestOrigin;
  let removeDirs: (() => Promise<void>) | undefined;
  /** Signed straight at radosgw, to look at what the source's store keeps there. */
  let rgw: S3Client;
  let prefix: string;

  beforeAll(async () => {
    ({ source, dest, removeDirs } = await startTwoRegions('bucketfront-repl-ceph-', { source: 'ceph' }));
    prefix = cephBucketPrefix(source.dataDir);
    rgw = makeS3Client(ceph.endpoint, { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey });
  });
  afterAll(async () => {
    rgw?.destroy();
    await source?.stop();
    await dest?.stop();
    await removeDirs?.();
  });

  /** The replication status sidecars in the source's system bucket on radosgw. */
  async function sidecars(): Promise<string[]> {
    const page = await rgw.send(new ListObjectsV2Command({ Bucket: `${prefix}bucketfront-system`, Prefix: 'replication-status/' }));
    return (page.Contents ?? []).map((o) => o.Key!).sort();
  }

  it('versions (one over 16 MiB) arrive byte-identical under radosgw version ids; PENDING while the destination is down, then COMPLETED; a version deleted by id takes its sidecar along', async () => {
    await versionedBucket(source.s3, 'src');
    await versionedBucket(dest.s3, 'src-copy');
    await source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: { Role, Rules: [rule('src-copy')] } }));

    // Written while the destination is stopped: they stay PENDING (the status written with the version).
    const port = dest.port;
    await dest.close();
    const sizes = [1, 1024, 64 * 1024, 16 * MiB + 1, 300, 5000];
    const written: Array<{ key: string; versionId: string; md5: string; size: number }> = [];
    for (const [i, size] of sizes.entries()) {
      const body = randomBytes(size);
      const key = `objects/${i}-${size}.bin`;
      const put = await source.s3.send(new PutObjectCommand({ Bucket: 'src', Key: key, Body: body, ContentType: `application/x-test-${i}`, Metadata: { index: String(i) } }));
      written.push({ key, versionId: put.VersionId!, md5: md5(body), size });
    }
    // A second version of one key replicates as its own version.
    const again = randomBytes(2048);
    const second = await source.s3.send(new PutObjectCommand({ Bucket: 'src', Key: written[0]!.key, Body: again }));
    written.push({ key: written[0]!.key, versionId: second.VersionId!, md5: md5(again), size: again.length });
    for (const w of written) expect(await statusOf(source.s3, 'src', w.key, w.versionId)).toBe('PENDING');
    expect(await sidecars()).toEqual([]);
    // The version ids are radosgw's (31 of [A-Za-z0-9.-] on Pacific), not ones the fs store makes (32 base64url).
    for (const w of written) expect(w.versionId).toMatch(/^[A-Za-z0-9.-]{31}$/);

    dest = await startOn('fs', { region: 'eu-west-1', dataDir: dest.dataDir, port, credentials: dest.credentials, replication: FAST });
    for (const w of written) await waitFor(`${w.key} ${w.versionId} COMPLETED`, async () => (await statusOf(source.s3, 'src', w.key, w.versionId)) === 'COMPLETED');
    // GetObject answers the status too; the current version of a key reads COMPLETED without a version id.
    const got = await source.s3.send(new GetObjectCommand({ Bucket: 'src', Key: written[3]!.key }));
    await got.Body!.transformToByteArray();
    expect(got.ReplicationStatus).toBe('COMPLETED');

    for (const w of written) {
      const head = await dest.s3.send(new HeadObjectCommand({ Bucket: 'src-copy', Key: w.key, VersionId: w.versionId }));
      expect([head.VersionId, head.ReplicationStatus, head.ContentLength]).toEqual([w.versionId, 'REPLICA', w.size]);
      expect(md5(await bodyOf(dest.s3, 'src-copy', w.key, w.versionId))).toBe(w.md5);
    }
    expect((await dest.s3.send(new HeadObjectCommand({ Bucket: 'src-copy', Key: written[3]!.key }))).ContentType).toBe('application/x-test-3');
    // The same version ids on both sides, each once: statuses changed without adding versions on the source.
    const ids = written.map((w) => `${w.key} ${w.versionId}`).sort();
    expect(await versionsOf(dest.s3, 'src-copy')).toEqual(ids);
    expect(await versionsOf(source.s3, 'src')).toEqual(ids);
    expect(await sidecars()).toHaveLength(written.length);

    // Deleting a version by its id on the source removes its sidecar; the replica stays (S3 never replicates those deletes).
    const gone = written[4]!;
    await source.s3.send(new DeleteObjectCommand({ Bucket: 'src', Key: gone.key, VersionId: gone.versionId }));
    expect(await sidecars()).toHaveLength(written.length - 1);
    expect((await dest.s3.send(new HeadObjectCommand({ Bucket: 'src-copy', Key: gone.key, VersionId: gone.versionId }))).VersionId).toBe(gone.versionId);
  }, 300_000);

  it("ExistingObjectReplication: the versions there before replicate and become COMPLETED; those the rule's tag filter excludes stay without status", async () => {
    await versionedBucket(source.s3, 'before');
    await versionedBucket(dest.s3, 'before-copy');
    const put = async (Key: string, Body: string, Tagging: string): Promise<string> => (await source.s3.send(new PutObjectCommand({ Bucket: 'before', Key, Body, Tagging }))).VersionId!;
    const wanted = [
      { key: 'a/1', versionId: await put('a/1', 'one', 'copy=yes'), body: 'one' },
      { key: 'a/1', versionId: await put('a/1', 'one again', 'copy=yes&colour=blue'), body: 'one again' },
      { key: 'b/2', versionId: await put('b/2', 'two', 'copy=yes'), body: 'two' },
    ];
    const excluded = [
      { key: 'a/1', versionId: await put('a/1', 'not this one', 'copy=no') },
      { key: 'c/3', versionId: await put('c/3', 'untagged', 'colour=red') },
    ];
    // A delete marker: the rule (with a tag filter) cannot replicate delete markers; it stays as it is.
    const marker = (await source.s3.send(new DeleteObjectCommand({ Bucket: 'before', Key: 'b/2' }))).VersionId!;
    const tagged: ReplicationRule = {
      ID: 'tagged-before',
      Status: 'Enabled',
      Priority: 1,
      Filter: { Tag: { Key: 'copy', Value: 'yes' } },
      DeleteMarkerReplication: { Status: 'Disabled' },
      ExistingObjectReplication: { Status: 'Enabled' },
      Destination: { Bucket: 'arn:aws:s3:::before-copy' },
    };
    await source.s3.send(new PutBucketReplicationCommand({ Bucket: 'before', ReplicationConfiguration: { Role, Rules: [tagged] } }));

    for (const w of wanted) await waitFor(`${w.key} ${w.versionId} COMPLETED`, async () => (await statusOf(source.s3, 'before', w.key, w.versionId)) === 'COMPLETED');
    await waitFor('the backfill job finished', async () => metric(await metricsOf(source.url), 'bucketfront_replication_backfill_jobs', 'job="existing"') === 0);
    for (const w of wanted) {
      expect((await bodyOf(dest.s3, 'before-copy', w.key, w.versionId)).toString()).toBe(w.body);
      expect(await statusOf(dest.s3, 'before-copy', w.key, w.versionId)).toBe('REPLICA');
    }
    expect(await versionsOf(dest.s3, 'before-copy')).toEqual(wanted.map((w) => `${w.key} ${w.versionId}`).sort());
    for (const x of excluded) expect(await statusOf(source.s3, 'before', x.key, x.versionId)).toBeUndefined();
    const listed = await source.s3.send(new ListObjectVersionsCommand({ Bucket: 'before' }));
    expect((listed.DeleteMarkers ?? []).map((m) => m.VersionId)).toEqual([marker]);
  }, 180_000);

  it('after a SIGKILL, a PENDING version whose queue record was lost is found by the scan at the restart and replicated; a clean stop removes the running marker', async () => {
    const cluster = ceph;
    const nodeId = 'ceph-crash';
    const store = `s3:${cluster.endpoint}?bucketPrefix=${uniquePrefix('bf-crash')}`;
    const system = `${new URL(`http://x/?${store.split('?')[1]}`).searchParams.get('bucketPrefix')!}bucketfront-system`;
    const storeCredentials = { accessKeyId: cluster.accessKeyId, secretAccessKey: cluster.secretAccessKey };
    const credentials = makeTestCredentials();
    const replication = { ...FAST, nodeId };
    // The destination through a proxy that drops replica writes for now: the versions stay PENDING.
    const proxy = await startWriteOutageProxy(dest.url);
    let proc: OriginProcess | undefined;
    let origin: RunningOrigin | undefined;
    let s3: S3Client | undefined;
    /** The keys under `prefix` in the store's system bucket on radosgw. */
    const systemKeys = async (prefix: string): Promise<string[]> => ((await rgw.send(new ListObjectsV2Command({ Bucket: system, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);
    try {
      const svc = await openSystemServices(store, { credentials: storeCredentials });
      try {
        await (await RemoteStore.open(svc.system, svc.keys)).add({ region: 'eu-west-1', endpoint: proxy.url, ...dest.credentials });
      } finally {
        await svc.close();
      }
      await versionedBucket(dest.s3, 'window-copy');
      const env = {
        BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId,
        BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        BUCKETFRONT_STORE_ACCESS_KEY_ID: storeCredentials.accessKeyId,
        BUCKETFRONT_STORE_SECRET_ACCESS_KEY: storeCredentials.secretAccessKey,
      };
      proc = await startOriginProcess(store, env, ['--replication', JSON.stringify(replication)]);
      s3 = makeS3Client(proc.url, credentials);
      await versionedBucket(s3, 'window');
      await s3.send(new PutBucketReplicationCommand({ Bucket: 'window', ReplicationConfiguration: { Role, Rules: [rule('window-copy')] } }));
      proxy.dropWrites = true;
      const written = new Map<string, string>();
      for (let i = 0; i < 3; i++) written.set(`w${i}`, (await s3.send(new PutObjectCommand({ Bucket: 'window', Key: `w${i}`, Body: `body ${i}` }))).VersionId!);
      for (const [key, id] of written) expect(await statusOf(s3, 'window', key, id)).toBe('PENDING');
      // The node's running marker is an object of the system bucket.
      expect(await systemKeys(`outbox/run.${nodeId}/`)).toHaveLength(1);
      await proc.kill();
      s3.destroy();
      // The crash window: the versions are PENDING, but their records never reached the outbox.
      const records = await systemKeys(`outbox/repl.${nodeId}/`);
      expect(records.length).toBeGreaterThan(0);
      await rgw.send(new DeleteObjectsCommand({ Bucket: system, Delete: { Objects: records.map((Key) => ({ Key })) } }));
      expect(await systemKeys(`outbox/repl.${nodeId}/`)).toEqual([]);

      proxy.dropWrites = false;
      origin = await startOrigin({ store, storeCredentials, credentials, port: 0, host: '127.0.0.1', accessLog: false, replication });
      s3 = makeS3Client(origin.url, credentials);
      for (const [key, id] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(s3!, 'window', key, id)) === 'COMPLETED', 60_000);
      expect(await versionsOf(dest.s3, 'window-copy')).toEqual([...written].map(([k, id]) => `${k} ${id}`).sort());
      const m = await metricsOf(origin.url);
      expect(metric(m, 'bucketfront_replication_backfill_queued_total', 'job="recovery"')).toBe(3);
      expect(metric(m, 'bucketfront_replication_backfill_finished_total', 'job="recovery"')).toBe(1);
      await origin.close();
      origin = undefined;
      expect(await systemKeys(`outbox/run.${nodeId}/`)).toEqual([]);
    } finally {
      s3?.destroy();
      await proc?.kill();
      await origin?.close();
      await proxy.close();
    }
  }, 240_000);
});
