#!/usr/bin/env node
// bucketfront benchmark harness: `npm run bench [-- origin|sse|website|edge|edge-cache|edge-functions|thumbnails|sync|notifications|versioning|cluster ...] [--quick]`
//
// Runs each selected mode (default: all but the opt-in `cluster`), peers and ours in the same run, merges the
// mode's result into bench/results/latest.json and regenerates bench/results/latest.md.
// Options (flags or env):
//   --duration=5s  | BENCH_DURATION   wrk / load-loop duration per measurement (default 5s)
//   --reps=1       | BENCH_REPS       wrk runs per cell; the median-rps run is reported (all in latest.json)
//   --quick        | BENCH_QUICK=1    2 s runs, 1 repetition of the 256 MiB PUT and of herd (harness debugging)
//   --no-save                          print results, do not touch bench/results/
//   BENCH_NO_SETUP=1                   do not run bench/setup.sh when tools are missing (it runs only as root)
//   BENCH_OURS=source                  run our servers from sources (tsx) instead of apps/cli/dist
//   BENCH_NO_BUILD=1                   skip the build (turbo --filter=bucketfront...) when apps/cli/dist exists

import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { log, stopAll, killAllNow, which, loadavg, run } from './lib/proc.mjs';
import { MODES, saveMode, machineInfo, renderMarkdown } from './lib/results.mjs';
import { WORK, BENCH, toolVersions, oursCli } from './lib/servers.mjs';
import { ensureFixtures } from './fixtures.mjs';
import { toMs } from './lib/wrk.mjs';

// The AWS SDK's "will require node >= 22" notice is not a benchmark finding: keep the log readable.
const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  if (/AWS SDK for JavaScript/.test(String(w?.message ?? w))) return;
  return emitWarning.call(process, w, ...rest);
};

const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const opt = (n) => argv.find((a) => a.startsWith(`--${n}=`))?.split('=')[1];
const selected = argv.filter((a) => !a.startsWith('--'));
for (const m of selected) {
  if (!MODES.includes(m)) {
    console.error(`unknown mode "${m}"; modes: ${MODES.join(', ')}`);
    process.exit(2);
  }
}
// Modes that run only when named: cluster boots a Ceph cluster (needs its packages, ~30 GiB of
// sparse files and ~0.5–1.5 GiB of memory for a few minutes).
const OPT_IN = new Set(['cluster']);
const modes = selected.length ? MODES.filter((m) => selected.includes(m)) : MODES.filter((m) => !OPT_IN.has(m));
const quick = flag('quick') || process.env.BENCH_QUICK === '1';
const duration = opt('duration') ?? process.env.BENCH_DURATION ?? (quick ? '2s' : '5s');
const reps = Math.max(1, Number(opt('reps') ?? process.env.BENCH_REPS ?? 1) || 1);
if (!toMs(duration)) {
  console.error(`bad duration ${duration} (use e.g. 5s)`);
  process.exit(2);
}

// Time budget per mode in seconds (a loaded machine is slower; BENCH_BUDGET_FACTOR scales it).
const MODE_BUDGET_S = { origin: 300, sse: 300, website: 240, edge: 240, 'edge-cache': 300, 'edge-functions': 180, thumbnails: 240, sync: 420, notifications: 240, versioning: 300, cluster: 420 };
const REQUIRED = {
  origin: ['wrk', 'dd'],
  sse: ['wrk', 'curl'],
  website: ['wrk', 'nginx', 'aws'],
  edge: ['wrk', 'nginx', 'varnishd'],
  'edge-cache': ['wrk', 'nginx', 'varnishd'],
  'edge-functions': ['wrk', 'nginx'],
  thumbnails: [],
  sync: ['aws'],
  notifications: [],
  versioning: [],
  cluster: ['wrk', 'ceph', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool'],
};
// What setup.sh does not install (the Ceph packages: docs/ceph-dev-cluster.md).
const NOT_FROM_SETUP = new Set(['ceph', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool']);
// Modes that run s3rver (bench/node_modules).
const NEEDS_S3RVER = new Set(['origin', 'website', 'sync']);

let stopping = false;
async function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: stopping every started process …`);
  await stopAll();
  process.exit(130);
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('exit', () => killAllNow());

const modeImpl = {
  origin: async () => (await import('./modes/origin.mjs')).runOrigin,
  sse: async () => (await import('./modes/sse.mjs')).runSse,
  versioning: async () => (await import('./modes/versioning.mjs')).runVersioning,
  website: async () => (await import('./modes/website.mjs')).runWebsite,
  edge: async () => (await import('./modes/edge.mjs')).runEdge,
  'edge-cache': async () => (await import('./modes/edge-cache.mjs')).runEdgeCache,
  'edge-functions': async () => (await import('./modes/edge-functions.mjs')).runEdgeFunctions,
  thumbnails: async () => (await import('./modes/thumbnails.mjs')).runThumbnails,
  sync: async () => (await import('./modes/sync.mjs')).runSync,
  cluster: async () => (await import('./modes/cluster.mjs')).runCluster,
  notifications: async () => (await import('./modes/notifications.mjs')).runNotifications,
};

async function main() {
  const t0 = Date.now();
  log(`modes: ${modes.join(', ')}; duration ${duration}, reps ${reps}${quick ? ' (quick)' : ''}; load ${loadavg()}`);
  // A fresh machine: install what is missing (apt tools, s3rver) through setup.sh when root.
  const missingAny = [];
  for (const m of modes) for (const b of REQUIRED[m]) if (!NOT_FROM_SETUP.has(b) && !(await which(b)) && !missingAny.includes(b)) missingAny.push(b);
  const s3rverMissing = modes.some((m) => NEEDS_S3RVER.has(m)) && !existsSync(join(BENCH, 'node_modules', 's3rver', 'package.json'));
  if ((missingAny.length || s3rverMissing) && process.getuid?.() === 0 && process.env.BENCH_NO_SETUP !== '1') {
    log(`missing: ${[...missingAny, ...(s3rverMissing ? ['s3rver (npm)'] : [])].join(', ')}: running bench/setup.sh`);
    const r = await run('bash', [join(BENCH, 'setup.sh')], { timeoutMs: 600000 });
    log(r.code === 0 ? (r.stdout.trim().split('\n').pop() ?? 'setup ok') : `setup.sh failed (exit ${r.code}): ${(r.stderr || r.stdout).slice(-800)}`);
  }
  const fixtures = ensureFixtures(WORK, { log });
  const versions = await toolVersions();
  const cli = await oursCli();
  log(`bucketfront CLI: ${cli.ok ? `ok (${[...cli.commands].join(', ')})` : `not available: ${cli.reason}`}`);
  let failed = 0;
  for (const mode of modes) {
    const missing = [];
    for (const b of REQUIRED[mode]) if (!(await which(b))) missing.push(b);
    const startedAt = new Date().toISOString();
    const ms0 = Date.now();
    const rawDir = join(WORK, 'raw', mode);
    const logs = join(WORK, 'logs', mode);
    rmSync(rawDir, { recursive: true, force: true });
    rmSync(logs, { recursive: true, force: true });
    mkdirSync(rawDir, { recursive: true });
    mkdirSync(logs, { recursive: true });
    const machine = machineInfo(versions);
    let result;
    if (missing.length) {
      const how = missing.some((b) => NOT_FROM_SETUP.has(b)) ? 'install the Ceph packages: see docs/ceph-dev-cluster.md' : 'run bash bench/setup.sh';
      log(`${mode}: missing ${missing.join(', ')}: ${how}`);
      result = { rows: [], notes: [`not run: missing ${missing.join(', ')} (${how})`], error: `missing ${missing.join(', ')}` };
      failed++;
    } else {
      log(`=== ${mode} ===`);
      try {
        const fn = await modeImpl[mode]();
        // Watchdog: a mode that overruns its budget has its processes stopped (so whatever it
        // waits on fails fast) and is reported as failed.
        let timer;
        const budgetMs = (MODE_BUDGET_S[mode] + (quick ? 0 : 3 * 30)) * 1000 * Number(process.env.BENCH_BUDGET_FACTOR ?? 1);
        const watchdog = new Promise((_, reject) => {
          timer = setTimeout(() => {
            stopAll();
            reject(new Error(`${mode} overran its ${Math.round(budgetMs / 1000)} s budget`));
          }, budgetMs);
        });
        try {
          result = await Promise.race([fn({ mode, duration, durationMs: toMs(duration), quick, rawDir, logs, fixtures, reps, bigReps: quick ? 1 : 5, herdRuns: quick ? 1 : 2 }), watchdog]);
        } finally {
          clearTimeout(timer);
        }
      } catch (e) {
        log(`${mode} failed: ${e.stack ?? e}`);
        result = { rows: [], notes: [`mode failed: ${e.message}`], error: String(e.stack ?? e) };
        failed++;
      } finally {
        await stopAll();
      }
    }
    const full = { mode, startedAt, finishedAt: new Date().toISOString(), wallSec: Math.round((Date.now() - ms0) / 1000), machine, ...result };
    full.settings = { ...(result.settings ?? {}), ...(quick ? { quick: true } : {}) };
    full.loadavgAtEnd = loadavg();
    if (flag('no-save')) console.log(renderMarkdown({ generatedAt: new Date().toISOString(), modes: { [mode]: full } }));
    else {
      const all = saveMode(full);
      console.log(renderMarkdown({ generatedAt: all.generatedAt, modes: { [mode]: full } }));
    }
  }
  log(`done in ${Math.round((Date.now() - t0) / 1000)} s${flag('no-save') ? '' : '; results in bench/results/latest.{json,md}'}`);
  return failed;
}

main().then(
  (failed) => process.exit(failed ? 1 : 0),
  async (e) => {
    log(`fatal: ${e.stack ?? e}`);
    await stopAll();
    process.exit(1);
  },
);
