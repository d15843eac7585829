// versioning: what S3 object versioning costs our origin's writes, in one run, against the same
// origin writing the same objects into a bucket that was never versioned (docs/versioning.md).
//
//  Two buckets on one origin (fs store): `off` (never versioned) and `ver` (PutBucketVersioning
//  Enabled). Rounds of `--duration` interleave off / ver; each round 8 keep-alive writers PUT
//  1 KiB (stored inline in the manifest) or 1 MiB (a data file) bodies, header-signed with the
//  repo's signer (UNSIGNED-PAYLOAD). Every writer cycles over 50 keys, so in `ver` each PUT adds a
//  version to a key that already has some (the steady state of a versioned site) and in `off` it
//  replaces the object. The median round is reported as PUT/s, the ratio is ver / off.
// Target (issue 14): versioning costs little; the figure is reported, with no threshold in tests.

import http from 'node:http';
import { PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import { log, cpuMeter } from '../lib/proc.mjs';
import { row, ratioAtLeast } from '../lib/results.mjs';
import { startOursOrigin, NotAvailable } from '../lib/servers.mjs';
import { s3Client, createBucket, loadLoop } from '../lib/s3.mjs';

const WRITERS = 8;
const KEYS_PER_WRITER = 50;
const KINDS = ['off', 'ver'];
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

export async function runVersioning(ctx) {
  const rounds = ctx.quick ? 1 : Math.max(3, ctx.reps);
  const durationMs = ctx.durationMs ?? (Number.parseFloat(ctx.duration) || 5) * 1000;
  const runs = [];
  let ours;
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
  } catch (e) {
    const reason = e instanceof NotAvailable ? e.message : `failed: ${e.message}`;
    log(`versioning: ${reason}`);
    return { rows: [], notes: [reason], oursAvailable: !(e instanceof NotAvailable), oursUnavailableReason: reason, settings: { duration: ctx.duration } };
  } finally {
    agent.destroy();
    await ours?.stop();
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
  const notes = [
    `One origin (fs store: a versioned PUT writes one \`.ver\` manifest instead of replacing the \`.meta\`, the same fsyncs) with buckets off and ver; rounds of ${ctx.duration} interleaved. The 8 writers share the 2 cores with the origin.`,
  ];
  return { rows, notes, oursAvailable: true, settings: { duration: ctx.duration, rounds, writers: WRITERS }, raw: { runs } };
}
