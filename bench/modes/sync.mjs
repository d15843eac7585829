// sync: the 5,000-file bigdeploy/ synced to OUR origin by `aws s3 sync` and by
// `bucketfront sync`, in one run: first upload (a fresh bucket each), no-change re-sync,
// and re-sync after `touch`ing every file. Wall time of each process, files uploaded
// (the tool's `upload:` lines, cross-checked with PUTs counted in the origin's access log).
// Until our origin exists, the aws side runs against s3rver so the harness is exercised.

import { readFileSync, writeFileSync, statSync, utimesSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { log, run, sleep, loadavg } from '../lib/proc.mjs';
import { row } from '../lib/results.mjs';
import { startOursOrigin, startS3rver, oursCli, oursHas, oursEnv, aws, NotAvailable, ROOT, WORK } from '../lib/servers.mjs';
import { resetMtimes } from '../fixtures.mjs';

function touchAll(dir, when) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += touchAll(p, when);
    else if (e.isFile()) {
      utimesSync(p, when, when);
      n++;
    }
  }
  return n;
}

/** PUT requests for `bucket` logged by the server since byte offset `from` (JSON or text lines). */
function countPuts(logFile, from, bucket) {
  if (!logFile) return null;
  const text = readFileSync(logFile)
    .subarray(from)
    .toString('utf8')
    .replace(/\x1b\[[0-9;]*m/g, '');
  let n = 0,
    seen = 0;
  for (const l of text.split('\n')) {
    if (!l.includes(bucket)) continue;
    seen++;
    if (/"method"\s*:\s*"PUT"/.test(l) || /(^|[\s":])PUT\s/.test(l)) n++;
  }
  return seen ? n : null; // null: this log format says nothing about the bucket
}
const logSize = (f) => {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
};

function uploadsOf(out) {
  const lines = (out.match(/^\s*upload:/gm) ?? []).length;
  if (lines) return lines;
  const m = out.match(/(\d+)\s+(?:files?\s+)?uploaded|uploaded\s+(\d+)/i);
  return m ? Number(m[1] ?? m[2]) : 0;
}

export async function runSync(ctx) {
  const { rawDir, logs, fixtures } = ctx;
  const dir = fixtures.bigdeploy;
  const notes = [];
  const raw = {};
  let server,
    serverName,
    oursReason = '',
    oursSync = false;
  try {
    server = await startOursOrigin({ logs });
    serverName = 'ours';
    const has = await oursHas('sync');
    oursSync = has.ok;
    if (!has.ok) oursReason = has.reason;
  } catch (e) {
    oursReason = e instanceof NotAvailable ? e.message : `ours origin: ${e.message}`;
    log(`${oursReason}; running the aws side against s3rver instead`);
    server = await startS3rver({ logs, silent: false });
    serverName = 's3rver (fallback: our origin not available)';
    notes.push(`Our origin was not available (${oursReason}); the aws s3 sync figures are against s3rver.`);
  }
  const creds = server.credentials;
  const stamp = Date.now().toString(36);
  const bAws = `bench-aws-${stamp}`,
    bOurs = `bench-bf-${stamp}`;
  const o = { creds, endpoint: server.url };
  for (const b of [bAws, bOurs]) {
    const r = await aws(['s3', 'mb', `s3://${b}`], o);
    if (r.code !== 0) throw new Error(`aws s3 mb ${b}: ${r.stderr.slice(0, 300)}`);
  }
  const logFile = serverName === 'ours' ? server.logFile : join(logs, 's3rver.out');
  const cli = await oursCli();
  // bucketfront sync keeps a local hash cache: start it empty so the first upload is cold.
  const hashCache = join(WORK, 'run', 'bf-hash-cache');
  rmSync(hashCache, { recursive: true, force: true });

  const awsSync = async (phase) => {
    const off = logSize(logFile);
    const r = await aws(['s3', 'sync', dir, `s3://${bAws}`, '--no-progress'], { ...o, timeoutMs: 300000 });
    saveRaw(`aws-${phase}`, `aws s3 sync ${dir} s3://${bAws} --no-progress --endpoint-url ${server.url}`, r);
    await sleep(200);
    const res = { ms: Math.round(r.ms), code: r.code, uploads: uploadsOf(r.stdout), puts: countPuts(logFile, off, bAws), err: r.code ? r.stderr.slice(-400) : undefined };
    require_ok(res, `aws s3 sync (${phase})`);
    log(`aws s3 sync ${phase}: ${(res.ms / 1000).toFixed(2)} s, ${res.uploads} upload lines, ${res.puts} PUTs logged${res.code ? `, exit ${res.code}` : ''}`);
    return res;
  };
  const oursSyncRun = async (phase) => {
    if (!oursSync) return null;
    const off = logSize(logFile);
    const r = await run(cli.cmd, [...cli.args, 'sync', dir, `s3://${bOurs}`, '--endpoint-url', server.url], { env: { ...oursEnv(), BUCKETFRONT_CACHE_DIR: hashCache }, cwd: ROOT, timeoutMs: 300000 });
    saveRaw(`bucketfront-${phase}`, `bucketfront sync ${dir} s3://${bOurs} --endpoint-url ${server.url}`, r);
    await sleep(200);
    const res = {
      ms: Math.round(r.ms),
      code: r.code,
      uploads: uploadsOf(r.stdout + r.stderr),
      puts: countPuts(logFile, off, bOurs),
      err: r.code ? (r.stderr || r.stdout).slice(-400) : undefined,
      tail: (r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | '),
    };
    require_ok(res, `bucketfront sync (${phase})`);
    log(`bucketfront sync ${phase}: ${(res.ms / 1000).toFixed(2)} s, ${res.uploads} uploads reported, ${res.puts} PUTs logged${res.code ? `, exit ${res.code}` : ''} (${res.tail.slice(0, 200)})`);
    return res;
  };
  function saveRaw(name, cmd, r) {
    writeFileSync(
      join(rawDir, `${name.replace(/\W+/g, '-')}.txt`),
      `# ${new Date().toISOString()} loadavg ${loadavg()}\n# ${cmd}\n# exit ${r.code}, ${Math.round(r.ms)} ms\n${r.stdout}\n# stderr:\n${r.stderr}`,
    );
  }
  function require_ok(res, what) {
    if (res.code !== 0) notes.push(`${what} exited ${res.code}: ${res.err}`);
  }

  try {
    raw.first = { aws: await awsSync('first upload'), ours: await oursSyncRun('first upload') };
    raw.nochange = { aws: await awsSync('no change'), ours: await oursSyncRun('no change') };
    await sleep(1100); // mtimes strictly after the uploads' LastModified (second granularity)
    const n = touchAll(dir, new Date());
    log(`touched ${n} files`);
    raw.touched = { aws: await awsSync('after touch'), ours: await oursSyncRun('after touch') };
  } finally {
    resetMtimes(dir);
  }
  const files = (r) => (r == null ? null : (r.puts ?? r.uploads));
  const sec = (r) => (r && r.code === 0 ? r.ms / 1000 : null);
  const rows = [
    row({
      what: 'first upload, 5,000 files (fresh bucket): wall time',
      peer: 'aws s3 sync',
      peerValue: sec(raw.first.aws),
      ours: sec(raw.first.ours),
      unit: 's',
      better: 'lower',
      target: '≥ 2× faster',
      check: (r) => (r.ratio == null ? null : r.ratio >= 2),
    }),
    row({
      what: 'first upload: files uploaded',
      peer: 'aws s3 sync',
      peerValue: files(raw.first.aws),
      ours: files(raw.first.ours),
      unit: 'files',
      better: 'none',
      target: '5,000 each',
      check: (r) => (r.ours == null ? null : r.ours === 5000 && r.peerValue === 5000),
    }),
    row({
      what: 'no-change re-sync: wall time',
      peer: 'aws s3 sync',
      peerValue: sec(raw.nochange.aws),
      ours: sec(raw.nochange.ours),
      unit: 's',
      better: 'lower',
      target: '≥ 3× faster',
      check: (r) => (r.ratio == null ? null : r.ratio >= 3),
    }),
    row({
      what: 'no-change re-sync: files uploaded',
      peer: 'aws s3 sync',
      peerValue: files(raw.nochange.aws),
      ours: files(raw.nochange.ours),
      unit: 'files',
      better: 'none',
      target: '0',
      check: (r) => (r.ours == null ? null : r.ours === 0),
    }),
    row({ what: 'after `touch` of every file: wall time', peer: 'aws s3 sync', peerValue: sec(raw.touched.aws), ours: sec(raw.touched.ours), unit: 's', better: 'lower' }),
    row({
      what: 'after `touch` of every file: files uploaded',
      peer: 'aws s3 sync',
      peerValue: files(raw.touched.aws),
      ours: files(raw.touched.ours),
      unit: 'files',
      better: 'none',
      target: 'ours 0 (aws re-uploads all)',
      check: (r) => (r.ours == null ? null : r.ours === 0),
    }),
  ];
  for (const r of rows) r.ratio = r.ratio === Infinity ? null : r.ratio;
  notes.push(
    `Files uploaded = PUT requests for the bucket counted in the ${serverName === 'ours' ? 'origin' : 's3rver'} log during the run (falls back to the tool's \`upload:\` lines); both are in latest.json.`,
  );
  notes.push('bucketfront sync runs with an empty hash cache (BUCKETFRONT_CACHE_DIR) before its first upload; the re-syncs use what it cached in this run.');
  notes.push(
    'aws CLI v1 config: max_concurrent_requests=10, multipart_threshold=8MB (the defaults, written out in bench/config/aws-config). Fixture mtimes are fixed to 2024-01-01 and reset after the touch test.',
  );
  notes.push('Reference (bench/README.md#peer-reference-figures, quiet machine, against s3rver): aws s3 sync bigdeploy/ first upload 18.7–19.0 s, no change 1.5–2.1 s.');
  return {
    rows,
    notes,
    oursAvailable: oursSync,
    oursUnavailableReason: oursSync ? undefined : oursReason,
    settings: { files: 5000, target: serverName },
    raw,
  };
}
