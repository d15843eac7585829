// sse: what encryption at rest (SSE-S3) costs our origin, in one run, against the same origin
// storing the same objects in plaintext (`x-amz-server-side-encryption: AES256` on the PUT or not;
// packages/object-store/src/encryption/: AES-256-GCM in 64 KiB segments, master key generated at
// <data>/keys/master.key). Every pair of runs is interleaved (plain, SSE, plain, SSE … for the load
// runs; ABBA for the 256 MiB transfers) and the median is reported, so the ratios compare like with
// like on a shared machine.
//
//  PUT 1 MiB:    8 keep-alive workers for the duration, distinct keys; each PUT header-signed with
//                the repo's own signer (@bucketfront/sigv4 signRequest, UNSIGNED-PAYLOAD: no SHA-256
//                of the body on either side), the body a Buffer in memory with its Content-Length.
//  GET 1 MiB:    wrk -t1 -c16 on a presigned GET URL (as the origin mode), body checked once first.
//  256 MiB:      our origin restarted fresh first; PUTs of bench/.work/obj-256MiB.bin (the origin
//                mode's file: no 256 MiB buffer anywhere in the harness) with curl -T, signed the same
//                way, `sync` before each; /proc/PID/status VmRSS sampled every 10 ms and VmHWM read
//                after the first PUT (an SSE one) = the peak RSS; then GETs of a presigned URL with
//                curl (body discarded, `sync` before each), after one untimed GET of each object
//                hashed against the file.
//                Before that, one SSE PUT on a fresh origin run with --max-semi-space-size=4 (V8's
//                young generation capped; README, Memory), reported in the RSS row's note.
//  Part 2 (edge TLS): 1 KiB website hits through `bucketfront edge` over HTTPS vs plain HTTP, run
//                only when `bucketfront edge --help` lists --tls-cert (see tlsVsPlainEdgeHits).
// Target (encryption issue): peak RSS < 150 MiB during the 256 MiB SSE PUT. The ratios are "SSE /
// plain" (> 1 would mean SSE is faster).

import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { log, run, sleep, withRssSampling, cpuMeter, procMem, freePorts } from '../lib/proc.mjs';
import { wrk, fmtWrk, fmtMs } from '../lib/wrk.mjs';
import { row, ceilingRow } from '../lib/results.mjs';
import { ROOT, WORK, startOursOrigin, startOursEdge, oursCli, NotAvailable } from '../lib/servers.mjs';
import { s3Client, createBucket, presign, loadLoop, httpGet } from '../lib/s3.mjs';
import { MiB, ensureBigFile } from '../lib/s3-bench.mjs';

const BUCKET = 'bench';
const SSE_HEADER = 'x-amz-server-side-encryption';
const KINDS = ['plain', 'sse'];
const PUT_WORKERS = 8;
const GET_CONNS = 16;

let signRequest = null;
/** The repo's signer (packages/sigv4, built with the CLI by run.mjs). */
async function loadSigner() {
  if (signRequest) return signRequest;
  try {
    ({ signRequest } = await import('@bucketfront/sigv4'));
  } catch (e) {
    throw new NotAvailable(`@bucketfront/sigv4 could not be loaded (${e.message}): build it (npm run build)`);
  }
  return signRequest;
}

/**
 * PUT `body` (a Buffer) to `base`/bucket/key, header-signed with UNSIGNED-PAYLOAD, with
 * `x-amz-server-side-encryption: AES256` when `sse`.
 * Resolves { status, ms, bytes, headers, body (the first 4,000 characters) }.
 */
function signedPut({ base, credentials, bucket, key, body, sse, agent = false, timeoutMs = 120000 }) {
  const url = `${base}/${bucket}/${key}`;
  const extra = sse ? { [SSE_HEADER]: 'AES256' } : {};
  const size = body.length;
  const headers = {
    ...extra,
    ...signRequest({ method: 'PUT', url, headers: extra, credentials, region: 'us-east-1', service: 's3', payloadHash: 'UNSIGNED-PAYLOAD' }),
    'content-length': String(size),
  };
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'PUT', headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        if (text.length < 4000) text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, bytes: size, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`PUT ${key}: no progress for ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Throws unless a PUT answered 200 with (sse) or without (plain) the SSE response header. */
function checkPut(r, sse, what) {
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  const h = r.headers[SSE_HEADER];
  if (sse ? h !== 'AES256' : h !== undefined) throw new Error(`${what}: ${SSE_HEADER} in the response is ${h ?? 'absent'}`);
}

/** GET a URL on a fresh connection with Node, the body hashed (the untimed check); resolves { status, bytes, headers, sha256 }. */
function hashedGet(url, timeoutMs = 120000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      res.on('data', (d) => {
        bytes += d.length;
        h.update(d);
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, headers: res.headers, sha256: h.digest('hex') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET: no progress for ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/**
 * PUT `file` (256 MiB) to `origin`/BUCKET/key with curl, header-signed with UNSIGNED-PAYLOAD (and
 * the SSE header when `sse`), checked: 200, the SSE header as asked, every byte sent.
 */
async function curlPut256(ctx, origin, key, file, sse, label) {
  const url = `${origin.url}/${BUCKET}/${key}`;
  const extra = sse ? { [SSE_HEADER]: 'AES256' } : {};
  const headers = { ...extra, ...signRequest({ method: 'PUT', url, headers: extra, credentials: origin.credentials, region: 'us-east-1', service: 's3', payloadHash: 'UNSIGNED-PAYLOAD' }) };
  const r = await curlTransfer({ url, file, headers, rawDir: ctx.rawDir, label });
  checkPut({ ...r, headers: { [SSE_HEADER]: r.sse } }, sse, label);
  if (r.bytes !== 256 * MiB) throw new Error(`${label}: curl sent ${r.bytes} bytes`);
  return r;
}

/**
 * One timed 256 MiB transfer with curl (a C client: ~0.1 s of CPU per 256 MiB here, where a Node
 * client took 0.2–1.3 s): a GET with the body discarded, or a PUT of `file` (-T, Content-Length from
 * the file, no Expect: 100-continue) with `headers`. Through sh so the shell's reaped-children CPU
 * gives curl's own (as lib/wrk.mjs does for wrk). Resolves { status, bytes, ms, sse, clientCpuS, body }.
 */
async function curlTransfer({ url, file, headers = {}, rawDir, label }) {
  const out = join(rawDir, `${label}.body`);
  // -q first: no .curlrc (one that sets -w or -o would change what is measured or parsed); a -w
  // format must not start with @ (curl then reads the format from that file).
  const args = ['-q', '-sS', '--max-time', '120', '-o', file ? out : '/dev/null', '-w', `bench-curl: %{http_code} %{size_download} %{size_upload} %{time_total} %header{${SSE_HEADER}}\n`];
  if (file) {
    args.push('-X', 'PUT', '-T', file, '-H', 'Expect:');
    for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  }
  args.push(url);
  const r = await run('sh', ['-c', 'curl "$@"; rc=$?; echo "@@CPU $(cut -d" " -f16,17 /proc/$$/stat)"; exit $rc', 'sh', ...args], { timeoutMs: 150000 });
  const m = r.stdout.match(/bench-curl: (\d+) (\d+) (\d+) ([\d.]+) ?(\S*)/);
  const c = r.stdout.match(/@@CPU (\d+) (\d+)/);
  if (r.code !== 0 || !m) throw new Error(`curl ${label}: exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  let body = '';
  if (file) {
    try {
      body = readFileSync(out, 'utf8').slice(0, 4000);
    } catch {
      /* none */
    }
    rmSync(out, { force: true });
  }
  return {
    status: Number(m[1]),
    bytes: file ? Number(m[3]) : Number(m[2]),
    ms: Number(m[4]) * 1000,
    sse: m[5] || undefined,
    clientCpuS: c ? (Number(c[1]) + Number(c[2])) / 100 : null,
    body,
  };
}

async function fileSha256(file) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MiB })) h.update(chunk);
  return h.digest('hex');
}

const median = (xs) => {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length ? v[Math.floor((v.length - 1) / 2)] : null;
};
/** CPU of our origin's process tree (from /proc) and of this Node process (the client) over an interval: stop() → { ours, client } in cores. */
function meter(pid) {
  const m = cpuMeter({ ours: pid });
  const c0 = process.cpuUsage(),
    t0 = performance.now();
  return {
    stop() {
      const { user, system } = process.cpuUsage(c0);
      return { ...m.stop(), client: Math.round(((user + system) / 1e3 / (performance.now() - t0)) * 100) / 100 };
    },
  };
}
const f0 = (x) => (x == null ? '?' : x.toFixed(0));

/** V8's young generation capped at 4 MiB per semi-space (README, Memory). */
const YOUNG_CAP_FLAG = '--max-semi-space-size=4';

/** The origin with the options every phase uses (website listener for part 2; `--cpu-prof` with BENCH_SSE_CPU_PROF=1). */
function startOrigin(ctx, extra = {}) {
  const nodeArgs = process.env.BENCH_SSE_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.rawDir, 'cpuprof')}`] : [];
  return startOursOrigin({ name: 'ours-origin-sse', logs: ctx.logs, accessLog: false, websitePort: true, ...extra, nodeArgs: [...nodeArgs, ...(extra.nodeArgs ?? [])] });
}

// ---------------------------------------------------------------- part 1: SSE-S3 vs plain

/** PUT 1 MiB load runs, plain and SSE interleaved, `rounds` each. */
async function put1m(ctx, ours, body, rounds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const runs = { plain: [], sse: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of KINDS) {
        const sse = kind === 'sse';
        const cpu = meter(ours.pid);
        const res = await loadLoop({
          concurrency: PUT_WORKERS,
          durationMs: ctx.durationMs,
          op: async (w, s) => {
            const key = `put1m-${kind}/r${r}-w${w}-${s}`;
            checkPut(await signedPut({ base: ours.url, credentials: ours.credentials, bucket: BUCKET, key, body, sse, agent }), sse, `PUT ${key}`);
          },
        });
        res.cpu = cpu.stop();
        res.MiBps = (res.opsPerSec * body.length) / MiB;
        runs[kind].push(res);
        log(
          `put1m ${kind} #${r + 1}: ${res.MiBps.toFixed(0)} MiB/s (${res.opsPerSec.toFixed(0)} ops/s), p50 ${fmtMs(res.p50ms)}, p99 ${fmtMs(res.p99ms)}, ${res.errors} errors${res.firstError ? ` (${res.firstError})` : ''}; cores ${JSON.stringify(res.cpu)}`,
        );
        if (res.errors && !res.ops) throw new Error(`PUT 1 MiB (${kind}): ${res.firstError}`);
      }
    }
  } finally {
    agent.destroy();
  }
  const out = {};
  for (const kind of KINDS) {
    const rs = runs[kind];
    out[kind] = {
      MiBps: median(rs.map((x) => x.MiBps)),
      p50ms: median(rs.map((x) => x.p50ms)),
      p99ms: median(rs.map((x) => x.p99ms)),
      oursCores: median(rs.map((x) => x.cpu.ours)),
      errors: rs.reduce((a, x) => a + x.errors, 0),
      firstError: rs.find((x) => x.firstError)?.firstError ?? null,
      runs: rs.map((x) => ({ MiBps: x.MiBps, opsPerSec: x.opsPerSec, p50ms: x.p50ms, p99ms: x.p99ms, errors: x.errors, cpu: x.cpu })),
    };
  }
  return out;
}

/** GET 1 MiB with wrk -c16 on presigned URLs, plain and SSE interleaved. */
async function get1m(ctx, ours, client, body, rounds) {
  const urls = {};
  for (const kind of KINDS) {
    const key = `get-1m-${kind}`;
    checkPut(await signedPut({ base: ours.url, credentials: ours.credentials, bucket: BUCKET, key, body, sse: kind === 'sse' }), kind === 'sse', `PUT ${key}`);
    urls[kind] = await presign(client, 'GET', BUCKET, key);
    const chk = await httpGet(urls[kind]);
    if (chk.status !== 200 || !chk.body.equals(body)) throw new Error(`presigned GET ${key}: HTTP ${chk.status}, ${chk.body.length} bytes${chk.body.length === body.length ? ' (body differs)' : ''}`);
    if ((chk.headers[SSE_HEADER] === 'AES256') !== (kind === 'sse')) throw new Error(`GET ${key}: ${SSE_HEADER} ${chk.headers[SSE_HEADER] ?? 'absent'}`);
  }
  const runs = { plain: [], sse: [] };
  for (let r = 0; r < rounds; r++) {
    for (const kind of KINDS) {
      const w = await wrk({ url: urls[kind], conns: GET_CONNS, duration: ctx.duration, label: `get1m-${kind}-${r + 1}`, rawDir: ctx.rawDir, pid: ours.pid });
      w.MiBps = w.rps == null ? null : (w.rps * body.length) / MiB;
      runs[kind].push(w);
      log(`get1m ${kind} #${r + 1}: ${w.MiBps?.toFixed(0) ?? '?'} MiB/s, ${fmtWrk(w)}`);
    }
  }
  const out = {};
  for (const kind of KINDS) {
    const rs = runs[kind];
    out[kind] = {
      MiBps: median(rs.map((x) => x.MiBps)),
      p50ms: median(rs.map((x) => x.p50ms)),
      p99ms: median(rs.map((x) => x.p99ms)),
      serverCores: median(rs.map((x) => x.serverCores)),
      wrkCores: median(rs.map((x) => x.wrkCores)),
      ok: rs.every((x) => x.ok),
      error: rs.find((x) => x.ok === false)?.error,
      runs: rs.map((x) => ({ MiBps: x.MiBps, rps: x.rps, p50ms: x.p50ms, p99ms: x.p99ms, errors: x.errors, non2xx: x.non2xx, serverCores: x.serverCores, wrkCores: x.wrkCores })),
    };
  }
  return out;
}

/**
 * 256 MiB PUTs then GETs on a fresh origin, `reps` of each kind in ABBA order (SSE first: VmHWM
 * after that first PUT is the peak RSS of a 256 MiB SSE PUT, start-up included).
 */
async function big256(ctx, ours, client, file, reps) {
  const order = (i) => (i % 2 === 0 ? ['sse', 'plain'] : ['plain', 'sse']);
  const puts = { plain: [], sse: [] };
  const rssAfterStartMiB = (procMem(ours.pid)?.rssKiB ?? 0) / 1024;
  let firstSse = null;
  for (let i = 0; i < reps; i++) {
    for (const kind of order(i)) {
      const sse = kind === 'sse';
      await run('sync', []);
      const cpu = cpuMeter({ ours: ours.pid });
      const s = await withRssSampling(ours.pid, () => curlPut256(ctx, ours, `big-${kind}-${i}`, file, sse, `put256m-${kind}-${i + 1}`));
      const cores = { ...cpu.stop(), client: s.r.clientCpuS == null ? null : Math.round((s.r.clientCpuS / (s.r.ms / 1000)) * 100) / 100 };
      const rec = { MiBps: s.r.bytes / MiB / (s.r.ms / 1000), ms: Math.round(s.r.ms), maxRssMiB: s.maxRssMiB, hwmMiB: s.hwmMiB, rssBeforeMiB: s.rssBeforeMiB, cpu: cores };
      puts[kind].push(rec);
      firstSse ??= sse ? rec : null;
      log(`put256m ${kind} #${i + 1}: ${rec.MiBps.toFixed(0)} MiB/s (${rec.ms} ms), max VmRSS ${rec.maxRssMiB.toFixed(0)} MiB, VmHWM ${rec.hwmMiB.toFixed(0)} MiB; cores ${JSON.stringify(cores)}`);
    }
  }
  // GETs: an untimed one of each first (with Node, the body hashed against the file's), then ABBA with curl.
  const urls = {};
  for (const kind of KINDS) urls[kind] = await presign(client, 'GET', BUCKET, `big-${kind}-0`);
  const want = await fileSha256(file);
  for (const kind of KINDS) {
    const g = await hashedGet(urls[kind]);
    if (g.status !== 200 || g.bytes !== 256 * MiB) throw new Error(`GET 256 MiB ${kind}: HTTP ${g.status}, ${g.bytes} bytes`);
    if (g.sha256 !== want) throw new Error(`GET 256 MiB ${kind}: the body differs from the file (SHA-256)`);
    if ((g.headers[SSE_HEADER] === 'AES256') !== (kind === 'sse')) throw new Error(`GET 256 MiB ${kind}: ${SSE_HEADER} ${g.headers[SSE_HEADER] ?? 'absent'}`);
  }
  const gets = { plain: [], sse: [] };
  for (let i = 0; i < reps; i++) {
    for (const kind of order(i)) {
      // The PUTs' dirty pages are written back before, not during, a timed GET.
      await run('sync', []);
      const cpu = cpuMeter({ ours: ours.pid });
      const s = await withRssSampling(ours.pid, () => curlTransfer({ url: urls[kind], rawDir: ctx.rawDir, label: `get256m-${kind}-${i + 1}` }));
      const cores = { ...cpu.stop(), client: s.r.clientCpuS == null ? null : Math.round((s.r.clientCpuS / (s.r.ms / 1000)) * 100) / 100 };
      if (s.r.status !== 200 || s.r.bytes !== 256 * MiB) throw new Error(`GET 256 MiB ${kind} #${i + 1}: HTTP ${s.r.status}, ${s.r.bytes} bytes`);
      const rec = { MiBps: s.r.bytes / MiB / (s.r.ms / 1000), ms: Math.round(s.r.ms), maxRssMiB: s.maxRssMiB, cpu: cores };
      gets[kind].push(rec);
      log(`get256m ${kind} #${i + 1}: ${rec.MiBps.toFixed(0)} MiB/s (${rec.ms} ms), max VmRSS ${rec.maxRssMiB.toFixed(0)} MiB; cores ${JSON.stringify(cores)}`);
    }
  }
  const sum = (rs) => ({ MiBps: median(rs.map((x) => x.MiBps)), maxRssMiB: Math.max(...rs.map((x) => x.maxRssMiB)), oursCores: median(rs.map((x) => x.cpu.ours)), runs: rs });
  return {
    put: { plain: sum(puts.plain), sse: sum(puts.sse) },
    get: { plain: sum(gets.plain), sse: sum(gets.sse) },
    peakHwmMiB: firstSse?.hwmMiB ?? null,
    rssAfterStartMiB,
    masterKey: existsSync(join(ours.dataDir, 'keys', 'master.key')),
  };
}

/**
 * The same first SSE PUT on a fresh origin whose V8 young generation is capped at 4 MiB per
 * semi-space (`--max-semi-space-size=4`, what NODE_OPTIONS can set: README, Memory). V8 grows it to
 * 16 MiB while the modules and the fs index load, and keeps it; resolves { rssAfterStartMiB, hwmMiB }.
 */
async function cappedYoungPut(ctx, dataDir, file) {
  const capped = await startOrigin(ctx, { dataDir, fresh: false, nodeArgs: [YOUNG_CAP_FLAG] });
  try {
    await sleep(300);
    const rssAfterStartMiB = (procMem(capped.pid)?.rssKiB ?? 0) / 1024;
    await run('sync', []);
    await curlPut256(ctx, capped, 'big-sse-capped', file, true, 'put256m-sse-capped');
    const hwmMiB = (procMem(capped.pid)?.hwmKiB ?? 0) / 1024;
    log(`put256m sse, ${YOUNG_CAP_FLAG}: VmRSS after start-up ${rssAfterStartMiB.toFixed(0)} MiB, VmHWM ${hwmMiB.toFixed(0)} MiB`);
    return { rssAfterStartMiB, hwmMiB };
  } finally {
    await capped.stop();
  }
}

// ---------------------------------------------------------------- part 2: TLS vs plain for 1 KiB edge hits
//
// Runs only when `bucketfront edge --help` lists --tls-cert (the edge's TLS viewer listener);
// otherwise the HTTPS cell says why it is not available and the plain-HTTP figure is still measured.
// One edge (--workers 2) fronts our origin's website endpoint (bucket `site`: website configuration,
// public-read policy, a 1 KiB hello.txt), as the cluster mode does. With TLS it gets
// `--tls-cert/--tls-key` (a self-signed P-256 certificate made with openssl into bench/.work/tls/)
// and, when the help lists it, `--tls-port`; without that flag the TLS port is read from the edge's
// start-up output (an https://127.0.0.1:PORT or https://localhost:PORT URL). The same cached object
// is then loaded with wrk -t1 -c64 over http:// and https:// (wrk does TLS itself, keep-alive: the
// handshake is paid once per connection, this measures the per-request record cost), interleaved.

const SITE = 'site';
export const EDGE_NO_TLS = 'not available: the edge has no TLS listener in this build';

/** A self-signed certificate for 127.0.0.1/localhost in bench/.work/tls/: { cert, key } or { error }. */
async function selfSignedCert() {
  const dir = join(WORK, 'tls');
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'edge-cert.pem'),
    key = join(dir, 'edge-key.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=localhost'];
  args.push('-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2');
  const r = await run('openssl', args, { timeoutMs: 30000 });
  if (r.code !== 0) return { error: `openssl req failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 200)}` };
  return { cert, key, cmd: `openssl ${args.join(' ')}` };
}

/** The TLS port from the edge's start-up output, polled for up to `timeoutMs`. */
async function tlsPortFromLog(logFile, timeoutMs = 15000) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    let text = '';
    try {
      text = readFileSync(logFile, 'utf8');
    } catch {
      /* not yet */
    }
    const m = text.match(/https:\/\/(?:127\.0\.0\.1|localhost):(\d+)/);
    if (m) return Number(m[1]);
    await sleep(100);
  }
  return null;
}

export async function tlsVsPlainEdgeHits(ctx, ours, client, rounds) {
  const c = await oursCli();
  const help = await run(c.cmd, [...c.args, 'edge', '--help'], { cwd: ROOT, timeoutMs: 30000 });
  let tls = /--tls-cert\b/.test(help.stdout) ? {} : null;
  let tlsReason = tls ? '' : `${EDGE_NO_TLS} (\`bucketfront edge --help\` lists no --tls-cert)`;

  // The origin side: a website bucket with a public-read policy and a 1 KiB object.
  await createBucket(client, SITE);
  await client.send(new PutBucketWebsiteCommand({ Bucket: SITE, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } } }));
  await client.send(
    new PutBucketPolicyCommand({
      Bucket: SITE,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${SITE}/*` }] }),
    }),
  );
  const hello = Buffer.from(randomBytes(512).toString('hex')); // 1 KiB of text
  await client.send(new PutObjectCommand({ Bucket: SITE, Key: 'index.html', Body: '<!doctype html><title>bench</title>\n', ContentType: 'text/html' }));
  await client.send(new PutObjectCommand({ Bucket: SITE, Key: 'hello.txt', Body: hello, ContentType: 'text/plain' }));
  const direct = await httpGet(`${ours.websiteUrl}/hello.txt`, { headers: { Host: SITE } });
  if (direct.status !== 200 || !direct.body.equals(hello)) throw new Error(`website GET on ours' website port (Host: ${SITE}): HTTP ${direct.status}, ${direct.body.length} bytes`);

  const extraArgs = [];
  let tlsPort = null;
  if (tls) {
    const cert = await selfSignedCert();
    if (cert.error) {
      tlsReason = `not available: ${cert.error}`;
      tls = null;
    } else {
      tls = cert;
      extraArgs.push('--tls-cert', cert.cert, '--tls-key', cert.key);
      if (/--tls-port\b/.test(help.stdout)) {
        [tlsPort] = await freePorts(1);
        extraArgs.push('--tls-port', String(tlsPort));
      }
    }
  }
  const edge = await startOursEdge({ logs: ctx.logs, name: 'ours-edge-sse', originPort: ours.websitePort, origin: { id: 'nginx', hostHeader: SITE }, extraArgs });
  const notes = [];
  try {
    if (tls && tlsPort == null) {
      tlsPort = await tlsPortFromLog(edge.logFile);
      if (tlsPort == null) {
        tlsReason = 'not available: the edge takes --tls-cert but lists no --tls-port and printed no https:// URL at start-up';
        tls = null;
      }
    }
    const urls = { http: `${edge.url}/hello.txt` };
    if (tls) urls.https = `https://127.0.0.1:${tlsPort}/hello.txt`;
    // 3 GETs each (the third must be a hit by X-Cache), then one untimed run of the duration per
    // scheme: a fresh edge's first hit run is about half as fast as the next (cluster mode).
    for (const [scheme, url] of Object.entries(urls)) {
      let last;
      try {
        for (let i = 0; i < 3; i++) last = await httpGet(url);
        if (last.status !== 200 || !last.body.equals(hello)) throw new Error(`HTTP ${last.status}, ${last.body.length} bytes`);
      } catch (e) {
        if (scheme === 'http') throw new Error(`edge http GET: ${e.message}`);
        // The plain figure is still worth having: report why HTTPS is missing instead.
        tlsReason = `not available: GET ${url} through the edge: ${e.message}`;
        tls = null;
        delete urls.https;
        log(tlsReason);
        continue;
      }
      if (!/^(Hit|RefreshHit)\b/i.test(last.headers['x-cache'] ?? '')) notes.push(`edge ${scheme}: third warm-up GET was not a hit (X-Cache: ${last.headers['x-cache'] ?? 'absent'})`);
      const w = await wrk({ url, conns: 64, duration: ctx.duration, label: `edge-${scheme}-warmup`, rawDir: ctx.rawDir, pid: edge.proc.pid });
      log(`edge ${scheme} warm-up (untimed): ${fmtWrk(w)}`);
    }
    const runs = Object.fromEntries(Object.keys(urls).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [scheme, url] of Object.entries(urls)) {
        const w = await wrk({ url, conns: 64, duration: ctx.duration, label: `edge-${scheme}-${r + 1}`, rawDir: ctx.rawDir, pid: edge.proc.pid });
        runs[scheme].push(w);
        log(`edge ${scheme} #${r + 1}: ${fmtWrk(w)}`);
      }
    }
    const sum = (rs) =>
      rs && {
        rps: median(rs.map((x) => x.rps)),
        p50ms: median(rs.map((x) => x.p50ms)),
        p99ms: median(rs.map((x) => x.p99ms)),
        serverCores: median(rs.map((x) => x.serverCores)),
        wrkCores: median(rs.map((x) => x.wrkCores)),
        ok: rs.every((x) => x.ok),
        runs: rs.map((x) => ({ rps: x.rps, p50ms: x.p50ms, p99ms: x.p99ms, errors: x.errors, non2xx: x.non2xx, serverCores: x.serverCores, wrkCores: x.wrkCores })),
      };
    for (const [scheme, rs] of Object.entries(runs)) {
      const bad = rs.filter((x) => x.ok === false);
      if (bad.length) notes.push(`edge ${scheme}: ${bad.length} of ${rs.length} runs with errors (${bad[0].error ?? `${bad[0].errors} socket errors, ${bad[0].non2xx} non-2xx`})`);
    }
    return { http: sum(runs.http), https: tls ? sum(runs.https) : null, tlsReason, cert: tls?.cmd, tlsPort, notes };
  } finally {
    await edge.stop();
  }
}

// ---------------------------------------------------------------- the mode

export async function runSse(ctx) {
  const { rawDir } = ctx;
  const notes = [];
  const rounds = ctx.quick ? 1 : Math.max(3, ctx.reps);
  const bigReps = ctx.quick ? 1 : 3;
  await loadSigner();
  const body = randomBytes(MiB);
  const bigFile = ensureBigFile();

  let ours;
  try {
    ours = await startOrigin(ctx);
  } catch (e) {
    const reason = e instanceof NotAvailable ? e.message : `failed to start: ${e.message}`;
    log(`ours: ${reason}`);
    return { rows: [], notes: [`our origin is not available: ${reason}`], oursAvailable: false, oursUnavailableReason: reason, settings: { duration: ctx.duration } };
  }
  let client = s3Client({ endpoint: ours.url, credentials: ours.credentials });
  let p1 = null,
    g1 = null,
    big = null,
    capped = null,
    edge = null,
    edgeError = null;
  try {
    await createBucket(client, BUCKET);
    log(`PUT 1 MiB, ${PUT_WORKERS} workers, ${rounds} interleaved rounds of ${ctx.duration} (plain, SSE-S3)`);
    p1 = await put1m(ctx, ours, body, rounds);
    log(`GET 1 MiB, wrk -c${GET_CONNS}, ${rounds} interleaved rounds`);
    g1 = await get1m(ctx, ours, client, body, rounds);
    client.destroy();
    await ours.stop();

    log(`256 MiB: one SSE PUT on a fresh origin run with ${YOUNG_CAP_FLAG}`);
    capped = await cappedYoungPut(ctx, ours.dataDir, bigFile);

    // Fresh process on the same data directory, so VmHWM after the first PUT is that PUT's peak.
    log(`256 MiB: PUT ×${bigReps} and GET ×${bigReps} per kind (ABBA), our origin restarted fresh`);
    ours = await startOrigin(ctx, { dataDir: ours.dataDir, fresh: false });
    client = s3Client({ endpoint: ours.url, credentials: ours.credentials });
    await sleep(300);
    big = await big256(ctx, ours, client, bigFile, bigReps);

    log(`edge: 1 KiB hits over HTTPS vs HTTP (${rounds} interleaved rounds)`);
    try {
      edge = await tlsVsPlainEdgeHits(ctx, ours, client, rounds);
      notes.push(...(edge.notes ?? []));
    } catch (e) {
      edgeError = e instanceof NotAvailable ? e.message : `edge hits failed: ${e.message}`;
      log(edgeError);
    }
  } finally {
    client.destroy();
    await ours.stop();
    // The stored objects: gigabytes. Keep logs.
    if (ours.dataDir) rmSync(ours.dataDir, { recursive: true, force: true });
  }
  writeFileSync(join(rawDir, 'sse.json'), JSON.stringify({ put1m: p1, get1m: g1, big256: big, cappedYoung: capped, edge }, null, 2));

  const PEER = 'ours, plain (no SSE)';
  const ratioNote = (o) => (o ? `runs plain ${o.plain.runs.map((x) => f0(x.MiBps)).join(' / ')}, SSE ${o.sse.runs.map((x) => f0(x.MiBps)).join(' / ')} MiB/s` : '');
  const rows = [
    row({
      what: `PUT 1 MiB, SSE-S3 vs plain (${PUT_WORKERS} workers, signed UNSIGNED-PAYLOAD, median of ${rounds})`,
      peer: PEER,
      peerValue: p1?.plain.MiBps,
      ours: p1?.sse.MiBps,
      unit: 'MiB/s',
      note: p1 ? `${ratioNote(p1)}; p50 ${fmtMs(p1.plain.p50ms)} → ${fmtMs(p1.sse.p50ms)}; our origin ${p1.plain.oursCores} → ${p1.sse.oursCores} cores` : '',
    }),
    row({
      what: `GET 1 MiB, SSE-S3 vs plain (presigned, wrk -c${GET_CONNS}, median of ${rounds})`,
      peer: PEER,
      peerValue: g1?.plain.MiBps,
      ours: g1?.sse.MiBps,
      unit: 'MiB/s',
      note: g1
        ? `${ratioNote(g1)}; p99 ${fmtMs(g1.plain.p99ms)} → ${fmtMs(g1.sse.p99ms)}; our origin ${g1.plain.serverCores} → ${g1.sse.serverCores} cores, wrk ${g1.plain.wrkCores} → ${g1.sse.wrkCores}`
        : '',
    }),
    row({
      what: `PUT 256 MiB, SSE-S3 vs plain (streamed, one connection, median of ${bigReps})`,
      peer: PEER,
      peerValue: big?.put.plain.MiBps,
      ours: big?.put.sse.MiBps,
      unit: 'MiB/s',
      note: big ? `${ratioNote(big.put)}; our origin ${big.put.plain.oursCores} → ${big.put.sse.oursCores} cores` : '',
    }),
    row({
      what: `GET 256 MiB, SSE-S3 vs plain (presigned, one connection, median of ${bigReps})`,
      peer: PEER,
      peerValue: big?.get.plain.MiBps,
      ours: big?.get.sse.MiBps,
      unit: 'MiB/s',
      note: big ? `${ratioNote(big.get)}; our origin ${big.get.plain.oursCores} → ${big.get.sse.oursCores} cores` : '',
    }),
    ceilingRow({
      what: 'peak RSS of our origin during a 256 MiB SSE-S3 PUT (VmHWM, fresh process, first PUT)',
      ours: big?.peakHwmMiB ?? null,
      unit: 'MiB',
      max: 150,
      note: big
        ? `VmRSS after start-up ${f0(big.rssAfterStartMiB)} MiB; max sampled VmRSS (10 ms) during the SSE PUTs ${f0(big.put.sse.maxRssMiB)} MiB, the plain PUTs ${f0(big.put.plain.maxRssMiB)} MiB, the SSE GETs ${f0(big.get.sse.maxRssMiB)} MiB, the plain GETs ${f0(big.get.plain.maxRssMiB)} MiB${capped ? `; the same PUT on a fresh origin run with ${YOUNG_CAP_FLAG} (README, Memory): ${f0(capped.rssAfterStartMiB)} MiB after start-up, peak ${f0(capped.hwmMiB)} MiB` : ''}`
        : '',
    }),
  ];
  const httpsCell = edge?.https ? '' : (edge?.tlsReason ?? edge?.skipped ?? edgeError ?? EDGE_NO_TLS);
  rows.push(
    row({
      what: `edge hit GET 1 KiB over HTTPS vs plain HTTP (wrk -t1 -c64, keep-alive, median of ${rounds})`,
      peer: 'ours, plain HTTP',
      peerValue: edge?.http?.rps,
      ours: edge?.https?.rps ?? null,
      unit: 'req/s',
      note: edge?.https
        ? `p50 ${fmtMs(edge.http.p50ms)} → ${fmtMs(edge.https.p50ms)}, p99 ${fmtMs(edge.http.p99ms)} → ${fmtMs(edge.https.p99ms)}; edge ${edge.http.serverCores} → ${edge.https.serverCores} cores, wrk ${edge.http.wrkCores} → ${edge.https.wrkCores}`
        : httpsCell,
    }),
  );
  if (!edge?.https) notes.push(`Edge TLS (part 2): ${httpsCell}; the plain-HTTP hit figure was measured${edge?.http ? '' : ' (failed)'}.`);

  for (const [name, o] of [
    ['put1m', p1],
    ['get1m', g1],
  ])
    for (const kind of KINDS) {
      if (o?.[kind]?.errors) notes.push(`${name} ${kind}: ${o[kind].errors} errors (${o[kind].firstError})`);
      if (o?.[kind]?.ok === false) notes.push(`${name} ${kind}: ${o[kind].error ?? 'wrk errors / non-2xx'}`);
    }
  notes.push(
    `One origin (\`bucketfront origin --data DIR --no-access-log --website-port W\`, fs store): plain and SSE-S3 objects side by side in one bucket, the SSE ones PUT with \`x-amz-server-side-encryption: AES256\` (every PUT response and the first GET of each object checked for the header; both 256 MiB objects read back once and compared with the file by SHA-256)${big ? `; master key at <data>/keys/master.key ${big.masterKey ? 'present' : 'ABSENT'}` : ''}. Ratio = SSE / plain, so 1.00× means encryption costs nothing measurable.`,
    `The fs store fsyncs every object before answering a PUT (packages/object-store durable writes), so PUT figures include the virtual disk's flush; \`sync\` runs before each 256 MiB PUT. Runs interleaved: ${rounds} round${rounds === 1 ? '' : 's'} plain/SSE of ${ctx.duration} for the 1 MiB rows, ${bigReps} per kind in ABBA order for 256 MiB (SSE first, after a fresh start of the origin); medians reported, every run in latest.json.`,
    'The clients (Node for the 1 MiB PUTs, wrk, curl for 256 MiB) share the 2 cores with the origin; "cores" in the row notes are the CPU used by our origin (plain → SSE) during the runs, from /proc.',
  );
  const low = rows.slice(0, 4).filter((r) => r.ratio != null && r.ratio < 0.8);
  if (low.length)
    notes.push(
      `Below 0.8× of plain: ${low.map((r) => r.what.split(',')[0]).join('; ')}. \`BENCH_SSE_CPU_PROF=1 npm run bench -- sse\` runs the origin under node --cpu-prof (profiles in bench/.work/raw/sse/cpuprof/).`,
    );
  return {
    rows,
    notes,
    oursAvailable: true,
    settings: { duration: ctx.duration, rounds, bigReps, putWorkers: PUT_WORKERS, getConns: GET_CONNS, edgeWorkers: 2, edgeTls: !!edge?.https },
    raw: { put1m: p1, get1m: g1, big256: big, cappedYoung: capped, edge, edgeError },
  };
}
