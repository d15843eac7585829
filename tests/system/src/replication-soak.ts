/**
 * `npm run soak:replication [-- --objects N --max-mib M --outage S --writers W --no-kill --dest-ceph DIR --out FILE]`:
 * cross-region replication at full scale between two origins on 127.0.0.1 (docs/replication.md).
 *
 * Two `bucketfront origin` processes, regions us-east-1 (source) and eu-west-1 (destination), each
 * on its own fs store; with --dest-ceph DIR the destination is on the s3 store instead, over the
 * Ceph cluster scripts/ceph-dev-cluster.sh started in DIR (its keys and system-user keys from
 * DIR/cluster.env; docs/replication.md#the-s3-store). The source declares the destination as its eu-west-1 remote, both buckets
 * are versioned, and one rule replicates everything, delete markers included. Then:
 *
 *   1. W writers put the first 40 % of N objects of mixed sizes (0 B … M MiB, one of exactly M MiB;
 *      those over 16 MiB as multipart uploads) with a content type, cache control, user metadata
 *      and, on every fifth, tags;
 *   2. the destination is stopped (SIGTERM); the next 30 % are written while it is down, and each of
 *      them must read `x-amz-replication-status: PENDING`; the destination stays down S seconds;
 *   3. it starts again on its data dir and port; the last 30 % are written, and 1 % of the keys are
 *      deleted (delete markers, which the rule replicates);
 *   4. unless --no-kill, the source is SIGKILLed twice and started again on its data dir and port:
 *      during the outage (its queue holds every record written meanwhile) and right after phase 3,
 *      while the backlog is being copied;
 *   5. once the queue is empty, every version is checked: COMPLETED on the source, REPLICA on the
 *      destination under the same version id, the same bytes (MD5 of the whole body), content type,
 *      cache control, user metadata and tags; the delete markers exist on the destination with the
 *      same ids, and the destination holds nothing else.
 *
 * Reports the figures (JSON in FILE, default tests/system/results/replication-soak-latest.json, and
 * a summary on stdout). Exit code 1 on any mismatch or loss. Every process it started is stopped.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { freePort } from '@bucketfront/test-support';
import { cliCommand, type Credentials, repoRoot, startCli, stopProcess } from './cli-process.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '2000' },
    'max-mib': { type: 'string', default: '64' },
    outage: { type: 'string', default: '60' },
    writers: { type: 'string', default: '8' },
    'no-kill': { type: 'boolean', default: false },
    'drain-timeout': { type: 'string', default: '900' },
    'dest-ceph': { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'tests/system/results/replication-soak-latest.json') },
  },
});
const objectCount = Math.min(Math.max(Number(values.objects), 20), 100_000);
const maxMiB = Math.min(Math.max(Number(values['max-mib']), 1), 1024);
const outageSeconds = Math.min(Math.max(Number(values.outage), 1), 3600);
const writers = Math.min(Math.max(Number(values.writers), 1), 64);
const drainTimeoutMs = Number(values['drain-timeout']) * 1000;
const MiB = 1024 * 1024;
/** Objects larger than this go up as multipart uploads (as `aws s3 cp` would), in parts of this size. */
const MULTIPART_FROM = 16 * MiB;
const SOURCE_BUCKET = 'soak-source';
const DEST_BUCKET = 'soak-replica';

const temp = mkdtempSync(join(tmpdir(), 'bucketfront-replication-soak-'));
const children = new Set<ChildProcess>();
function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(temp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => void process.stderr.write(`replication-soak: ${line}\n`);
const makeCredentials = (tag: string): Credentials => ({ accessKeyId: `${tag}${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') });

interface OriginProcess {
  child: ChildProcess;
  url: string;
  s3: S3Client;
}

/** With --dest-ceph: the destination's store over that cluster (a fresh bucket prefix per run) and the environment giving its keys. */
function cephStore(dir: string): { args: string[]; env: Record<string, string> } {
  const facts = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as {
    endpoint: string;
    accessKeyId: string;
    secretAccessKey: string;
    systemAccessKeyId: string;
    systemSecretAccessKey: string;
  };
  return {
    args: ['--store', `s3:${facts.endpoint}?bucketPrefix=soak-${randomBytes(4).toString('hex')}-`],
    env: {
      BUCKETFRONT_STORE_ACCESS_KEY_ID: facts.accessKeyId,
      BUCKETFRONT_STORE_SECRET_ACCESS_KEY: facts.secretAccessKey,
      BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID: facts.systemAccessKeyId,
      BUCKETFRONT_STORE_SYSTEM_SECRET_ACCESS_KEY: facts.systemSecretAccessKey,
    },
  };
}
const destCeph = values['dest-ceph'] !== undefined ? cephStore(values['dest-ceph']) : null;

async function startOriginProcess(name: string, region: string, port: number, credentials: Credentials): Promise<OriginProcess> {
  const store = name === 'dest' && destCeph !== null ? destCeph : { args: ['--data', join(temp, name)], env: {} };
  const { child } = await startCli(['origin', '--port', String(port), '--region', region, ...store.args, '--no-access-log'], /S3 API:/, credentials, store.env);
  children.add(child);
  child.once('exit', () => children.delete(child));
  const url = `http://127.0.0.1:${port}`;
  // Retries cover the instants an origin is stopped on purpose; the script checks every result itself.
  const s3 = new S3Client({ endpoint: url, region, forcePathStyle: true, credentials, maxAttempts: 5 });
  return { child, url, s3 };
}

/** The planned objects: sizes drawn from a fixed mix, so every run writes the same shape of data. */
interface Planned {
  key: string;
  size: number;
  contentType: string;
  cacheControl: string;
  metadata: Record<string, string>;
  tags: string | undefined;
  phase: 'before' | 'outage' | 'after';
}
interface Written extends Planned {
  versionId: string;
  md5: string;
  ackedAt: number;
}

/** A small deterministic PRNG (mulberry32), so the size mix does not depend on the run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function plan(): Planned[] {
  const random = prng(20261204);
  const between = (lo: number, hi: number): number => Math.floor(lo + random() * Math.max(0, hi - lo));
  const types = ['text/html', 'text/css', 'application/javascript', 'image/png', 'application/octet-stream', 'application/json'];
  const out: Planned[] = [];
  for (let i = 0; i < objectCount; i++) {
    // 65 % up to 64 KiB (some empty), 25 % up to 1 MiB, 8 % up to 16 MiB, 2 % up to the maximum.
    const r = random();
    const max = maxMiB * MiB;
    let size = r < 0.65 ? (i % 97 === 0 ? 0 : between(1, 64 * 1024)) : r < 0.9 ? between(64 * 1024, MiB) : r < 0.98 ? between(MiB, 16 * MiB) : between(16 * MiB, max + 1);
    if (i === Math.floor(objectCount / 2)) size = max;
    size = Math.min(size, max);
    const phase = i < objectCount * 0.4 ? 'before' : i < objectCount * 0.7 ? 'outage' : 'after';
    out.push({
      key: `${phase}/${String(i).padStart(6, '0')}-${size}.bin`,
      size,
      contentType: types[i % types.length]!,
      cacheControl: `max-age=${60 + (i % 7) * 60}`,
      metadata: { index: String(i), phase },
      tags: i % 5 === 0 ? `index=${i}&phase=${phase}` : undefined,
      phase,
    });
  }
  return out;
}

async function putOne(s3: S3Client, p: Planned): Promise<Written> {
  const body = randomBytes(p.size);
  const md5 = createHash('md5').update(body).digest('hex');
  const params = {
    Bucket: SOURCE_BUCKET,
    Key: p.key,
    Body: body,
    ContentType: p.contentType,
    CacheControl: p.cacheControl,
    Metadata: p.metadata,
    ...(p.tags !== undefined ? { Tagging: p.tags } : {}),
  };
  let versionId: string | undefined;
  if (p.size > MULTIPART_FROM) {
    const done = await new Upload({ client: s3, params, partSize: MULTIPART_FROM, queueSize: 2 }).done();
    versionId = done.VersionId;
  } else {
    versionId = (await s3.send(new PutObjectCommand(params))).VersionId;
  }
  if (!versionId) throw new Error(`${p.key}: no x-amz-version-id on the write`);
  return { ...p, versionId, md5, ackedAt: Date.now() };
}

/** Runs `task` over `items` with `width` in flight; the first failure stops the run. */
async function eachLimited<T>(items: readonly T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/_bucketfront/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const name = line.slice(0, space);
    out.set(name, (out.get(name) ?? 0) + Number(line.slice(space + 1)));
  }
  return out;
}
const metric = (m: Map<string, number>, name: string): number => {
  let sum = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) sum += v;
  return sum;
};

/** p50/p99 (upper bucket bounds, seconds) of a Prometheus histogram. */
function histogramQuantiles(m: Map<string, number>, name: string): { count: number; p50: number | null; p99: number | null } {
  const buckets: Array<{ le: number; count: number }> = [];
  for (const [k, v] of m) {
    const match = new RegExp(`^${name}_bucket\\{.*le="([^"]+)"`).exec(k);
    if (match) buckets.push({ le: match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), count: v });
  }
  buckets.sort((a, b) => a.le - b.le);
  const count = buckets.at(-1)?.count ?? 0;
  const at = (q: number): number | null => (count === 0 ? null : (buckets.find((b) => b.count >= q * count)?.le ?? null));
  return { count, p50: at(0.5), p99: at(0.99) };
}

async function queueRecords(url: string): Promise<number> {
  return metric(await metrics(url), 'bucketfront_replication_queue_records');
}

/** GETs one version, hashing the body as it streams (a 64 MiB object is never held whole). */
async function md5OfVersion(s3: S3Client, Bucket: string, Key: string, VersionId: string): Promise<{ md5: string; res: GetObjectCommandOutput }> {
  const res = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  const hash = createHash('md5');
  for await (const chunk of res.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return { md5: hash.digest('hex'), res };
}

async function listAll(s3: S3Client, Bucket: string): Promise<{ versions: Map<string, string>; markers: Map<string, string> }> {
  const versions = new Map<string, string>();
  const markers = new Map<string, string>();
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
    for (const v of page.Versions ?? []) versions.set(`${v.Key} ${v.VersionId}`, v.ETag ?? '');
    for (const m of page.DeleteMarkers ?? []) markers.set(`${m.Key} ${m.VersionId}`, m.Key!);
    if (!page.IsTruncated) return { versions, markers };
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
}

async function main(): Promise<number> {
  const problems: string[] = [];
  const problem = (what: string): void => {
    if (problems.length < 50) log(`PROBLEM: ${what}`);
    problems.push(what);
  };
  const [sourcePort, destPort] = [await freePort(), await freePort()];
  const sourceCredentials = makeCredentials('SRC');
  const destCredentials = makeCredentials('DST');
  let dest = await startOriginProcess('dest', 'eu-west-1', destPort, destCredentials);
  let source = await startOriginProcess('source', 'us-east-1', sourcePort, sourceCredentials);

  // The remote is declared with the CLI beside the running source, its secret on stdin.
  const addRemote = spawnSync(
    process.execPath,
    [
      ...cliCommand(),
      'replication',
      'add-remote',
      '--data',
      join(temp, 'source'),
      '--region',
      'eu-west-1',
      '--endpoint',
      dest.url,
      '--access-key-id',
      destCredentials.accessKeyId,
      '--secret-access-key-stdin',
    ],
    { cwd: repoRoot, encoding: 'utf8', input: `${destCredentials.secretAccessKey}\n` },
  );
  if (addRemote.status !== 0) throw new Error(`replication add-remote failed: ${addRemote.stderr}`);

  for (const [origin, bucket] of [
    [source, SOURCE_BUCKET],
    [dest, DEST_BUCKET],
  ] as const) {
    await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await origin.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  await source.s3.send(
    new PutBucketReplicationCommand({
      Bucket: SOURCE_BUCKET,
      ReplicationConfiguration: {
        Role: 'arn:aws:iam::123456789012:role/replication',
        Rules: [{ ID: 'everything', Status: 'Enabled', Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: `arn:aws:s3:::${DEST_BUCKET}` } }],
      },
    }),
  );

  const planned = plan();
  const totalBytes = planned.reduce((n, p) => n + p.size, 0);
  log(`${planned.length} objects, ${(totalBytes / MiB).toFixed(0)} MiB (largest ${maxMiB} MiB), ${writers} writers, destination down ${outageSeconds} s`);
  const written: Written[] = [];
  const writePhase = async (phase: Planned['phase']): Promise<number> => {
    const items = planned.filter((p) => p.phase === phase);
    const t0 = Date.now();
    await eachLimited(items, writers, async (p) => void written.push(await putOne(source.s3, p)));
    return Date.now() - t0;
  };

  const startedAt = Date.now();
  const beforeMs = await writePhase('before');
  log(`phase 1: ${planned.filter((p) => p.phase === 'before').length} objects written in ${beforeMs} ms with the destination up`);

  await stopProcess(dest.child, 'SIGTERM');
  dest.s3.destroy();
  const downAt = Date.now();
  const outageMs = await writePhase('outage');
  const duringOutage = written.filter((w) => w.phase === 'outage');
  let notPending = 0;
  await eachLimited(duringOutage, writers, async (w) => {
    const status = (await source.s3.send(new HeadObjectCommand({ Bucket: SOURCE_BUCKET, Key: w.key, VersionId: w.versionId }))).ReplicationStatus;
    if (status !== 'PENDING') {
      notPending++;
      problem(`${w.key} written while the destination was down reads ${status}, not PENDING`);
    }
  });
  const beforeReturn = await metrics(source.url);
  const outageQueue = {
    records: metric(beforeReturn, 'bucketfront_replication_queue_records'),
    bytes: metric(beforeReturn, 'bucketfront_replication_queue_bytes'),
    retries: metric(beforeReturn, 'bucketfront_replication_retries_total'),
  };
  log(
    `phase 2: ${duringOutage.length} objects written in ${outageMs} ms while the destination is down, ${duringOutage.length - notPending} PENDING; queue ${outageQueue.records} records, ${(outageQueue.bytes / MiB).toFixed(0)} MiB`,
  );
  // The first SIGKILL, while the destination is down: the queue holds every record written meanwhile.
  const kills: Array<{ when: string; records: number; bytes: number }> = [];
  const killSource = async (when: string): Promise<{ when: string; records: number; bytes: number }> => {
    const m = await metrics(source.url);
    const kill = { when, records: metric(m, 'bucketfront_replication_queue_records'), bytes: metric(m, 'bucketfront_replication_queue_bytes') };
    await stopProcess(source.child, 'SIGKILL');
    source.s3.destroy();
    source = await startOriginProcess('source', 'us-east-1', sourcePort, sourceCredentials);
    log(`source SIGKILLed ${when} with ${kill.records} records (${(kill.bytes / MiB).toFixed(0)} MiB) in its queue, and started again`);
    return kill;
  };
  if (!values['no-kill']) {
    kills.push(await killSource('while the destination is down'));
    if (kills[0]!.records === 0) problem('the queue was empty when the source was killed during the outage');
  }
  await sleep(Math.max(0, downAt + outageSeconds * 1000 - Date.now()));
  const lagAtReturn = metric(await metrics(source.url), 'bucketfront_replication_lag_seconds');
  dest = await startOriginProcess('dest', 'eu-west-1', destPort, destCredentials);
  const backAt = Date.now();
  log(`destination back after ${((backAt - downAt) / 1000).toFixed(1)} s (oldest pending record ${lagAtReturn.toFixed(1)} s old)`);

  // Phase 3: more writes while the backlog drains, and deletes that leave replicated delete markers.
  const afterMs = await writePhase('after');
  const deleted: Array<{ key: string; markerId: string }> = [];
  for (const w of written.filter((_, i) => i % 100 === 7)) {
    const res = await source.s3.send(new DeleteObjectCommand({ Bucket: SOURCE_BUCKET, Key: w.key }));
    if (!res.DeleteMarker || !res.VersionId) problem(`DELETE ${w.key} made no delete marker`);
    else deleted.push({ key: w.key, markerId: res.VersionId });
  }
  log(`phase 3: ${planned.filter((p) => p.phase === 'after').length} objects written in ${afterMs} ms, ${deleted.length} keys deleted`);

  // The second SIGKILL, while the backlog is being copied (copies in flight, multipart uploads open).
  if (!values['no-kill']) kills.push(await killSource('while the backlog drains'));
  // Drained = every version written reads COMPLETED on the source (the queue metric alone could read 0
  // while a restarted node is still taking its partition back).
  const drainDeadline = Date.now() + drainTimeoutMs;
  let waiting = [...written];
  while (waiting.length > 0 && Date.now() < drainDeadline) {
    const still: Written[] = [];
    await eachLimited(waiting, writers, async (w) => {
      const status = (await source.s3.send(new HeadObjectCommand({ Bucket: SOURCE_BUCKET, Key: w.key, VersionId: w.versionId }))).ReplicationStatus;
      if (status !== 'COMPLETED') still.push(w);
    });
    waiting = still;
    if (waiting.length > 0) await sleep(500);
  }
  const drainedAt = Date.now();
  if (waiting.length > 0) problem(`${waiting.length} versions not COMPLETED after ${drainTimeoutMs / 1000} s`);
  // Delete markers carry no status: the queue settles them too.
  while ((await queueRecords(source.url)) > 0 && Date.now() < drainDeadline) await sleep(500);
  if ((await queueRecords(source.url)) > 0) problem(`records still queued after ${drainTimeoutMs / 1000} s`);
  const final = await metrics(source.url);
  log(`every version COMPLETED ${((drainedAt - backAt) / 1000).toFixed(1)} s after the destination came back; checking each on the destination`);

  // Every version: COMPLETED on the source, REPLICA with the same bytes and metadata on the destination.
  const deletedKeys = new Set(deleted.map((d) => d.key));
  let verifiedBytes = 0;
  let verifiedVersions = 0;
  await eachLimited(written, writers, async (w) => {
    const before = problems.length;
    let got: Awaited<ReturnType<typeof md5OfVersion>>;
    try {
      got = await md5OfVersion(dest.s3, DEST_BUCKET, w.key, w.versionId);
    } catch (err) {
      problem(`${w.key} ${w.versionId}: not on the destination (${(err as Error).name})`);
      return;
    }
    const res = got.res;
    if (got.md5 !== w.md5) problem(`${w.key}: body MD5 ${got.md5}, written ${w.md5}`);
    if (res.ContentType !== w.contentType) problem(`${w.key}: Content-Type ${res.ContentType}, written ${w.contentType}`);
    if (res.CacheControl !== w.cacheControl) problem(`${w.key}: Cache-Control ${res.CacheControl}, written ${w.cacheControl}`);
    if (JSON.stringify(res.Metadata ?? {}) !== JSON.stringify(w.metadata)) problem(`${w.key}: metadata ${JSON.stringify(res.Metadata)}, written ${JSON.stringify(w.metadata)}`);
    if (res.ReplicationStatus !== 'REPLICA') problem(`${w.key}: destination status ${res.ReplicationStatus}, not REPLICA`);
    if (w.tags !== undefined) {
      const tags = (await dest.s3.send(new GetObjectTaggingCommand({ Bucket: DEST_BUCKET, Key: w.key, VersionId: w.versionId }))).TagSet ?? [];
      const text = tags.map((t) => `${t.Key}=${t.Value}`).join('&');
      if (text !== w.tags) problem(`${w.key}: tags ${text}, written ${w.tags}`);
    }
    if (problems.length === before) {
      verifiedVersions++;
      verifiedBytes += w.size;
    }
  });
  const listed = await listAll(dest.s3, DEST_BUCKET);
  if (listed.versions.size !== written.length) problem(`the destination holds ${listed.versions.size} versions, ${written.length} were written`);
  for (const w of written) if (!listed.versions.has(`${w.key} ${w.versionId}`)) problem(`${w.key} ${w.versionId} missing from the destination's ListObjectVersions`);
  if (listed.markers.size !== deleted.length) problem(`the destination holds ${listed.markers.size} delete markers, ${deleted.length} were made`);
  for (const d of deleted) if (!listed.markers.has(`${d.key} ${d.markerId}`)) problem(`delete marker ${d.key} ${d.markerId} missing from the destination`);
  for (const key of deletedKeys) {
    try {
      await dest.s3.send(new HeadObjectCommand({ Bucket: DEST_BUCKET, Key: key }));
      problem(`${key} is deleted on the source but still current on the destination`);
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) problem(`HEAD ${key} on the destination: ${(err as Error).name}`);
    }
  }

  const latency = histogramQuantiles(final, 'bucketfront_replication_latency_seconds');
  const report = {
    when: new Date().toISOString(),
    destinationStore: destCeph !== null ? 's3 (Ceph radosgw)' : 'fs',
    objects: written.length,
    bytes: totalBytes,
    largestMiB: maxMiB,
    writers,
    multipartObjects: written.filter((w) => w.size > MULTIPART_FROM).length,
    writeSeconds: { beforeOutage: beforeMs / 1000, duringOutage: outageMs / 1000, afterReturn: afterMs / 1000 },
    outage: {
      seconds: (backAt - downAt) / 1000,
      writtenMeanwhile: duringOutage.length,
      pendingWhileDown: duringOutage.length - notPending,
      queueAtEnd: outageQueue,
      oldestRecordAtReturnSeconds: lagAtReturn,
    },
    deleteMarkers: deleted.length,
    sourceKilled: kills,
    drainSecondsAfterReturn: (drainedAt - backAt) / 1000,
    totalSeconds: (drainedAt - startedAt) / 1000,
    afterRestart: {
      completed: metric(final, 'bucketfront_replication_completed_total'),
      completedBytes: metric(final, 'bucketfront_replication_completed_bytes_total'),
      failed: metric(final, 'bucketfront_replication_failed_total'),
      latencySeconds: latency,
    },
    verified: { versions: verifiedVersions, bytes: verifiedBytes, deleteMarkers: deleted.length },
    problems: problems.length,
    problemSamples: problems.slice(0, 20),
  };
  mkdirSync(join(values.out!, '..'), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    [
      '',
      `objects ${report.objects} (${(totalBytes / MiB).toFixed(0)} MiB, ${report.multipartObjects} multipart, largest ${maxMiB} MiB), ${writers} writers`,
      `writes: ${report.writeSeconds.beforeOutage} s before the outage, ${report.writeSeconds.duringOutage} s during, ${report.writeSeconds.afterReturn} s after`,
      `outage ${report.outage.seconds} s: ${report.outage.writtenMeanwhile} written meanwhile, ${report.outage.pendingWhileDown} PENDING; queue ${outageQueue.records} records / ${(outageQueue.bytes / MiB).toFixed(0)} MiB, ${outageQueue.retries} retries`,
      ...(kills.length > 0 ? kills.map((k) => `source SIGKILLed ${k.when} with ${k.records} records / ${(k.bytes / MiB).toFixed(0)} MiB queued`) : ['source not killed (--no-kill)']),
      `every version COMPLETED ${report.drainSecondsAfterReturn} s after the destination returned (total ${report.totalSeconds} s)`,
      `after the restart: ${report.afterRestart.completed} versions / ${(report.afterRestart.completedBytes / MiB).toFixed(0)} MiB replicated, ${report.afterRestart.failed} FAILED, latency p50 ≤ ${latency.p50} s, p99 ≤ ${latency.p99} s`,
      `verified: ${verifiedVersions} of ${written.length} versions byte-identical with their metadata (${(verifiedBytes / MiB).toFixed(0)} MiB), ${deleted.length} delete markers; problems: ${problems.length}`,
      `written to ${values.out}`,
    ].join('\n'),
  );
  source.s3.destroy();
  dest.s3.destroy();
  await Promise.all([stopProcess(source.child), stopProcess(dest.child)]);
  return problems.length > 0 ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    console.error('replication soak failed:', err);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
