/**
 * Replication of existing objects and the scan after an unclean stop (docs/replication.md#existing-objects,
 * #after-an-unclean-stop), with real origins on port 0 (fs stores in temp dirs) as two regions, driven
 * with the AWS SDK v3:
 * - a configuration with ExistingObjectReplication Enabled replicates the versions (and, with
 *   DeleteMarkerReplication, the delete markers) that were there before; with Disabled it does not;
 * - the backfill job resumes where it was after its origin is SIGKILLed;
 * - a PENDING version whose queue record was lost in a crash is replicated after the restart.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { openSystemServices } from '@bucketfront/object-store';
import { makeS3Client, makeTempDir, makeTestCredentials } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOriginProcess, type OriginProcess } from './fixtures/origin-process.js';
import { FAST, metric, metricsOf, replicate, rule, startTwoRegions, statusOf, versionedBucket, versionsOf, waitFor, withRemotes } from './fixtures/replication.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { startWriteOutageProxy } from './fixtures/write-outage-proxy.js';

let source: TestOrigin;
let dest: TestOrigin;
let removeDirs: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ source, dest, removeDirs } = await startTwoRegions('bucketfront-repl-existing-'));
});
afterAll(async () => {
  await source?.stop();
  await dest?.stop();
  await removeDirs?.();
});

/** Puts `bodies` under `key`, one version each; resolves to the version ids. */
async function putVersions(s3: S3Client, Bucket: string, Key: string, bodies: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const Body of bodies) ids.push((await s3.send(new PutObjectCommand({ Bucket, Key, Body }))).VersionId!);
  return ids;
}

/** The bucket's `replication-backfill` document (its job's progress), null when it has none. */
async function backfillDocument(dataDir: string, bucket: string): Promise<{ keyMarker?: string; scanned: number } | null> {
  const svc = await openSystemServices(`fs:${dataDir}`);
  try {
    const doc = (await svc.bucketConfigs('replication-backfill')).find((d) => d.bucket === bucket)?.document ?? null;
    return doc === null ? null : (JSON.parse(doc) as { keyMarker?: string; scanned: number });
  } finally {
    await svc.close();
  }
}

describe('ExistingObjectReplication', () => {
  it('Enabled: the versions and delete markers there before replicate with their ids; keys outside the rule stay without status', async () => {
    await versionedBucket(source.s3, 'old');
    await versionedBucket(dest.s3, 'old-copy');
    const a1 = await putVersions(source.s3, 'old', 'a/1', ['one', 'one again']);
    const a2 = await putVersions(source.s3, 'old', 'a/2', ['two']);
    const marker = (await source.s3.send(new DeleteObjectCommand({ Bucket: 'old', Key: 'a/2' }))).VersionId!;
    const [b1] = await putVersions(source.s3, 'old', 'b/1', ['outside the rule']);
    const before = metric(await metricsOf(source.url), 'bucketfront_replication_backfill_finished_total', 'job="existing"');

    await replicate(source.s3, 'old', [rule('old-copy', { prefix: 'a/', deleteMarkers: 'Enabled', existingObjects: 'Enabled' })]);
    await waitFor('the backfill job finished', async () => metric(await metricsOf(source.url), 'bucketfront_replication_backfill_finished_total', 'job="existing"') === before + 1);
    for (const [key, id] of [...a1.map((v) => ['a/1', v] as const), ['a/2', a2[0]!] as const]) {
      await waitFor(`${key} ${id} COMPLETED`, async () => (await statusOf(source.s3, 'old', key, id)) === 'COMPLETED');
    }
    expect(await versionsOf(dest.s3, 'old-copy')).toEqual([`a/1 ${a1[0]}`, `a/1 ${a1[1]}`, `a/2 ${a2[0]}`, `a/2 ${marker} marker`].sort());
    expect(await statusOf(source.s3, 'old', 'b/1', b1)).toBeUndefined();
    const m = await metricsOf(source.url);
    expect(metric(m, 'bucketfront_replication_backfill_queued_total', 'job="existing"')).toBeGreaterThanOrEqual(4);
    expect(metric(m, 'bucketfront_replication_backfill_jobs', 'job="existing"')).toBe(0);
    expect(await backfillDocument(source.dataDir, 'old')).toBeNull();
  }, 60_000);

  it('Disabled (or absent): only versions written after the configuration replicate', async () => {
    await versionedBucket(source.s3, 'old-off');
    await versionedBucket(dest.s3, 'old-off-copy');
    const [before] = await putVersions(source.s3, 'old-off', 'k', ['before']);
    const scanned = metric(await metricsOf(source.url), 'bucketfront_replication_backfill_scanned_total', 'job="existing"');
    await replicate(source.s3, 'old-off', [rule('old-off-copy', { existingObjects: 'Disabled' })]);
    const [after] = await putVersions(source.s3, 'old-off', 'k', ['after']);
    await waitFor('the new version COMPLETED', async () => (await statusOf(source.s3, 'old-off', 'k', after)) === 'COMPLETED');
    expect(await statusOf(source.s3, 'old-off', 'k', before)).toBeUndefined();
    expect(await versionsOf(dest.s3, 'old-off-copy')).toEqual([`k ${after}`]);
    expect(metric(await metricsOf(source.url), 'bucketfront_replication_backfill_scanned_total', 'job="existing"')).toBe(scanned);
  }, 60_000);
});

describe('origins in their own process, killed with SIGKILL', () => {
  const credentials = makeTestCredentials();
  const env = { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };

  /** A destination of its own, that each test stops and starts again on its port. */
  async function ownDestination(prefix: string): Promise<{ origin: TestOrigin; dir: { path: string; cleanup: () => Promise<void> } }> {
    const dir = await makeTempDir(prefix);
    return { origin: await startTestOrigin({ region: 'eu-west-1', dataDir: dir.path, replication: FAST }), dir };
  }

  it('the backfill resumes where it was: the restarted origin examines only what was left', async () => {
    const dir = await makeTempDir('bucketfront-repl-backfill-kill-');
    // The destination through a proxy that drops replica writes for now: the queue does not drain.
    const proxy = await startWriteOutageProxy(dest.url);
    let proc: OriginProcess | undefined;
    let s3: S3Client | undefined;
    const replication = JSON.stringify({ ...FAST, backfillPageSize: 5, backfillMaxQueued: 5 });
    try {
      await versionedBucket(dest.s3, 'resume-copy');
      await withRemotes(dir.path, (r) => r.add({ region: 'eu-west-1', endpoint: proxy.url, ...dest.credentials }));
      proc = await startOriginProcess(dir.path, env, ['--replication', replication]);
      s3 = makeS3Client(proc.url, credentials);
      await versionedBucket(s3, 'resume');
      const written = new Map<string, string>();
      for (let i = 0; i < 30; i++) {
        const key = `k${String(i).padStart(2, '0')}`;
        written.set(key, (await putVersions(s3, 'resume', key, [`body ${i}`]))[0]!);
      }
      proxy.dropWrites = true;
      await replicate(s3, 'resume', [rule('resume-copy', { existingObjects: 'Enabled' })]);
      // The first page's 5 records stay queued (retried), so the job waits for room after saving its place.
      await waitFor('the first page saved', async () => (await backfillDocument(dir.path, 'resume'))?.keyMarker === 'k04');
      await proc.kill();
      s3.destroy();
      expect(await backfillDocument(dir.path, 'resume')).toMatchObject({ keyMarker: 'k04', scanned: 5 });
      expect(await versionsOf(dest.s3, 'resume-copy')).toEqual([]);

      proxy.dropWrites = false;
      proc = await startOriginProcess(dir.path, env, ['--replication', replication]);
      s3 = makeS3Client(proc.url, credentials);
      for (const [key, id] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(s3!, 'resume', key, id)) === 'COMPLETED');
      expect(await versionsOf(dest.s3, 'resume-copy')).toEqual([...written].map(([k, id]) => `${k} ${id}`).sort());
      await waitFor('the job finished', async () => metric(await metricsOf(proc!.url), 'bucketfront_replication_backfill_finished_total', 'job="existing"') === 1);
      // Resumed, not started over: the first page is not examined again.
      expect(metric(await metricsOf(proc.url), 'bucketfront_replication_backfill_scanned_total', 'job="existing"')).toBe(25);
      expect(await backfillDocument(dir.path, 'resume')).toBeNull();
    } finally {
      s3?.destroy();
      await proc?.kill();
      await proxy.close();
      await dir.cleanup();
    }
  }, 120_000);

  it('after an unclean stop, PENDING versions whose queue record is missing are queued again and replicate', async () => {
    const dir = await makeTempDir('bucketfront-repl-crash-scan-');
    const d = await ownDestination('bucketfront-repl-crash-scan-dest-');
    let proc: OriginProcess | undefined;
    let s3: S3Client | undefined;
    try {
      await versionedBucket(d.origin.s3, 'window-copy');
      await withRemotes(dir.path, (r) => r.add({ region: 'eu-west-1', endpoint: d.origin.url, ...d.origin.credentials }));
      proc = await startOriginProcess(dir.path, env, ['--replication', JSON.stringify(FAST)]);
      s3 = makeS3Client(proc.url, credentials);
      await versionedBucket(s3, 'window');
      await replicate(s3, 'window', [rule('window-copy')]);
      const destPort = d.origin.port;
      await d.origin.close();
      const written = new Map<string, string>();
      for (let i = 0; i < 3; i++) written.set(`w${i}`, (await putVersions(s3, 'window', `w${i}`, [`body ${i}`]))[0]!);
      for (const [key, id] of written) expect(await statusOf(s3, 'window', key, id)).toBe('PENDING');
      await proc.kill();
      s3.destroy();
      // The crash window: the versions are PENDING, but their records never reached the outbox.
      const outbox = join(dir.path, 'outbox');
      for (const p of await fsp.readdir(outbox)) if (p.startsWith('repl.')) await fsp.rm(join(outbox, p), { recursive: true });

      d.origin = await startTestOrigin({ region: 'eu-west-1', dataDir: d.dir.path, port: destPort, credentials: d.origin.credentials, replication: FAST });
      proc = await startOriginProcess(dir.path, env, ['--replication', JSON.stringify(FAST)]);
      s3 = makeS3Client(proc.url, credentials);
      for (const [key, id] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(s3!, 'window', key, id)) === 'COMPLETED', 30_000);
      expect(await versionsOf(d.origin.s3, 'window-copy')).toEqual([...written].map(([k, id]) => `${k} ${id}`).sort());
      const m = await metricsOf(proc.url);
      expect(metric(m, 'bucketfront_replication_backfill_queued_total', 'job="recovery"')).toBe(3);
      expect(metric(m, 'bucketfront_replication_backfill_finished_total', 'job="recovery"')).toBe(1);
    } finally {
      s3?.destroy();
      await proc?.kill();
      await d.origin.stop();
      await d.dir.cleanup();
      await dir.cleanup();
    }
  }, 120_000);

  it('after a clean stop the running marker is gone and nothing is scanned', async () => {
    const dir = await makeTempDir('bucketfront-repl-clean-stop-');
    try {
      // The marker: a batch of the outbox partition run.<node id>.
      const markers = async (): Promise<number> => {
        let n = 0;
        for (const p of await fsp.readdir(join(dir.path, 'outbox'))) if (p.startsWith('run.')) n += (await fsp.readdir(join(dir.path, 'outbox', p))).length;
        return n;
      };
      const first = await startTestOrigin({ dataDir: dir.path, replication: FAST });
      expect(await markers()).toBe(1);
      await first.close();
      expect(await markers()).toBe(0);
      const second = await startTestOrigin({ dataDir: dir.path, replication: FAST });
      expect(metric(await metricsOf(second.url), 'bucketfront_replication_backfill_jobs', 'job="recovery"')).toBe(0);
      expect(metric(await metricsOf(second.url), 'bucketfront_replication_backfill_finished_total', 'job="recovery"')).toBe(0);
      await second.close();
    } finally {
      await dir.cleanup();
    }
  }, 60_000);
});

describe('a record read again after a restart', () => {
  it('whose version is already COMPLETED is not copied again (its batch was not removed before the stop)', async () => {
    const dir = await makeTempDir('bucketfront-repl-replay-');
    const proxy = await startWriteOutageProxy(dest.url);
    let origin: TestOrigin | undefined;
    try {
      await versionedBucket(dest.s3, 'replay-copy');
      await withRemotes(dir.path, (r) => r.add({ region: 'eu-west-1', endpoint: proxy.url, ...dest.credentials }));
      origin = await startTestOrigin({ dataDir: dir.path, replication: FAST });
      await versionedBucket(origin.s3, 'replay');
      await replicate(origin.s3, 'replay', [rule('replay-copy')]);
      proxy.dropWrites = true;
      const written = new Map<string, string>();
      for (let i = 0; i < 3; i++) written.set(`r${i}`, (await putVersions(origin.s3, 'replay', `r${i}`, [`body ${i}`]))[0]!);
      // The records as they are while the copies cannot go through: the state a crash would leave.
      const outbox = join(dir.path, 'outbox');
      const saved = join(dir.path, 'outbox-saved');
      await fsp.cp(outbox, saved, { recursive: true });
      proxy.dropWrites = false;
      for (const [key, id] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(origin!.s3, 'replay', key, id)) === 'COMPLETED');
      await origin.close();

      await fsp.rm(outbox, { recursive: true });
      await fsp.cp(saved, outbox, { recursive: true });
      origin = await startTestOrigin({ dataDir: dir.path, port: origin.port, credentials: origin.credentials, replication: FAST });
      const replBatches = async (): Promise<number> => {
        let n = 0;
        for (const p of await fsp.readdir(outbox)) if (p.startsWith('repl.')) n += (await fsp.readdir(join(outbox, p))).length;
        return n;
      };
      await waitFor('the replayed records settled and their batches removed', async () => (await replBatches()) === 0);
      expect(metric(await metricsOf(origin.url), 'bucketfront_replication_completed_total')).toBe(0);
      for (const [key, id] of written) expect(await statusOf(origin.s3, 'replay', key, id)).toBe('COMPLETED');
      expect(await versionsOf(dest.s3, 'replay-copy')).toEqual([...written].map(([k, id]) => `${k} ${id}`).sort());
    } finally {
      await origin?.close();
      await proxy.close();
      await dir.cleanup();
    }
  }, 120_000);
});
