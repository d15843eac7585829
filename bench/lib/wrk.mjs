// wrk runner + parser. Raw output (with timestamp, load average and the exact
// command) is kept under bench/.work/raw/<mode>/<label>.txt.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, loadavg, log, cpuSeconds } from './proc.mjs';

const UNIT = { us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };
export function toMs(s) {
  const m = String(s)
    .trim()
    .match(/^([\d.]+)(us|ms|s|m|h)$/);
  return m ? Number(m[1]) * UNIT[m[2]] : null;
}
const BYTES = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
export function toBytes(s) {
  const m = String(s)
    .trim()
    .match(/^([\d.]+)(B|KB|MB|GB|TB)$/);
  return m ? Number(m[1]) * BYTES[m[2]] : null;
}

export function parseWrk(out) {
  const r = { rps: null, p50ms: null, p75ms: null, p90ms: null, p99ms: null, avgms: null, maxms: null, requests: null, bytesPerSec: null, errors: 0, non2xx: 0 };
  let m;
  if ((m = out.match(/Requests\/sec:\s+([\d.]+)/))) r.rps = Number(m[1]);
  if ((m = out.match(/Transfer\/sec:\s+([\d.]+\w+)/))) r.bytesPerSec = toBytes(m[1]);
  if ((m = out.match(/(\d+) requests in ([\d.]+\w+), ([\d.]+\w+) read/))) {
    r.requests = Number(m[1]);
    r.durationMs = toMs(m[2]);
    r.bytesRead = toBytes(m[3]);
  }
  if ((m = out.match(/Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)/))) {
    r.avgms = toMs(m[1]);
    r.maxms = toMs(m[3]);
  }
  for (const [k, p] of [
    ['p50ms', '50'],
    ['p75ms', '75'],
    ['p90ms', '90'],
    ['p99ms', '99'],
  ]) {
    if ((m = out.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+\\w+)`, 'm')))) r[k] = toMs(m[1]);
  }
  if ((m = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/))) r.errors = m.slice(1, 5).reduce((a, b) => a + Number(b), 0);
  if ((m = out.match(/Non-2xx or 3xx responses: (\d+)/))) r.non2xx = Number(m[1]);
  return r;
}

/**
 * Run wrk. opts: {url, threads=1, conns=64, duration='5s', headers={}, script, label, rawDir, timeoutSec}
 * Returns parsed figures plus {cmd, raw}.
 */
export async function wrk({ url, threads = 1, conns = 64, duration = '5s', headers = {}, script, label, rawDir, scriptArgs = [], pid }) {
  const args = [`-t${threads}`, `-c${conns}`, `-d${duration}`, '--latency', '--timeout', '10s'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  if (script) args.push('-s', script);
  args.push(url);
  if (scriptArgs.length) args.push('--', ...scriptArgs);
  const cmd = ['wrk', ...args.map((a) => (/[\s'"&?;]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a))].join(' ');
  const before = loadavg();
  const durS = toMs(duration) / 1000 || 5;
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  // Through sh so the shell's reaped-children CPU (cutime + cstime, /proc/$$/stat fields 16, 17) gives wrk's own CPU.
  const res = await run('sh', ['-c', 'wrk "$@"; rc=$?; echo "@@WRKCPU $(cut -d" " -f16,17 /proc/$$/stat)"; exit $rc', 'sh', ...args], { timeoutMs: (durS + 30) * 1000 });
  let wrkCores = null;
  res.stdout = res.stdout.replace(/@@WRKCPU (\d+) (\d+)\n?/, (_, u, sy) => {
    wrkCores = Math.round(((Number(u) + Number(sy)) / 100 / (res.ms / 1000)) * 100) / 100;
    return '';
  });
  // Cores used by the server's process tree over the run (wrk's own start-up is ~ms).
  const serverCores = pid ? Math.round(((cpuSeconds(pid) - cpu0) / (res.ms / 1000)) * 100) / 100 : null;
  const raw = `# ${new Date().toISOString()}  loadavg before: ${before}  after: ${loadavg()}${pid ? `  server cores: ${serverCores}` : ''}  wrk cores: ${wrkCores}\n# ${cmd}\n${res.stdout}${res.stderr ? `\n# stderr:\n${res.stderr}` : ''}`;
  if (rawDir && label) {
    mkdirSync(rawDir, { recursive: true });
    writeFileSync(join(rawDir, `${label.replace(/[^\w.-]+/g, '_')}.txt`), raw);
  }
  const parsed = parseWrk(res.stdout);
  // Lines a script's done() prints with an @@ prefix (e.g. lib/zipf.lua's @@ZIPF …).
  const scriptLines = res.stdout.split('\n').filter((l) => l.startsWith('@@'));
  if (scriptLines.length) parsed.scriptLines = scriptLines;
  if (res.code !== 0 || parsed.rps === null) {
    log(`wrk ${label} failed (exit ${res.code}): ${res.stderr.slice(0, 300)}`);
    return { ...parsed, ok: false, cmd, error: (res.stderr || res.stdout).slice(0, 500) };
  }
  return { ...parsed, ok: parsed.errors === 0 && parsed.non2xx === 0, cmd, serverCores, wrkCores };
}

/** Short human summary of a wrk result. */
export function fmtWrk(r) {
  if (!r || r.rps == null) return 'n/a';
  return `${Math.round(r.rps).toLocaleString('en-US')} rps, p50 ${fmtMs(r.p50ms)}, p99 ${fmtMs(r.p99ms)}${r.errors ? `, ${r.errors} socket errors` : ''}${r.non2xx ? `, ${r.non2xx} non-2xx` : ''}${r.serverCores != null ? `, server ${r.serverCores} cores` : ''}${r.wrkCores != null ? `, wrk ${r.wrkCores}` : ''}`;
}
export function fmtMs(ms) {
  if (ms == null) return 'n/a';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/**
 * wrk `reps` times back to back (labels -r1, -r2, …); returns the run with the median rps,
 * plus `runs` (every run's rps and p99). reps = 1 is a plain wrk().
 */
export async function wrkMedian(opts, reps = 1) {
  if (reps <= 1) return wrk(opts);
  const runs = [];
  for (let i = 1; i <= reps; i++) runs.push(await wrk({ ...opts, label: `${opts.label}-r${i}` }));
  const ok = runs.filter((r) => r.rps != null).sort((a, b) => a.rps - b.rps);
  const med = ok.length ? ok[Math.floor((ok.length - 1) / 2)] : runs[0];
  return { ...med, ok: runs.every((r) => r.ok), runs: runs.map((r) => ({ rps: r.rps, p99ms: r.p99ms, serverCores: r.serverCores, wrkCores: r.wrkCores })) };
}
