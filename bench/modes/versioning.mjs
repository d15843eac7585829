// versioning: what S3 object versioning costs our origin's writes, in one run, against the same
// origin writing the same objects into a bucket that was never versioned (docs/versioning.md).
//
//  Two buckets on one origin (fs store): `off` (never versioned) and `ver` (PutBucketVersioning
//  Enabled). Rounds of `--duration` interleave off / ver; each round 8 keep-alive writers PUT
//  1 KiB (stored inline in the manifest) or 1 MiB (a data file) bodies, header-signed with the
//  repo's signer (UNSIGNED-PAYLOAD). Every writer cycles over 50 keys, so in `ver` each PUT adds a
//  version to a key that already has some (the steady state of a versioned site) and in `off` it
//  replaces the object. The median round is reported as PUT/s, the ratio is ver / off.
//
//  Replication (same run): a second origin (region eu-west-1) is declared as the first one's remote
//  (`bucketfront replication add-remote`), and bucket `repl` (versioned) replicates everything to
//  its versioned bucket `replica`. Rounds of 1 MiB PUTs into `repl` (distinct keys: each one is a
//  replication) are interleaved with the same PUTs into `off` and `ver`; the ratio is repl / off.
//  Lag: a poller lists `replica`'s versions every 50 ms during and after each round; a key's lag is
//  the first listing that shows it minus the moment its PUT was acknowledged (so it includes up to
//  50 ms of polling). p50 / p99 over every key of every round; every key must arrive (120 s bound).
// Target (issue 14): versioning and replication cost little on writes; figures are reported, with no
// threshold in tests.

import http from 'node:http';
import { ListObjectVersionsCommand, PutBucketReplicationCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { log, cpuMeter, run, sleep } from '../lib/proc.mjs';
import { row, ratioAtLeast } from '../lib/results.mjs';
import { ROOT, startOursOrigin, oursCli, NotAvailable } from '../lib/servers.mjs';
import { s3Client, createBucket, loadLoop } from '../lib/s3.mjs';

const WRITERS = 8;
const KEYS_PER_WRITER = 50;
const KINDS = ['off', 'ver'];
const REPL_KINDS = ['off', 'ver', 'repl'];
const LAG_POLL_MS = 50;
const ARRIVAL_BOUND_MS = 120_000;
const SIZES = [
  ['1 KiB', Buffer.alloc(1024, 'v')],
  ['1 MiB', Buffer.alloc(1024 * 1024, 'v')],
];

const median = (xs) => {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};

let signRequest = null;
async function loadSigner() {
  try {
    ({ signRequest } = await import('@bucketfront/sigv4'));
  } catch (e) {
    throw new NotAvailable(`@bucketfront/sigv4 could not be loaded (${e.message}): build it (npm run build)`);
  }
}

/** One header-signed PUT; rejects unless 200 (and, in `ver`, an x-amz-version-id came back). */
function signedPut({ base, credentials, bucket, key, body, agent, versioned }) {
  const url = `${base}/${bucket}/${key}`;
  const headers = { ...signRequest({ method: 'PUT', url, headers: {}, credentials, region: 'us-east-1', service: 's3', payloadHash: 'UNSIGNED-PAYLOAD' }), 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        if (text.length < 2000) text += d;
      });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`PUT ${key}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        else if (versioned !== (res.headers['x-amz-version-id'] !== undefined)) reject(new Error(`PUT ${key}: x-amz-version-id ${res.headers['x-amz-version-id'] ?? 'absent'} in bucket ${bucket}`));
        else resolve();
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The second origin as the first one's remote, and bucket `repl` → `replica` (everything, delete markers too). */
async function setUpReplication(src, dst) {
  const c = await oursCli();
  const add = await run(
    c.cmd,
    [
      ...c.args,
      'replication',
      'add-remote',
      '--data',
      src.dataDir,
      '--region',
      'eu-west-1',
      '--endpoint',
      dst.url,
      '--access-key-id',
      dst.credentials.accessKeyId,
      '--secret-access-key',
      dst.credentials.secretAccessKey,
    ],
    { cwd: ROOT, timeoutMs: 60000 },
  );
  if (add.code !== 0) throw new NotAvailable(`bucketfront replication add-remote failed: ${(add.stderr || add.stdout).trim().slice(0, 300)}`);
  const dclient = s3Client({ endpoint: dst.url, credentials: dst.credentials });
  await createBucket(dclient, 'replica');
  await dclient.send(new PutBucketVersioningCommand({ Bucket: 'replica', VersioningConfiguration: { Status: 'Enabled' } }));
  const sclient = s3Client({ endpoint: src.url, credentials: src.credentials });
  await createBucket(sclient, 'repl');
  await sclient.send(new PutBucketVersioningCommand({ Bucket: 'repl', VersioningConfiguration: { Status: 'Enabled' } }));
  // The origin re-reads its remotes every 2 s: retry the configuration until it sees the new one.
  const rules = [{ ID: 'all', Status: 'Enabled', Priority: 1, Filter: { Prefix: '' }, DeleteMarkerReplication: { Status: 'Enabled' }, Destination: { Bucket: 'arn:aws:s3:::replica' } }];
  for (let i = 0; ; i++) {
    try {
      await sclient.send(new PutBucketReplicationCommand({ Bucket: 'repl', ReplicationConfiguration: { Role: 'arn:aws:iam::000000000000:role/bench', Rules: rules } }));
      break;
    } catch (e) {
      if (i >= 20) throw new Error(`PutBucketReplication: ${e.name}: ${e.message}`);
      await sleep(500);
    }
  }
  sclient.destroy();
  return dclient;
}

/** Lists `replica` under `prefix` every LAG_POLL_MS until every key of `acked` is seen; resolves key → first-seen time. */
async function watchArrivals(dclient, prefix, acked, stop) {
  const seen = new Map();
  const deadline = () => performance.now() + ARRIVAL_BOUND_MS;
  let until = Number.POSITIVE_INFINITY;
  for (;;) {
    let KeyMarker;
    do {
      const page = await dclient.send(new ListObjectVersionsCommand({ Bucket: 'replica', Prefix: prefix, ...(KeyMarker ? { KeyMarker } : {}) }));
      const now = performance.now();
      for (const v of page.Versions ?? []) if (!seen.has(v.Key)) seen.set(v.Key, now);
      KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    } while (KeyMarker);
    if (stop.done) {
      if (until === Number.POSITIVE_INFINITY) until = deadline();
      if ([...acked.keys()].every((k) => seen.has(k))) return seen;
      if (performance.now() > until) return seen;
    }
    await sleep(LAG_POLL_MS);
  }
}

const quantile = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor(p * v.length))] : null;
};

export async function runVersioning(ctx) {
  const rounds = ctx.quick ? 1 : Math.max(3, ctx.reps);
  const durationMs = ctx.durationMs ?? (Number.parseFloat(ctx.duration) || 5) * 1000;
  const runs = [];
  let ours;
  let dest;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    await loadSigner();
    ours = await startOursOrigin({ name: 'ours-origin-versioning', logs: ctx.logs, accessLog: false });
    const client = s3Client({ endpoint: ours.url, credentials: ours.credentials });
    for (const kind of KINDS) await createBucket(client, kind);
    await client.send(new PutBucketVersioningCommand({ Bucket: 'ver', VersioningConfiguration: { Status: 'Enabled' } }));
    client.destroy();
    for (const [size, body] of SIZES) {
      for (let r = 0; r < rounds; r++) {
        for (const kind of KINDS) {
          const cpu = cpuMeter({ ours: ours.pid });
          const res = await loadLoop({
            concurrency: WRITERS,
            durationMs,
            op: (w, s) =>
              signedPut({ base: ours.url, credentials: ours.credentials, bucket: kind, key: `${size.replace(' ', '')}/w${w}/k${s % KEYS_PER_WRITER}`, body, agent, versioned: kind === 'ver' }),
          });
          res.cpu = cpu.stop();
          runs.push({ size, kind, round: r, ...res });
          log(
            `versioning ${size} ${kind} #${r + 1}: ${res.opsPerSec.toFixed(0)} PUT/s, p50 ${res.p50ms?.toFixed(1)} ms, p99 ${res.p99ms?.toFixed(1)} ms, ${res.errors} errors${res.firstError ? ` (${res.firstError})` : ''}; cores ${JSON.stringify(res.cpu)}`,
          );
          if (res.errors && !res.ops) throw new Error(`PUT ${size} (${kind}): ${res.firstError}`);
        }
      }
    }
    // Replication: a second origin, a remote, bucket repl → replica.
    dest = await startOursOrigin({ name: 'ours-origin-replica', logs: ctx.logs, accessLog: false, extraArgs: ['--region', 'eu-west-1'] });
    const dclient = await setUpReplication(ours, dest);
    const [, body] = SIZES[1];
    for (let r = 0; r < rounds; r++) {
      for (const kind of REPL_KINDS) {
        const acked = new Map();
        const stop = { done: false };
        const prefix = `lag/${kind}/r${r}/`;
        const watcher = kind === 'repl' ? watchArrivals(dclient, prefix, acked, stop) : null;
        const cpu = cpuMeter({ ours: ours.pid, replica: dest.pid });
        const res = await loadLoop({
          concurrency: WRITERS,
          durationMs,
          op: async (w, s) => {
            const key = `${prefix}w${w}/${s}`;
            await signedPut({ base: ours.url, credentials: ours.credentials, bucket: kind, key, body, agent, versioned: kind !== 'off' });
            acked.set(key, performance.now());
          },
        });
        res.cpu = cpu.stop();
        stop.done = true;
        const rec = { size: '1 MiB', kind: `r-${kind}`, round: r, ...res };
        if (watcher) {
          const seen = await watcher;
          const lags = [...acked].filter(([k]) => seen.has(k)).map(([k, t]) => seen.get(k) - t);
          Object.assign(rec, { lags, missing: acked.size - lags.length });
        }
        runs.push(rec);
        log(
          `replication ${kind} #${r + 1}: ${res.opsPerSec.toFixed(0)} PUT/s, p50 ${res.p50ms?.toFixed(1)} ms, ${res.errors} errors${res.firstError ? ` (${res.firstError})` : ''}` +
            (rec.lags ? `; lag p50 ${quantile(rec.lags, 0.5)?.toFixed(0)} ms p99 ${quantile(rec.lags, 0.99)?.toFixed(0)} ms, missing ${rec.missing}` : '') +
            `; cores ${JSON.stringify(res.cpu)}`,
        );
        if (res.errors && !res.ops) throw new Error(`PUT 1 MiB (${kind}): ${res.firstError}`);
      }
    }
    dclient.destroy();
  } catch (e) {
    const reason = e instanceof NotAvailable ? e.message : `failed: ${e.message}`;
    log(`versioning: ${reason}`);
    return { rows: [], notes: [reason], oursAvailable: !(e instanceof NotAvailable), oursUnavailableReason: reason, settings: { duration: ctx.duration } };
  } finally {
    agent.destroy();
    await ours?.stop();
    await dest?.stop();
  }
  const of = (size, kind, f) => median(runs.filter((r) => r.size === size && r.kind === kind).map((r) => r[f]));
  const rows = SIZES.map(([size]) =>
    row({
      what: `PUT ${size} into a versioned bucket vs a never-versioned one (${WRITERS} writers overwriting ${KEYS_PER_WRITER} keys each, median of ${rounds})`,
      peer: 'ours, bucket never versioned',
      peerValue: of(size, 'off', 'opsPerSec'),
      ours: of(size, 'ver', 'opsPerSec'),
      unit: 'PUT/s',
      target: '≥ 0.9×',
      check: ratioAtLeast(0.9),
      note: `p50 ${of(size, 'off', 'p50ms')?.toFixed(1)} → ${of(size, 'ver', 'p50ms')?.toFixed(1)} ms, p99 ${of(size, 'off', 'p99ms')?.toFixed(1)} → ${of(size, 'ver', 'p99ms')?.toFixed(1)} ms`,
    }),
  );
  const lags = runs.filter((r) => r.kind === 'r-repl').flatMap((r) => r.lags ?? []);
  const missing = runs.filter((r) => r.kind === 'r-repl').reduce((n, r) => n + (r.missing ?? 0), 0);
  rows.push(
    row({
      what: `PUT 1 MiB into a versioned bucket that replicates to a second origin vs a never-versioned one (${WRITERS} writers, distinct keys, median of ${rounds})`,
      peer: 'ours, bucket never versioned',
      peerValue: of('1 MiB', 'r-off', 'opsPerSec'),
      ours: of('1 MiB', 'r-repl', 'opsPerSec'),
      unit: 'PUT/s',
      target: '≥ 0.8×',
      check: ratioAtLeast(0.8),
      note: `versioned, not replicated: ${of('1 MiB', 'r-ver', 'opsPerSec')?.toFixed(0)} PUT/s; p50 ${of('1 MiB', 'r-off', 'p50ms')?.toFixed(1)} → ${of('1 MiB', 'r-repl', 'p50ms')?.toFixed(1)} ms`,
    }),
    row({
      what: `replication lag p50, PUT acknowledged → version listed on the replica (${WRITERS} writers of 1 MiB, ${lags.length} objects)`,
      ours: quantile(lags, 0.5),
      unit: 'ms',
      better: 'lower',
      note: `includes up to ${LAG_POLL_MS} ms of polling; objects that never arrived: ${missing}`,
    }),
    row({
      what: `replication lag p99 (same objects)`,
      ours: quantile(lags, 0.99),
      unit: 'ms',
      better: 'lower',
      note: `max ${quantile(lags, 1)?.toFixed(0)} ms`,
    }),
  );
  const notes = [
    `One origin (fs store: a versioned PUT writes one \`.ver\` manifest instead of replacing the \`.meta\`, the same fsyncs) with buckets off and ver; rounds of ${ctx.duration} interleaved. The 8 writers share the 2 cores with the origin.`,
  ];
  notes.push(`Replication: a second origin (--region eu-west-1, its own fs store) on the same machine; the sender copies up to 4 versions at once; the poller's listings add load to the replica.`);
  return { rows, notes, oursAvailable: true, settings: { duration: ctx.duration, rounds, writers: WRITERS }, raw: { runs: runs.map(({ lags, ...r }) => ({ ...r, lagCount: lags?.length })) } };
}
