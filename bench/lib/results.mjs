// Results: bench/results/latest.json (merged per mode) and latest.md (regenerated).
//
// A mode's result: { mode, startedAt, finishedAt, wallSec, settings, machine, rows, raw, notes }
// A row: { what, peer, peerValue, ours, unit, better: 'higher'|'lower'|'none', ratio, target, met, note }
//   ratio is always "how many times better ours is than the peer":
//   ours/peer when higher is better (throughput), peer/ours when lower is better (time, latency).
//   null when either side is missing. `met` is true/false, or null when it cannot be judged.

import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = join(here, '..', 'results');
export const MODES = ['origin', 'sse', 'website', 'edge', 'edge-cache', 'edge-functions', 'thumbnails', 'sync', 'notifications', 'versioning', 'cluster'];

export function ratio(ours, peer, better = 'higher') {
  if (better === 'none') return null;
  if (ours == null || peer == null || !Number.isFinite(ours) || !Number.isFinite(peer) || ours === 0 || peer === 0) return null;
  return better === 'higher' ? ours / peer : peer / ours;
}

/** Build a row; `check(row)` returns met (true/false/null). */
export function row({ what, peer = null, peerValue = null, ours = null, unit = '', better = 'higher', target = '', check, note = '' }) {
  const r = { what, peer, peerValue: num(peerValue), ours: num(ours), unit, better, ratio: null, target, met: null, note };
  r.ratio = peer ? ratio(r.ours, r.peerValue, better) : null;
  if (r.ratio != null) r.ratio = Math.round(r.ratio * 1000) / 1000;
  try {
    r.met = check ? check(r) : null;
  } catch {
    r.met = null;
  }
  if (r.met !== true && r.met !== false) r.met = null;
  return r;
}
/** `check` for a row whose target is a ratio of at least `min` (null when there is no ratio). */
export const ratioAtLeast = (min) => (r) => (r.ratio == null ? null : r.ratio >= min);

/** The metric `f` of the wrk run `${id}.${o}` in `res`, or null when it failed or is missing. */
export function runValue(res, id, o, f) {
  const r = res[`${id}.${o}`];
  return r && r.ok !== false ? r[f] : null;
}

/** A row comparing ours with peer `id` on object `o` by `f` ('rps', or 'p99ms': lower is better); `fields` add what, peer, target... */
export function wrkRow(res, id, o, f, fields) {
  const unit = f === 'p99ms' ? { unit: 'ms', better: 'lower' } : { unit: 'req/s' };
  return row({ peerValue: runValue(res, id, o, f), ours: runValue(res, 'ours', o, f), ...unit, ...fields });
}

/** A row for a figure of ours alone that must stay under `max` `unit`; `value` (default: the row's ours) is what is checked. */
export function ceilingRow({ what, ours, unit, max, value, note = '' }) {
  return row({ what, peer: null, ours, unit, better: 'lower', target: `< ${max} ${unit}`, check: (r) => (r.ours == null ? null : (value ?? r.ours) < max), note });
}

/** The notes on the wrk runs of a mode: the rps of each run (when there were several) and the CPU used. */
export function runNotes(res, reps) {
  const cpu = `CPU during each run in cores, server process tree / wrk (2 cores in all): ${Object.entries(res)
    .filter(([, r]) => r?.serverCores != null)
    .map(([k, r]) => `${k} ${r.serverCores} / ${r.wrkCores ?? '?'}`)
    .join(', ')}.`;
  if (reps <= 1) return [cpu];
  const rps = `rps of every run (the median is in the table): ${Object.entries(res)
    .filter(([, r]) => r?.runs)
    .map(([k, r]) => `${k} ${r.runs.map((x) => Math.round(x.rps ?? 0)).join(' / ')}`)
    .join('; ')}.`;
  return [rps, cpu];
}

function num(v) {
  return v == null || !Number.isFinite(Number(v)) ? null : Math.round(Number(v) * 1000) / 1000;
}

export function machineInfo(versions = {}) {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? '?',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    loadavgAtStart: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    ...versions,
  };
}

export function loadResults() {
  const f = join(RESULTS_DIR, 'latest.json');
  if (!existsSync(f)) return { generatedAt: null, modes: {} };
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return { generatedAt: null, modes: {} };
  }
}

export function saveMode(result) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const all = loadResults();
  all.generatedAt = new Date().toISOString();
  all.modes = all.modes ?? {};
  all.modes[result.mode] = result;
  writeFileSync(join(RESULTS_DIR, 'latest.json'), JSON.stringify(all, null, 2) + '\n');
  writeFileSync(join(RESULTS_DIR, 'latest.md'), renderMarkdown(all));
  return all;
}

function fmt(v, unit) {
  if (v == null) return 'n/a';
  const abs = Math.abs(v);
  const s = Number.isInteger(v) ? v.toLocaleString('en-US') : abs >= 1000 ? Math.round(v).toLocaleString('en-US') : abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : v.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

const TITLES = {
  origin: 'origin: S3 API PUT/GET vs s3rver (signed requests), 256 MiB PUT vs dd',
  versioning: 'versioning: PUT throughput into a versioned bucket, and one replicating to a second origin, vs a never-versioned one; replication lag',
  sse: 'sse: our origin with SSE-S3 encryption at rest vs plaintext (PUT/GET 1 MiB and 256 MiB, peak RSS); edge hits over HTTPS vs HTTP',
  website: 'website: website-endpoint GET vs nginx static and s3rver website',
  edge: 'edge: cache hits, thundering herd, invalidation vs nginx proxy_cache and Varnish',
  'edge-cache': 'edge-cache: the host cache tier (Zipf workload, memory- and shared-tier hits, restart after SIGKILL) vs nginx proxy_cache and Varnish',
  'edge-functions': 'edge-functions: cache hits with a CloudFront Function (trivial, key value store lookup) vs none, and a function at its CPU limit',
  sync: 'sync: 5,000-file bigdeploy/ to our origin, bucketfront sync vs aws s3 sync',
  cluster: 'cluster: our origin over Ceph (s3 store driver) vs radosgw itself; edge hits with the backend up and down',
};

export function renderMarkdown(all) {
  const out = [];
  out.push('# bucketfront benchmark results', '');
  out.push(`Generated ${all.generatedAt}. Each mode ran its peers and bucketfront in the same run on the same machine;`);
  out.push('**ratio** = how many times better ours is (ours/peer for throughput, peer/ours for times and latencies), so > 1 means ours is better.');
  out.push('Raw figures are in `latest.json`; raw wrk/tool output of the last run is under `bench/.work/raw/<mode>/`.', '');
  for (const mode of MODES) {
    const r = all.modes?.[mode];
    if (!r) continue;
    out.push(`## ${TITLES[mode] ?? mode}`, '');
    const m = r.machine ?? {};
    out.push(
      `Run ${r.startedAt} → ${r.finishedAt} (${r.wallSec ?? '?'} s). Machine: ${m.cpus ?? '?'}× ${m.cpuModel ?? '?'}, ${m.memGiB ?? '?'} GiB, kernel ${m.kernel ?? '?'}, Node ${m.node ?? '?'}; load average at start ${m.loadavgAtStart ?? '?'}.`,
    );
    if (r.settings)
      out.push(
        `Settings: ${Object.entries(r.settings)
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(', ')}.`,
      );
    const load1 = Number(String(m.loadavgAtStart ?? '').split(' ')[0]);
    if (load1 > (m.cpus ?? 2) * 0.75)
      out.push(`**Noisy run:** the 1-minute load average was ${load1} on ${m.cpus ?? '?'} cores when this mode started: other work shared the CPUs, so treat figures and ratios as rough.`);
    if (r.settings?.quick) out.push('**Quick run** (`--quick`: short measurements, fewer repetitions): for checking the harness, not for judging targets.');
    if (r.oursAvailable === false) out.push(`**bucketfront not available in this run:** ${r.oursUnavailableReason ?? ''}`);
    out.push('');
    out.push('| what | peer | peer figure | ours | ratio | target | met? |');
    out.push('|---|---|---|---|---|---|---|');
    for (const x of r.rows ?? []) {
      const met = x.met === true ? 'yes' : x.met === false ? '**NO**' : '–';
      const ratioS = x.ratio == null ? '–' : `${x.ratio.toFixed(x.ratio >= 10 ? 1 : 2)}×`;
      out.push(
        `| ${x.what}${x.note ? ` <br><sub>${x.note}</sub>` : ''} | ${x.peer ?? '–'} | ${x.peer ? fmt(x.peerValue, x.unit) : '–'} | ${fmt(x.ours, x.unit)} | ${ratioS} | ${x.target || '–'} | ${met} |`,
      );
    }
    if (r.notes?.length) {
      out.push('');
      for (const n of r.notes) out.push(`- ${n}`);
    }
    out.push('');
  }
  return out.join('\n');
}

// `node bench/lib/results.mjs` re-renders latest.md from latest.json.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(join(RESULTS_DIR, 'latest.md'), renderMarkdown(loadResults()));
  console.log(`wrote ${join(RESULTS_DIR, 'latest.md')}`);
}
