/**
 * Cross-region replication end to end (docs/replication.md): two real origins on port 0, fs stores
 * in temp dirs, acting as two regions, driven with the AWS SDK v3. Versions arrive byte-identical
 * with their metadata and version ids; statuses go PENDING → COMPLETED (REPLICA on the replica);
 * the queue survives a stopped destination and a SIGKILLed source; delete markers follow the rule;
 * two-way replication converges without loops; a refused key is FAILED and counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { makeS3Client, makeTempDir, makeTestCredentials, sourceNodeArgs, type TestCredentials } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST, metric, metricsOf, replicate, rule, sleep, startTwoRegions, statusOf, versionedBucket, versionsOf, waitFor, withRemotes } from './fixtures/replication.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const MiB = 1024 * 1024;
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const cliSource = join(repoRoot, 'apps/cli/src/bin.ts');

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function bodyOf(s3: S3Client, Bucket: string, Key: string, VersionId?: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket, Key, ...(VersionId ? { VersionId } : {}) }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** Runs `task` over `items` with at most `width` in flight. */
async function eachLimited<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

let source: TestOrigin;
let dest: TestOrigin;
let removeDirs: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ source, dest, removeDirs } = await startTwoRegions('bucketfront-repl-'));
});
afterAll(async () => {
  await source?.stop();
  await dest?.stop();
  await removeDirs?.();
});

describe('objects replicate with their bytes, metadata and version ids', () => {
  it('KiB objects, one just over 16 MiB and one of 40 MiB arrive byte-identical; PENDING → COMPLETED on the source, REPLICA on the replica', async () => {
    await versionedBucket(source.s3, 'mixed');
    await versionedBucket(dest.s3, 'mixed-copy');
    await replicate(source.s3, 'mixed', [rule('mixed-copy')]);
    const sizes = [1, 1024, 5 * 1024, 64 * 1024, 300 * 1024, 16 * MiB + 1, 40 * MiB];
    const written: Array<{ key: string; versionId: string; md5: string }> = [];
    for (const [i, size] of sizes.entries()) {
      const body = randomBytes(size);
      const key = `objects/${i}-${size}.bin`;
      const put = await source.s3.send(
        new PutObjectCommand({ Bucket: 'mixed', Key: key, Body: body, ContentType: `application/x-test-${i}`, Metadata: { origin: 'source', index: String(i) }, Tagging: `size=${size}&kind=mixed` }),
      );
      expect(['PENDING', 'COMPLETED']).toContain(await statusOf(source.s3, 'mixed', key));
      written.push({ key, versionId: put.VersionId!, md5: md5(body) });
    }
    for (const w of written) {
      await waitFor(`${w.key} COMPLETED`, async () => (await statusOf(source.s3, 'mixed', w.key, w.versionId)) === 'COMPLETED');
    }
    for (const [i, w] of written.entries()) {
      const head = await dest.s3.send(new HeadObjectCommand({ Bucket: 'mixed-copy', Key: w.key, VersionId: w.versionId }));
      expect(head.ReplicationStatus).toBe('REPLICA');
      expect(head.ContentType).toBe(`application/x-test-${i}`);
      expect(head.Metadata).toEqual({ origin: 'source', index: String(i) });
      expect(head.ContentLength).toBe(sizes[i]);
      expect(md5(await bodyOf(dest.s3, 'mixed-copy', w.key, w.versionId))).toBe(w.md5);
      const tags = await dest.s3.send(new GetObjectTaggingCommand({ Bucket: 'mixed-copy', Key: w.key, VersionId: w.versionId }));
      expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).toEqual({ size: String(sizes[i]), kind: 'mixed' });
    }
    // The same version ids, each once.
    expect(await versionsOf(dest.s3, 'mixed-copy')).toEqual(written.map((w) => `${w.key} ${w.versionId}`).sort());
    const m = await metricsOf(source.url);
    expect(metric(m, 'bucketfront_replication_completed_total')).toBeGreaterThanOrEqual(sizes.length);
    expect(metric(m, 'bucketfront_replication_queue_records')).toBe(0);
    expect(metric(m, 'bucketfront_replication_latency_seconds_count')).toBeGreaterThanOrEqual(sizes.length);
  }, 180_000);

  it('an SSE-S3 and an SSE-KMS version keep their version ids and are encrypted on the destination too', async () => {
    await versionedBucket(source.s3, 'sealed');
    await versionedBucket(dest.s3, 'sealed-copy');
    await replicate(source.s3, 'sealed', [rule('sealed-copy')]);
    const written: Array<{ key: string; versionId: string; md5: string; sse: string }> = [];
    for (const sse of ['AES256', 'aws:kms'] as const) {
      const body = randomBytes(3000);
      const key = `sealed-${sse}.bin`;
      const put = await source.s3.send(new PutObjectCommand({ Bucket: 'sealed', Key: key, Body: body, ServerSideEncryption: sse }));
      written.push({ key, versionId: put.VersionId!, md5: md5(body), sse });
    }
    for (const w of written) await waitFor(`${w.key} COMPLETED`, async () => (await statusOf(source.s3, 'sealed', w.key, w.versionId)) === 'COMPLETED');
    expect(await versionsOf(dest.s3, 'sealed-copy')).toEqual(written.map((w) => `${w.key} ${w.versionId}`).sort());
    for (const w of written) {
      const head = await dest.s3.send(new HeadObjectCommand({ Bucket: 'sealed-copy', Key: w.key, VersionId: w.versionId }));
      expect([head.ReplicationStatus, head.ServerSideEncryption]).toEqual(['REPLICA', w.sse]);
      expect(md5(await bodyOf(dest.s3, 'sealed-copy', w.key, w.versionId))).toBe(w.md5);
    }
  }, 60_000);

  it('a key no enabled rule matches is not replicated and has no status', async () => {
    await versionedBucket(source.s3, 'prefixed');
    await versionedBucket(dest.s3, 'prefixed-copy');
    await replicate(source.s3, 'prefixed', [rule('prefixed-copy', { prefix: 'docs/' })]);
    await source.s3.send(new PutObjectCommand({ Bucket: 'prefixed', Key: 'other/x', Body: 'x' }));
    const put = await source.s3.send(new PutObjectCommand({ Bucket: 'prefixed', Key: 'docs/y', Body: 'y' }));
    await waitFor('docs/y COMPLETED', async () => (await statusOf(source.s3, 'prefixed', 'docs/y')) === 'COMPLETED');
    expect(await statusOf(source.s3, 'prefixed', 'other/x')).toBeUndefined();
    expect(await versionsOf(dest.s3, 'prefixed-copy')).toEqual([`docs/y ${put.VersionId}`]);
  });
});

describe('replica writes on the destination', () => {
  async function signed(origin: TestOrigin, credentials: TestCredentials, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; text: string }> {
    const url = `${origin.url}${path}`;
    const h = signRequest({ method, url, body, headers, credentials, region: 'eu-west-1', service: 's3' });
    const res = await fetch(url, { method, headers: { ...headers, ...h }, ...(method === 'PUT' ? { body } : {}) });
    return { status: res.status, text: await res.text() };
  }

  it('a replica PUT into an unversioned bucket is 400 InvalidRequest', async () => {
    await dest.s3.send(new CreateBucketCommand({ Bucket: 'not-versioned' }));
    const res = await signed(dest, dest.credentials, 'PUT', '/not-versioned/k', { 'x-bucketfront-replica-version-id': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'x');
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>InvalidRequest</Code>');
  });

  it("keeps version ids another store made (radosgw's, with '.'), ordered by arrival", async () => {
    await versionedBucket(dest.s3, 'foreign-ids');
    const first = (await dest.s3.send(new PutObjectCommand({ Bucket: 'foreign-ids', Key: 'k', Body: 'own' }))).VersionId!;
    // radosgw's ids: 31 of [A-Za-z0-9.-]. One of those, then one of 32 base64url characters that decodes to no plausible time.
    for (const [id, body] of [
      ['Tq0kRz.7bNnX-3vWm2LpQ8sYdF1cH.u', 'dotted'],
      ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'zeros'],
    ] as const) {
      const res = await signed(dest, dest.credentials, 'PUT', '/foreign-ids/k', { 'x-bucketfront-replica-version-id': id }, body);
      expect(res.status).toBe(200);
      const head = await dest.s3.send(new HeadObjectCommand({ Bucket: 'foreign-ids', Key: 'k', VersionId: id }));
      expect([head.VersionId, head.ReplicationStatus]).toEqual([id, 'REPLICA']);
      // The replica that arrived last is the current version.
      expect((await bodyOf(dest.s3, 'foreign-ids', 'k')).toString()).toBe(body);
    }
    expect(await versionsOf(dest.s3, 'foreign-ids')).toEqual(['k AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'k Tq0kRz.7bNnX-3vWm2LpQ8sYdF1cH.u', `k ${first}`].sort());
  });

  it('needs s3:ReplicateObject: a user without it is 403 AccessDenied, a bucket policy granting it lets the replica in', async () => {
    const other = makeTestCredentials();
    const origin = await startTestOrigin({ region: 'eu-west-1', extraUsers: [other] });
    try {
      await versionedBucket(origin.s3, 'guarded');
      const versionId = (await origin.s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'model', Body: 'm' }))).VersionId!;
      // A version id of the right form from another key stands in for a source's.
      await origin.s3.send(new DeleteObjectCommand({ Bucket: 'guarded', Key: 'model', VersionId: versionId }));
      const replica = { 'x-bucketfront-replica-version-id': versionId };
      const denied = await signed(origin, other, 'PUT', '/guarded/r', replica, 'r');
      expect(denied.status).toBe(403);
      expect(denied.text).toContain('<Code>AccessDenied</Code>');
      const user = origin.s3;
      const policy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:ReplicateObject'], Resource: 'arn:aws:s3:::guarded/*' }],
      };
      await user.send(new PutBucketPolicyCommand({ Bucket: 'guarded', Policy: JSON.stringify(policy) }));
      const allowed = await signed(origin, other, 'PUT', '/guarded/r', replica, 'r');
      expect(allowed.status).toBe(200);
      // The replica belongs to its writer (the remote's key), as any object does.
      const asOther = makeS3Client(origin.url, other, 'eu-west-1');
      const head = await asOther.send(new HeadObjectCommand({ Bucket: 'guarded', Key: 'r' }));
      asOther.destroy();
      expect(head.VersionId).toBe(versionId);
      expect(head.ReplicationStatus).toBe('REPLICA');
      // s3:ReplicateObject is not s3:ReplicateDelete.
      expect((await signed(origin, other, 'DELETE', '/guarded/r', replica)).status).toBe(403);
    } finally {
      await origin.stop();
    }
  });
});

describe('a stopped destination', () => {
  it('50 objects written while it is down stay PENDING, then all arrive once it is back on its data dir and port', async () => {
    await versionedBucket(source.s3, 'outage');
    await versionedBucket(dest.s3, 'outage-copy');
    await replicate(source.s3, 'outage', [rule('outage-copy')]);
    const port = dest.port;
    await dest.close();
    const written = new Map<string, { versionId: string; md5: string }>();
    await eachLimited(
      Array.from({ length: 50 }, (_, i) => i),
      8,
      async (i) => {
        const body = randomBytes(1024 + i * 97);
        const put = await source.s3.send(new PutObjectCommand({ Bucket: 'outage', Key: `k${i}`, Body: body }));
        written.set(`k${i}`, { versionId: put.VersionId!, md5: md5(body) });
      },
    );
    for (const key of written.keys()) expect(await statusOf(source.s3, 'outage', key)).toBe('PENDING');
    const during = await metricsOf(source.url);
    expect(metric(during, 'bucketfront_replication_queue_records')).toBe(50);
    expect(metric(during, 'bucketfront_replication_queue_bytes')).toBeGreaterThan(50 * 1024);
    expect(metric(during, 'bucketfront_replication_retries_total')).toBeGreaterThan(0);
    await sleep(1500);
    const later = await metricsOf(source.url);
    expect(metric(later, 'bucketfront_replication_lag_seconds')).toBeGreaterThan(1);
    // The region is gated: its records wait while one at a time probes it, so an outage costs far
    // fewer attempts than one (or more) per record.
    expect(metric(later, 'bucketfront_replication_retries_total')).toBeLessThan(written.size);

    dest = await startTestOrigin({ region: 'eu-west-1', dataDir: dest.dataDir, port, credentials: dest.credentials, replication: FAST });
    for (const key of written.keys()) await waitFor(`${key} COMPLETED`, async () => (await statusOf(source.s3, 'outage', key)) === 'COMPLETED');
    for (const [key, w] of written) expect(md5(await bodyOf(dest.s3, 'outage-copy', key, w.versionId))).toBe(w.md5);
    expect(await versionsOf(dest.s3, 'outage-copy')).toHaveLength(50);
    expect(metric(await metricsOf(source.url), 'bucketfront_replication_queue_records')).toBe(0);
  }, 120_000);
});

describe('a backlog larger than the memory window', () => {
  it('is read a page at a time: memory holds a few records, all 20 drain oldest first after a restart', async () => {
    // Pages of 10 batches, at most 3 records in memory, one copy at a time (so the order shows).
    const paged = { ...FAST, concurrency: 1, readPageSize: 10, maxRecordsInMemory: 3 };
    const dir = await makeTempDir('bucketfront-repl-paged-');
    let src = await startTestOrigin({ region: 'us-east-1', dataDir: dir.path, replication: paged });
    try {
      await withRemotes(src.dataDir, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, ...dest.credentials }));
      await versionedBucket(src.s3, 'paged');
      await versionedBucket(dest.s3, 'paged-copy');
      await replicate(src.s3, 'paged', [rule('paged-copy')]);
      const destPort = dest.port;
      await dest.close();
      // One PUT at a time: each record is a batch of its own.
      const keys = Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`);
      const written = new Map<string, string>();
      for (const key of keys) written.set(key, (await src.s3.send(new PutObjectCommand({ Bucket: 'paged', Key: key, Body: key }))).VersionId!);
      const during = await metricsOf(src.url);
      expect(metric(during, 'bucketfront_replication_queue_records')).toBe(20);
      // Bounded: at most maxRecordsInMemory, plus one one-record batch (not a whole page of 10).
      expect(metric(during, 'bucketfront_replication_queue_held_records')).toBeGreaterThan(0);
      expect(metric(during, 'bucketfront_replication_queue_held_records')).toBeLessThanOrEqual(4);

      // Read back after a restart (the destination still down): a page of 10 batches is not taken whole.
      await src.stop();
      src = await startTestOrigin({ region: 'us-east-1', dataDir: dir.path, port: src.port, credentials: src.credentials, replication: paged });
      await waitFor('the backlog read back', async () => metric(await metricsOf(src.url), 'bucketfront_replication_queue_held_records') > 0);
      expect(metric(await metricsOf(src.url), 'bucketfront_replication_queue_held_records')).toBeLessThanOrEqual(4);

      // The backlog stays in the outbox across a restart; the destination is back meanwhile.
      await src.stop();
      const copies: string[] = [];
      dest = await startTestOrigin({
        region: 'eu-west-1',
        dataDir: dest.dataDir,
        port: destPort,
        credentials: dest.credentials,
        replication: FAST,
        accessLog: (e) => {
          if (e.operation === 'PutObject' && e.bucket === 'paged-copy' && e.status === 200 && e.key !== undefined) copies.push(e.key);
        },
      });
      src = await startTestOrigin({ region: 'us-east-1', dataDir: dir.path, port: src.port, credentials: src.credentials, replication: paged });
      for (const [key, versionId] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(src.s3, 'paged', key, versionId)) === 'COMPLETED');
      expect(await versionsOf(dest.s3, 'paged-copy')).toEqual([...written].map(([key, versionId]) => `${key} ${versionId}`).sort());
      expect(metric(await metricsOf(src.url), 'bucketfront_replication_queue_records')).toBe(0);
      // Oldest first: the outbox's order, page after page.
      expect([...new Set(copies)]).toEqual(keys);
    } finally {
      await src.stop();
      await dir.cleanup();
    }
  }, 120_000);
});

describe('delete markers', () => {
  it('replicate with DeleteMarkerReplication Enabled (same marker id), not with Disabled; deletes by versionId never', async () => {
    for (const [bucket, status] of [
      ['markers-on', 'Enabled'],
      ['markers-off', 'Disabled'],
    ] as const) {
      await versionedBucket(source.s3, bucket);
      await versionedBucket(dest.s3, `${bucket}-copy`);
      await replicate(source.s3, bucket, [rule(`${bucket}-copy`, { deleteMarkers: status })]);
      const put = await source.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doomed', Body: 'x' }));
      const keep = await source.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: 'old' }));
      await source.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: 'new' }));
      await waitFor(
        'puts COMPLETED',
        async () => (await statusOf(source.s3, bucket, 'doomed', put.VersionId)) === 'COMPLETED' && (await statusOf(source.s3, bucket, 'kept', keep.VersionId)) === 'COMPLETED',
      );
      const marker = await source.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'doomed' }));
      expect(marker.DeleteMarker).toBe(true);
      // DeleteObjects makes a marker too; a delete by versionId is not replicated.
      const batch = await source.s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'gone-too' }] } }));
      await source.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'kept', VersionId: keep.VersionId }));
      // A later object is the barrier: replicated in order after the deletes were queued.
      await source.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'barrier', Body: 'b' }));
      await waitFor('barrier COMPLETED', async () => (await statusOf(source.s3, bucket, 'barrier')) === 'COMPLETED');
      await sleep(300);
      const copy = await versionsOf(dest.s3, `${bucket}-copy`);
      if (status === 'Enabled') {
        await waitFor('markers replicated', async () => (await versionsOf(dest.s3, `${bucket}-copy`)).filter((v) => v.endsWith('marker')).length === 2);
        const markers = (await versionsOf(dest.s3, `${bucket}-copy`)).filter((v) => v.endsWith('marker'));
        expect(markers).toEqual([`doomed ${marker.VersionId} marker`, `gone-too ${batch.Deleted![0]!.DeleteMarkerVersionId} marker`].sort());
        await expect(dest.s3.send(new HeadObjectCommand({ Bucket: `${bucket}-copy`, Key: 'doomed' }))).rejects.toMatchObject({ name: 'NotFound' });
      } else {
        expect(copy.filter((v) => v.endsWith('marker'))).toEqual([]);
        expect((await bodyOf(dest.s3, `${bucket}-copy`, 'doomed')).toString()).toBe('x');
      }
      // The version deleted by id on the source is still on the destination.
      expect(copy).toContain(`kept ${keep.VersionId}`);
    }
  }, 60_000);
});

describe('two-way replication', () => {
  it('A ↔ B converges: each side holds the same version ids, each once; replicas are not sent back', async () => {
    await withRemotes(dest.dataDir, (r) => r.add({ region: 'us-east-1', endpoint: source.url, ...source.credentials }));
    await versionedBucket(source.s3, 'two-way-a');
    await versionedBucket(dest.s3, 'two-way-b');
    await replicate(source.s3, 'two-way-a', [rule('two-way-b', { deleteMarkers: 'Enabled' })]);
    await replicate(dest.s3, 'two-way-b', [rule('two-way-a', { deleteMarkers: 'Enabled' })]);
    const mine = new Map<string, 'A' | 'B'>();
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const a = await source.s3.send(new PutObjectCommand({ Bucket: 'two-way-a', Key: `shared/${i % 4}`, Body: `a${i}` }));
        mine.set(`shared/${i % 4} ${a.VersionId}`, 'A');
        const b = await dest.s3.send(new PutObjectCommand({ Bucket: 'two-way-b', Key: `shared/${i % 3}`, Body: `b${i}` }));
        mine.set(`shared/${i % 3} ${b.VersionId}`, 'B');
      }),
    );
    const expected = [...mine.keys()].sort();
    await waitFor(
      'both sides converge',
      async () => JSON.stringify(await versionsOf(source.s3, 'two-way-a')) === JSON.stringify(expected) && JSON.stringify(await versionsOf(dest.s3, 'two-way-b')) === JSON.stringify(expected),
    );
    await sleep(1500);
    // Still the same: nothing bounced back.
    expect(await versionsOf(source.s3, 'two-way-a')).toEqual(expected);
    expect(await versionsOf(dest.s3, 'two-way-b')).toEqual(expected);
    for (const [entry, side] of mine) {
      const [key, versionId] = entry.split(' ') as [string, string];
      const [own, other] = side === 'A' ? [source.s3, dest.s3] : [dest.s3, source.s3];
      await waitFor(`${entry} COMPLETED`, async () => (await statusOf(own, side === 'A' ? 'two-way-a' : 'two-way-b', key, versionId)) === 'COMPLETED');
      expect(await statusOf(other, side === 'A' ? 'two-way-b' : 'two-way-a', key, versionId)).toBe('REPLICA');
    }
    // The current version is the same on both sides (versions order by their ids' time).
    for (let k = 0; k < 4; k++) {
      const a = await source.s3.send(new HeadObjectCommand({ Bucket: 'two-way-a', Key: `shared/${k}` }));
      const b = await dest.s3.send(new HeadObjectCommand({ Bucket: 'two-way-b', Key: `shared/${k}` }));
      expect(a.VersionId).toBe(b.VersionId);
    }
    await withRemotes(dest.dataDir, (r) => r.remove('us-east-1'));
  }, 60_000);
});

describe('a source killed with SIGKILL mid-queue', () => {
  interface Child {
    child: ChildProcess;
    url: string;
  }
  async function spawnOrigin(dataDir: string, port: number, credentials: TestCredentials): Promise<Child> {
    const child = spawn(process.execPath, [...sourceNodeArgs(cliSource), 'origin', '--port', String(port), '--data', dataDir, '--no-access-log'], {
      cwd: repoRoot,
      env: { ...process.env, BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`not ready in 30 s: ${stderr}`));
      }, 30_000);
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /S3 API:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`exited ${code}: ${stderr}`));
      });
    });
    child.removeAllListeners('exit');
    return { child, url };
  }
  function killHard(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  it('the pending records replicate after the restart', async () => {
    const dir = await makeTempDir('bucketfront-repl-crash-');
    const credentials = makeTestCredentials();
    let proc: Child | undefined;
    try {
      await versionedBucket(dest.s3, 'crash-copy');
      await withRemotes(dir.path, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, ...dest.credentials }));
      proc = await spawnOrigin(dir.path, 0, credentials);
      const port = Number(new URL(proc.url).port);
      let s3 = makeS3Client(proc.url, credentials);
      await versionedBucket(s3, 'crash');
      await replicate(s3, 'crash', [rule('crash-copy')]);
      // The destination is down while the source writes: every record stays in the queue.
      const destPort = dest.port;
      await dest.close();
      const written = new Map<string, string>();
      for (let i = 0; i < 20; i++) {
        const put = await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: `c${i}`, Body: `body ${i}` }));
        written.set(`c${i}`, put.VersionId!);
      }
      expect(await statusOf(s3, 'crash', 'c0')).toBe('PENDING');
      await killHard(proc.child);
      s3.destroy();
      dest = await startTestOrigin({ region: 'eu-west-1', dataDir: dest.dataDir, port: destPort, credentials: dest.credentials, replication: FAST });
      proc = await spawnOrigin(dir.path, port, credentials);
      s3 = makeS3Client(proc.url, credentials);
      for (const [key, versionId] of written) await waitFor(`${key} COMPLETED`, async () => (await statusOf(s3, 'crash', key, versionId)) === 'COMPLETED');
      for (const [key, versionId] of written) expect((await bodyOf(dest.s3, 'crash-copy', key, versionId)).toString()).toBe(`body ${key.slice(1)}`);
      s3.destroy();
    } finally {
      if (proc) await killHard(proc.child);
      await dir.cleanup();
    }
  }, 120_000);
});

describe('a destination that refuses the key', () => {
  it('the version is FAILED and the failure metric counts it by its error code', async () => {
    await versionedBucket(source.s3, 'refused');
    await versionedBucket(dest.s3, 'refused-copy');
    await replicate(source.s3, 'refused', [rule('refused-copy')]);
    // The destination's key was rotated: the source still holds the old secret.
    await withRemotes(source.dataDir, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, accessKeyId: dest.credentials.accessKeyId, secretAccessKey: 'rotated-away' }));
    const before = metric(await metricsOf(source.url), 'bucketfront_replication_failed_total');
    // The origin re-reads the remotes every 2 s.
    await sleep(2500);
    const put = await source.s3.send(new PutObjectCommand({ Bucket: 'refused', Key: 'x', Body: 'x' }));
    await waitFor('x FAILED', async () => (await statusOf(source.s3, 'refused', 'x', put.VersionId)) === 'FAILED');
    const m = await metricsOf(source.url);
    expect(metric(m, 'bucketfront_replication_failed_total')).toBe(before + 1);
    expect(m).toMatch(/bucketfront_replication_failed_total\{code="SignatureDoesNotMatch"\} 1/);
    expect(await versionsOf(dest.s3, 'refused-copy')).toEqual([]);
  }, 30_000);
});
