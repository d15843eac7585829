// S3 measurements shared by the origin and cluster modes: SDK PutObject load loops, wrk on
// presigned GET URLs (one hot object, or many in a cycle), and streaming 256 MiB PUTs to presigned URLs with the server's RSS sampled.

import { existsSync, statSync, openSync, writeSync, closeSync, fsyncSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { run, log, withRssSampling, cpuMeter } from './proc.mjs';
import { wrk, wrkMedian, fmtWrk } from './wrk.mjs';
import { WORK } from './servers.mjs';
import { putObject, presign, loadLoop, putFileToUrl, httpGet } from './s3.mjs';

export const MiB = 1024 * 1024;

/** bench/.work/obj-256MiB.bin (random, each MiB numbered), made once. */
export function ensureBigFile() {
  const f = join(WORK, 'obj-256MiB.bin');
  if (existsSync(f) && statSync(f).size === 256 * MiB) return f;
  const block = randomBytes(MiB);
  const fd = openSync(f, 'w');
  for (let i = 0; i < 256; i++) {
    block.writeUInt32LE(i, 0);
    writeSync(fd, block);
  }
  fsyncSync(fd);
  closeSync(fd);
  return f;
}

/**
 * SDK PutObject load: for each [name, body, workers], `workers` loops of PutObject to distinct keys
 * `name/wW-S` for `durationMs`. Returns { [name]: loadLoop figures + MBps (+ cpu: cores per
 * `cpuPids` entry) }. `warmupMs`: an untimed run of that length first (keys `name-warmup/…`), its
 * figures kept as `.warmup`.
 */
export async function measurePuts({ label, client, bucket, durationMs, puts, cpuPids = {}, warmupMs = 0 }) {
  const out = {};
  for (const [name, body, conc] of puts) {
    let warmup;
    if (warmupMs) {
      const w = await loadLoop({ concurrency: conc, durationMs: warmupMs, op: (i, s) => putObject(client, bucket, `${name}-warmup/w${i}-${s}`, body) });
      warmup = { opsPerSec: w.opsPerSec, p50ms: w.p50ms, p99ms: w.p99ms, errors: w.errors };
      log(`${label}: ${name} warm-up (untimed): ${w.opsPerSec.toFixed(0)} ops/s, p50 ${w.p50ms?.toFixed(1) ?? '?'} ms, p99 ${w.p99ms?.toFixed(1) ?? '?'} ms`);
    }
    log(`${label}: ${name} (SDK PutObject, ${conc} workers, ${durationMs} ms)`);
    const cpu = cpuMeter(cpuPids);
    out[name] = await loadLoop({ concurrency: conc, durationMs, op: (w, s) => putObject(client, bucket, `${name}/w${w}-${s}`, body) });
    out[name].cpu = cpu.stop();
    out[name].MBps = (out[name].opsPerSec * body.length) / 1e6;
    if (warmup) out[name].warmup = warmup;
    log(
      `${label}: ${name}: ${out[name].opsPerSec.toFixed(0)} ops/s, p50 ${out[name].p50ms?.toFixed(2) ?? '?'} ms, ${out[name].errors} errors${out[name].firstError ? ` (${out[name].firstError})` : ''}${Object.keys(out[name].cpu).length ? `; cores ${JSON.stringify(out[name].cpu)}` : ''}`,
    );
  }
  return out;
}

/**
 * wrk on presigned GET URLs: for each [name, key, body, conns], the object is stored first
 * (PutObject), its presigned URL fetched once and the body checked, then `wrk -c<conns>` (median
 * of ctx.reps runs). Returns { [name]: wrk figures + MBps (+ cpu) } or { ok: false, error }.
 * `warmup` (e.g. '5s'): an untimed wrk run of that length first, its figures kept as `.warmup`.
 */
export async function measureGets({ label, client, bucket, ctx, gets, pid, cpuPids = {}, warmup }) {
  const out = {};
  for (const [, key, body] of gets) await putObject(client, bucket, key, body);
  for (const [name, key, body, conns] of gets) {
    const url = await presign(client, 'GET', bucket, key);
    const chk = await httpGet(url);
    if (chk.status !== 200 || !chk.body.equals(body)) {
      out[name] = {
        ok: false,
        error: `presigned GET check: HTTP ${chk.status}, ${chk.body.length} bytes${chk.body.length === body.length ? ' (body differs)' : ''}: ${chk.status === 200 ? '' : chk.body.toString('utf8', 0, 200)}`,
      };
      log(`${label}: ${name}: ${out[name].error}`);
      continue;
    }
    let w;
    if (warmup) {
      w = await wrk({ url, conns, duration: warmup, label: `${label}-${name}-warmup`, rawDir: ctx.rawDir, pid });
      log(`${label}: ${name} warm-up (untimed): ${fmtWrk(w)}`);
    }
    const cpu = cpuMeter(cpuPids);
    out[name] = await wrkMedian({ url, conns, duration: ctx.duration, label: `${label}-${name}`, rawDir: ctx.rawDir, pid }, ctx.reps);
    out[name].cpu = cpu.stop();
    if (w) out[name].warmup = { rps: w.rps, p50ms: w.p50ms, p99ms: w.p99ms, maxms: w.maxms, errors: w.errors, non2xx: w.non2xx };
    out[name].MBps = (out[name].rps * body.length) / 1e6;
    log(`${label}: ${name}: ${fmtWrk(out[name])}${Object.keys(out[name].cpu).length ? `; cores ${JSON.stringify(out[name].cpu)}` : ''}`);
  }
  return out;
}

/**
 * wrk GETs cycling over `count` objects of `body` (keys `${prefix}/NNNN`), each read once per
 * round through presigned URLs (lib/cycle.lua): more objects than a cache holds, read in order,
 * so every read misses an LRU. One object's URL is checked first. Returns the wrk figures + MBps
 * (+ cpu), or { ok: false, error }. `warmup`: an untimed run of that length first.
 */
export async function measureCycledGets({ label, name, client, bucket, ctx, prefix, count, body, conns, pid, cpuPids = {}, warmup }) {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}/${String(i).padStart(4, '0')}`);
  for (let i = 0; i < keys.length; i += 8) await Promise.all(keys.slice(i, i + 8).map((k) => putObject(client, bucket, k, body)));
  const urls = await Promise.all(keys.map((k) => presign(client, 'GET', bucket, k)));
  const chk = await httpGet(urls[0]);
  if (chk.status !== 200 || !chk.body.equals(body)) return { ok: false, error: `presigned GET check: HTTP ${chk.status}, ${chk.body.length} bytes` };
  mkdirSync(ctx.rawDir, { recursive: true });
  const list = join(ctx.rawDir, `${label}-${name}-targets.txt`);
  writeFileSync(
    list,
    urls
      .map((u) => {
        const x = new URL(u);
        return `${x.pathname}${x.search}`;
      })
      .join('\n') + '\n',
  );
  const base = new URL(urls[0]).origin;
  const script = join(dirname(fileURLToPath(import.meta.url)), 'cycle.lua');
  let w;
  if (warmup) {
    w = await wrk({ url: base, conns, duration: warmup, script, scriptArgs: [list], label: `${label}-${name}-warmup`, rawDir: ctx.rawDir, pid });
    log(`${label}: ${name} warm-up (untimed): ${fmtWrk(w)}`);
  }
  const cpu = cpuMeter(cpuPids);
  const out = await wrkMedian({ url: base, conns, duration: ctx.duration, script, scriptArgs: [list], label: `${label}-${name}`, rawDir: ctx.rawDir, pid }, ctx.reps);
  out.cpu = cpu.stop();
  if (w) out.warmup = { rps: w.rps, p50ms: w.p50ms, p99ms: w.p99ms, maxms: w.maxms, errors: w.errors, non2xx: w.non2xx };
  out.MBps = (out.rps * body.length) / 1e6;
  out.objects = count;
  log(`${label}: ${name} (${count} objects in a cycle): ${fmtWrk(out)}${Object.keys(out.cpu).length ? `; cores ${JSON.stringify(out.cpu)}` : ''}`);
  return out;
}

/**
 * `reps` streaming PUTs of `file` to presigned URLs (UNSIGNED-PAYLOAD) for `key(i)`, with VmRSS of
 * `pid` sampled every 10 ms. `before(i)` runs first each time (e.g. a dd); then `sync`, so each
 * PUT starts with no dirty pages left over. Stops at the first non-200. `firstRep`: number the
 * runs from there in the log (a caller that alternates servers calls this with reps = 1).
 * Returns { runs, medianMBps, maxRssMiB, hwmMiB }.
 */
export async function streamingPuts({ label, client, bucket, file, pid, reps, key = (i) => `big-256m-${i}`, before, cpuPids = {}, firstRep = 0 }) {
  const runs = [];
  for (let i = 0; i < reps; i++) {
    const url = await presign(client, 'PUT', bucket, key(i));
    if (before) await before(i);
    await run('sync', []);
    const cpu = cpuMeter(cpuPids);
    const s = await withRssSampling(pid, () => putFileToUrl(url, file));
    const cores = cpu.stop();
    const MBps = s.r.bytes / (s.r.ms / 1000) / 1e6;
    runs.push({
      status: s.r.status,
      ms: Math.round(s.r.ms),
      MBps,
      maxRssMiB: s.maxRssMiB,
      hwmMiB: s.hwmMiB,
      rssBeforeMiB: s.rssBeforeMiB,
      cpu: cores,
      error: s.r.status === 200 ? undefined : s.r.body.slice(0, 300),
    });
    log(
      `${label}: PUT 256 MiB #${firstRep + i + 1}: HTTP ${s.r.status}, ${Math.round(s.r.ms)} ms, ${MBps.toFixed(0)} MB/s, max RSS ${s.maxRssMiB.toFixed(0)} MiB (VmHWM ${s.hwmMiB.toFixed(0)} MiB)${Object.keys(cores).length ? `; cores ${JSON.stringify(cores)}` : ''}`,
    );
    if (s.r.status !== 200) break;
  }
  const ok = runs
    .filter((r) => r.status === 200)
    .map((r) => r.MBps)
    .sort((a, b) => a - b);
  return {
    runs,
    medianMBps: ok.length ? ok[Math.floor(ok.length / 2)] : null,
    maxRssMiB: runs.length ? Math.max(...runs.map((r) => r.maxRssMiB)) : null,
    hwmMiB: runs.length ? Math.max(...runs.map((r) => r.hwmMiB)) : null,
  };
}
