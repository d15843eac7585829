// edge-cache: the host's cache tier. Our edge (--workers 2, cache.diskPath under bench/.work) vs
// nginx proxy_cache (2 workers, one keys_zone, cache on disk under bench/.work, proxy_cache_lock
// on, tcp_nopush off) vs Varnish (file storage), one edge at a time in front of the same counting
// origin (nginx static over a generated tree, Cache-Control max-age=3600, one access-log line per
// request). Measures, for each edge:
//  (a) a Zipf(s=1.0) workload over 20,000 objects of 4–200 KiB: exactly N GETs from a cold cache
//      (wrk -t1 -c64, lib/zipf.lua): origin fetches, hit ratio, req/s;
//  (b) memory-tier hits of 1 KiB and 100 KiB (lib/edge-hits.mjs, the edge mode's hit runs);
//  (c) shared-tier (disk) hits of 100 KiB and 5 MiB: ours restarted with a 64 KiB memory tier so
//      that hits come from the shared tier; nginx and Varnish serve hits from their disk / file
//      storage anyway (their 100 KiB figure is the (b) run);
//  (d) restart: 1,000 objects filled, the whole process group SIGKILLed, started again over the
//      same cache directory: time from the spawn to the first HIT, then origin fetches when the
//      1,000 are requested again.

import { openSync, readSync, closeSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { log, sleep, run, killGroupHard, cpuSeconds } from '../lib/proc.mjs';
import { wrk, fmtMs } from '../lib/wrk.mjs';
import { row, ratioAtLeast } from '../lib/results.mjs';
import { httpGet } from '../lib/s3.mjs';
import { isHit, measureHit } from '../lib/edge-hits.mjs';
import { ensureCacheObjects, objectPath, readFixed, CACHE_OBJECTS, FIXED } from '../lib/cache-objects.mjs';
import { BENCH, WORK, startCountingOrigin, startNginxEdge, startVarnish, startOursEdge, NotAvailable } from '../lib/servers.mjs';

const MiB = 1024 * 1024;
const ZIPF_S = 1.0;
const ZIPF_SEED = 42;
const ZIPF_CONNS = 64;
const RESTART_OBJECTS = 1000;
/** Varnish: file storage (see README): the Zipf set (~650 MiB) does not fit the edge mode's malloc,256M. */
const VARNISH_STORAGE = 'file,@@WORKDIR@@/storage.bin,2G';
/** Ours: the shared tier under bench/.work, bounded well above the Zipf set. */
const OURS_DISK_BYTES = 4096 * MiB;
/** Ours for (c): a memory tier too small for a 100 KiB object, so hits come from the shared tier. */
const OURS_TINY_MEMORY = 65536;
const OURS_TINY_MAX_OBJECT = 8 * MiB;

/** Lines appended to a log so far, read incrementally (the bench never holds the log). */
function lineCounter(file) {
  let offset = 0,
    lines = 0;
  const buf = Buffer.alloc(1 << 20);
  return () => {
    const fd = openSync(file, 'r');
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (!n) break;
        for (let i = 0; i < n; i++) if (buf[i] === 10) lines++;
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

/** GET every path (keep-alive, `concurrency` at a time), bodies counted and dropped. */
async function getMany(baseUrl, paths, id, concurrency = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const out = { statuses: {}, hits: 0, bytes: 0, errors: 0 };
  let next = 0;
  const one = (path) =>
    new Promise((resolve) => {
      const req = http.get(baseUrl + path, { agent }, (res) => {
        res.on('data', (d) => {
          out.bytes += d.length;
        });
        res.on('end', () => {
          out.statuses[res.statusCode] = (out.statuses[res.statusCode] ?? 0) + 1;
          if (isHit(id, res.headers)) out.hits++;
          resolve();
        });
        res.on('error', () => {
          out.errors++;
          resolve();
        });
      });
      req.setTimeout(30000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        out.errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < paths.length) await one(paths[next++]);
    }),
  );
  agent.destroy();
  return out;
}

/** Poll url (a new connection each time) until a 200: { ms since t0, hit, polls }, or null (proc exited, or timeout). */
async function pollFirst200(url, id, t0, proc, timeoutMs = 30000) {
  let polls = 0;
  while (performance.now() - t0 < timeoutMs && proc.exitCode === null) {
    polls++;
    try {
      const r = await httpGet(url, { timeoutMs: 5000 });
      if (r.status === 200) return { ms: performance.now() - t0, hit: isHit(id, r.headers), polls };
    } catch {
      /* not listening yet */
    }
    await sleep(5);
  }
  return null;
}

/** (a): exactly n Zipf GETs through the edge from a cold cache. */
async function zipfRun(e, { n, ctx, originCount, origin }) {
  const before = originCount();
  const originCpu0 = cpuSeconds(origin.proc.pid);
  const r = await wrk({
    url: e.url,
    conns: ZIPF_CONNS,
    duration: ctx.quick ? '60s' : '120s',
    label: `zipf-${e.id}`,
    rawDir: ctx.rawDir,
    pid: e.proc.pid,
    script: join(BENCH, 'lib', 'zipf.lua'),
    scriptArgs: [String(n), String(ZIPF_CONNS), String(CACHE_OBJECTS.count), String(ZIPF_S), String(ZIPF_SEED)],
  });
  await sleep(300);
  const fetches = originCount() - before;
  const m = /@@ZIPF generated=(\d+) distinct=(\d+) elapsed_ms=([\d.]+)/.exec((r.scriptLines ?? []).join('\n')) ?? [];
  const generated = Number(m[1]),
    distinct = Number(m[2]),
    elapsedMs = Number(m[3]);
  const z = {
    ok: r.ok && generated === n && r.requests === n,
    requests: r.requests,
    generated,
    distinct,
    elapsedMs,
    rps: elapsedMs ? n / (elapsedMs / 1000) : r.rps,
    wrkRps: r.rps,
    p50ms: r.p50ms,
    p99ms: r.p99ms,
    bytesPerSec: r.bytesRead && elapsedMs ? r.bytesRead / (elapsedMs / 1000) : r.bytesPerSec,
    originFetches: fetches,
    hitRatio: n ? 1 - fetches / n : null,
    fetchesPerDistinct: distinct ? fetches / distinct : null,
    errors: r.errors,
    non2xx: r.non2xx,
    serverCores: r.serverCores,
    wrkCores: r.wrkCores,
    originCores: elapsedMs ? Math.round(((cpuSeconds(origin.proc.pid) - originCpu0) / (elapsedMs / 1000)) * 100) / 100 : null,
    cmd: r.cmd,
  };
  log(
    `${e.name} Zipf: ${n} GETs (${distinct} distinct objects) in ${(elapsedMs / 1000).toFixed(2)} s: ${Math.round(z.rps)} req/s, p99 ${fmtMs(z.p99ms)}; origin fetches ${fetches} (${z.fetchesPerDistinct?.toFixed(2)} per distinct object), hit ratio ${(z.hitRatio * 100).toFixed(1)}%${z.ok ? '' : ` — NOT OK: wrk ${r.requests} requests, ${r.errors} socket errors, ${r.non2xx} non-2xx, ${r.error ?? ''}`}`,
  );
  return z;
}

/** (d): fill, SIGKILL the group, start again over the same cache, time to the first HIT, refetch count. */
async function restartRun(def, { originCount, paths }) {
  const e0 = await def.start({ name: `${def.runName}-restart`, fresh: true });
  const e = { ...def, ...e0 };
  const rec = { fill: null, killed: 0, firstResponse: null, firstHitMs: null, again: null, originFetchesFill: 0, originFetchesAfterRestart: null };
  let b = originCount();
  rec.fill = await getMany(e.url, paths, def.id);
  await sleep(300);
  rec.originFetchesFill = originCount() - b;
  // A grace second for writes a tier completes after the response (the crash comes after it).
  await sleep(1000);
  rec.killed = (await killGroupHard(e.proc)).length;
  b = originCount();
  const t0 = performance.now();
  // A new port: Varnish does not bind a port whose old connections are in TIME_WAIT.
  const e1 = await def.start({ name: `${def.runName}-restart`, fresh: false, wait: false });
  const first = await pollFirst200(e1.url + paths[0], def.id, t0, e1.proc);
  rec.firstResponse = first;
  rec.firstHitMs = first?.hit ? first.ms : null;
  if (first) {
    rec.again = await getMany(e1.url, paths, def.id);
    await sleep(300);
    rec.originFetchesAfterRestart = originCount() - b;
  } else rec.error = `no 200 after the restart (${e1.proc.exitCode === null ? 'none within 30 s' : `exited ${e1.proc.exitCode}`}; see ${e1.proc.logFile})`;
  await e1.proc.stop();
  if (rec.error) throw new Error(rec.error);
  log(
    `${def.name} restart: filled ${paths.length} (${rec.originFetchesFill} origin fetches, ${JSON.stringify(rec.fill.statuses)}), SIGKILLed ${rec.killed} processes; first 200 after ${first ? `${first.ms.toFixed(0)} ms (${first.hit ? 'HIT' : 'not a hit'}, ${first.polls} polls)` : 'none within 30 s'}; requesting the ${paths.length} again: ${rec.again?.hits ?? 0} hits, ${rec.originFetchesAfterRestart} origin fetches since the restart`,
  );
  return rec;
}

export async function runEdgeCache(ctx) {
  const { logs } = ctx;
  const notes = [];
  const n = ctx.quick ? 20000 : 100000;
  const objs = ensureCacheObjects(WORK, { log });
  // Page cache warm for the origin's files (every edge then sees the same origin).
  await run('sh', ['-c', 'find "$1" -type f -exec cat {} + > /dev/null', 'sh', objs.root], { timeoutMs: 120000 });
  const origin = await startCountingOrigin({ root: objs.root, logs });
  const originCount = lineCounter(origin.accessLog);
  const restartPaths = Array.from({ length: RESTART_OBJECTS }, (_, i) => objectPath(i));
  const fixed = Object.fromEntries(FIXED.map((f) => [f.id, { ...f, body: readFixed(objs.root, f) }]));

  const oursDir = (name) => join(WORK, 'run', name, 'cache');
  const oursCache = (name, extra = {}) => {
    mkdirSync(oursDir(name), { recursive: true });
    return { diskPath: oursDir(name), maxDiskBytes: OURS_DISK_BYTES, ...extra };
  };
  const defs = [
    { id: 'nginx', name: 'nginx proxy_cache', runName: 'ec-nginx', start: (o = {}) => startNginxEdge({ name: o.name ?? 'ec-nginx', originPort: origin.port, tcpNopush: 'off', logs, ...o }) },
    {
      id: 'varnish',
      name: 'Varnish (file storage)',
      runName: 'ec-varnish',
      start: (o = {}) => startVarnish({ name: o.name ?? 'ec-varnish', originPort: origin.port, storage: VARNISH_STORAGE, logs, ...o }),
    },
    {
      id: 'ours',
      name: 'ours (--workers 2)',
      runName: 'ec-ours',
      start: async (o = {}) => {
        const name = o.name ?? 'ec-ours';
        if (o.fresh !== false) rmSync(join(WORK, 'run', name), { recursive: true, force: true });
        return startOursEdge({ logs, originPort: origin.port, workers: 2, cache: oursCache(name), ...o, name, fresh: false });
      },
    },
  ];

  const res = {};
  let oursReason = '',
    oursTinyCache = null;
  for (const def of defs) {
    const r = (res[def.id] = {});
    let e;
    try {
      e = { ...def, ...(await def.start()) };
    } catch (err) {
      const why = err instanceof NotAvailable ? err.message : `${def.name} did not start: ${err.message}`;
      if (def.id === 'ours') oursReason = why;
      notes.push(why);
      log(why);
      continue;
    }
    try {
      r.zipf = await zipfRun(e, { n, ctx, originCount, origin });
      for (const id of ['1k', '100k']) r[`hit${id}`] = await measureHit({ e, obj: fixed[id], expected: fixed[id].body, originCount, ctx, notes, label: `mem-${e.id}-${id}` });
      if (def.id !== 'ours') {
        r.shared100k = r.hit100k;
        r.shared5m = await measureHit({ e, obj: fixed['5m'], expected: fixed['5m'].body, originCount, ctx, notes, conns: 16, label: `shared-${e.id}-5m` });
      }
    } catch (err) {
      notes.push(`${def.name}: ${err.message}`);
      log(`${def.name}: ${err.stack ?? err}`);
    }
    await e.proc.stop();
    if (def.id === 'ours') {
      // (c) ours with a tiny memory tier: hits from the shared tier.
      const name = 'ec-ours-tiny';
      rmSync(join(WORK, 'run', name), { recursive: true, force: true });
      let tiny;
      const start = (extra) => startOursEdge({ logs, originPort: origin.port, workers: 2, name, fresh: false, cache: oursCache(name, { maxSizeBytes: OURS_TINY_MEMORY, ...extra }) });
      try {
        oursTinyCache = { maxSizeBytes: OURS_TINY_MEMORY, maxObjectBytes: OURS_TINY_MAX_OBJECT };
        tiny = await start({ maxObjectBytes: OURS_TINY_MAX_OBJECT });
      } catch (err) {
        if (!/maxObjectBytes/.test(err.message)) throw err;
        const why = (/cache\.maxObjectBytes[^|]*/.exec(err.message)?.[0] ?? err.message).trim();
        notes.push(
          `(c) ours refused cache.maxObjectBytes ${OURS_TINY_MAX_OBJECT} with a ${OURS_TINY_MEMORY}-byte memory tier ("${why}"): ran again with maxObjectBytes left to its default (≤ maxSizeBytes), so the 100 KiB and 5 MiB objects are not cached and every GET of the (c) rows goes to the origin.`,
        );
        log(`ours tiny: ${why}; starting with the default maxObjectBytes`);
        oursTinyCache = { maxSizeBytes: OURS_TINY_MEMORY, maxObjectBytes: '(default)' };
        tiny = await start({ maxObjectBytes: undefined });
      }
      const et = { ...def, name: 'ours (64 KiB memory tier)', ...tiny };
      try {
        r.shared100k = await measureHit({ e: et, obj: fixed['100k'], expected: fixed['100k'].body, originCount, ctx, notes, label: 'shared-ours-100k' });
        r.shared5m = await measureHit({ e: et, obj: fixed['5m'], expected: fixed['5m'].body, originCount, ctx, notes, conns: 16, label: 'shared-ours-5m' });
      } catch (err) {
        notes.push(`ours (c): ${err.message}`);
        log(`ours (c): ${err.stack ?? err}`);
      }
      await tiny.proc.stop();
    }
    try {
      r.restart = await restartRun(def, { originCount, paths: restartPaths });
    } catch (err) {
      notes.push(`${def.name} restart: ${err.message}`);
      log(`${def.name} restart: ${err.stack ?? err}`);
    }
  }
  // The edges' caches are GBs: drop them (the origin tree is kept for the next run).
  for (const def of defs) for (const suffix of ['', '-restart', '-tiny']) rmSync(join(WORK, 'run', def.runName + suffix), { recursive: true, force: true });

  // ---- rows
  const g = (id, part, f) => {
    const x = res[id]?.[part];
    return x && x.ok !== false ? x[f] : null;
  };
  // A "hit" run that was not one (the object went to the origin) says so on its row.
  const notHit = (id, part) => {
    const x = res[id]?.[part];
    return x && x.ok !== false && (!x.hitHeader || x.originRequests) ? `${id}: not hits (${x.originRequests} origin requests during the run)` : '';
  };
  // peer and ours fields of a row comparing peer `id` (named `name`) with ours on metric `f` of run `part`.
  const vs = (id, name, part, f, fmt = (x) => x) => ({ peer: name, peerValue: fmt(g(id, part, f)), ours: fmt(g('ours', part, f)) });
  // A throughput row on hit run `part`; against nginx it must reach `min` × nginx (`target` says so).
  const hitRow = (id, name, part, what, target, min) =>
    row({
      what,
      ...vs(id, name, part, 'rps'),
      unit: 'req/s',
      target: id === 'nginx' ? target : '',
      check: id === 'nginx' ? ratioAtLeast(min) : undefined,
      note: [notHit(id, part), notHit('ours', part)].filter(Boolean).join('; '),
    });
  const rows = [];
  const peers = [
    ['nginx', 'nginx proxy_cache'],
    ['varnish', 'Varnish (file)'],
  ];
  const distinct = g('nginx', 'zipf', 'distinct') ?? g('ours', 'zipf', 'distinct') ?? g('varnish', 'zipf', 'distinct');
  const zipfWhat = `Zipf: ${n.toLocaleString('en-US')} GETs, ${distinct?.toLocaleString('en-US') ?? '?'} distinct of 20,000 objects`;
  for (const [id, name] of peers) {
    rows.push(
      row({
        what: `${zipfWhat}: origin fetches`,
        ...vs(id, name, 'zipf', 'originFetches'),
        unit: '',
        better: 'lower',
        target: id === 'nginx' ? '= nginx (one per distinct object)' : '',
        check: id === 'nginx' ? (x) => (x.ours == null || x.peerValue == null ? null : x.ours <= x.peerValue) : undefined,
      }),
    );
  }
  for (const [id, name] of peers) rows.push(row({ what: 'Zipf: hit ratio (1 − origin fetches / GETs)', ...vs(id, name, 'zipf', 'hitRatio', pct), unit: '%' }));
  for (const [id, name] of peers) rows.push(row({ what: 'Zipf: req/s (wrk -t1 -c64, cold cache, misses included)', ...vs(id, name, 'zipf', 'rps'), unit: 'req/s' }));
  for (const [size, target] of [
    ['1k', 0.5],
    ['100k', 0.8],
  ]) {
    const label = size === '1k' ? '1 KiB' : '100 KiB';
    for (const [id, name] of peers) {
      rows.push(hitRow(id, name, `hit${size}`, `memory-tier hit GET ${label} (wrk -c64)`, `≥ ${target}× nginx (edge mode's target)`, target));
      rows.push(row({ what: `memory-tier hit GET ${label} p99`, ...vs(id, name, `hit${size}`, 'p99ms'), unit: 'ms', better: 'lower' }));
    }
  }
  for (const [size, conns] of [
    ['100k', 64],
    ['5m', 16],
  ]) {
    const label = size === '100k' ? '100 KiB' : '5 MiB';
    for (const [id, name] of peers) {
      rows.push(hitRow(id, name, `shared${size}`, `shared-tier hit GET ${label} (wrk -c${conns}; ours: 64 KiB memory tier)`, '≥ 0.5× nginx', 0.5));
      rows.push(row({ what: `shared-tier hit GET ${label}: MB/s`, ...vs(id, name, `shared${size}`, 'bytesPerSec', mbps), unit: 'MB/s' }));
    }
  }
  const rs = (id, f) => res[id]?.restart?.[f] ?? null;
  for (const [id, name] of peers) {
    rows.push(
      row({
        what: 'restart after SIGKILL: spawn → first HIT',
        peer: name,
        peerValue: rs(id, 'firstHitMs'),
        ours: rs('ours', 'firstHitMs'),
        unit: 'ms',
        better: 'lower',
        target: id === 'nginx' ? 'a HIT (cache survived)' : '',
        check: id === 'nginx' ? () => (res.ours?.restart ? rs('ours', 'firstHitMs') != null : null) : undefined,
        note: restartNote(res[id]?.restart, res.ours?.restart),
      }),
    );
    rows.push(
      row({
        what: `restart after SIGKILL: origin fetches re-requesting the ${RESTART_OBJECTS.toLocaleString('en-US')} filled objects`,
        peer: name,
        peerValue: rs(id, 'originFetchesAfterRestart'),
        ours: rs('ours', 'originFetchesAfterRestart'),
        unit: '',
        better: 'lower',
        target: id === 'nginx' ? '0' : '',
        check: id === 'nginx' ? () => (res.ours?.restart ? rs('ours', 'originFetchesAfterRestart') === 0 : null) : undefined,
      }),
    );
  }

  // ---- notes
  const z = (id) => res[id]?.zipf;
  notes.push(
    `Zipf runs (GETs; distinct objects; origin fetches; per distinct; req/s; p99; MB/s; cores edge / wrk / origin): ${Object.keys(res)
      .filter((id) => z(id))
      .map(
        (id) =>
          `${id}: ${z(id).requests}; ${z(id).distinct}; ${z(id).originFetches}; ${z(id).fetchesPerDistinct?.toFixed(2)}; ${Math.round(z(id).rps)}; ${fmtMs(z(id).p99ms)}; ${mbps(z(id).bytesPerSec)?.toFixed(0)}; ${z(id).serverCores} / ${z(id).wrkCores} / ${z(id).originCores}${z(id).ok ? '' : ' (NOT OK)'}`,
      )
      .join(' — ')}.`,
  );
  notes.push(
    `Zipf workload: ranks from Zipf(s=${ZIPF_S}) over ${CACHE_OBJECTS.count.toLocaleString('en-US')} objects (rank r → /z/{r−1}.bin), sizes log-uniform ${CACHE_OBJECTS.minBytes / 1024}–${CACHE_OBJECTS.maxBytes / 1024} KiB (seed ${CACHE_OBJECTS.seed}, ${(objs.totalBytes / MiB).toFixed(0)} MiB in all), the same ${n.toLocaleString('en-US')}-GET sequence for every edge (wrk -t1 -c${ZIPF_CONNS}, bench/lib/zipf.lua, LuaJIT PRNG seed ${ZIPF_SEED}), each edge started with an empty cache; req/s = GETs / (first request → last response). Hit ratio from the origin's access log: 1 − fetches / GETs.`,
  );
  notes.push(
    `Memory-tier rows (b): measured in this run with the edge mode's hit code (lib/edge-hits.mjs) on the instance that ran the Zipf workload (ours: cache.maxSizeBytes ${256} MiB per worker); nginx runs with tcp_nopush off (the fair anchor of the edge mode at 100 KiB). Shared-tier rows (c): nginx and Varnish have one tier, so their 100 KiB row is the (b) run; ours is restarted with cache ${JSON.stringify(oursTinyCache ?? {})} (+ its own diskPath) so the objects do not fit its memory tier.`,
  );
  notes.push(
    `Restart (d): ${RESTART_OBJECTS} objects (/z/00000–00999.bin) filled through a fresh instance (8 keep-alive connections), 1 s of grace, the whole process group SIGKILLed (nginx master, workers, cache manager; Varnish manager and child; our primary and workers), the same command started again over the same cache directory (on a new port: Varnish refuses to bind a port with connections in TIME_WAIT), /z/00000.bin polled (new connection every 5 ms) from the spawn to the first 200: the time is reported when that response is a HIT; then the ${RESTART_OBJECTS} requested again. ${Object.keys(
      res,
    )
      .filter((id) => res[id].restart)
      .map(
        (id) =>
          `${id}: fill ${res[id].restart.originFetchesFill} fetches, killed ${res[id].restart.killed} processes, first 200 ${res[id].restart.firstResponse ? `${res[id].restart.firstResponse.ms.toFixed(0)} ms ${res[id].restart.firstResponse.hit ? 'HIT' : 'MISS'}` : 'none'}, then ${res[id].restart.again?.hits ?? 0} hits / ${RESTART_OBJECTS}, ${res[id].restart.originFetchesAfterRestart} fetches`,
      )
      .join('; ')}.`,
  );
  notes.push(
    `Peers: nginx proxy_cache = config/nginx-edge.conf (worker_processes 2, one keys_zone 32m, proxy_cache_path on disk under bench/.work, max_size 2g, proxy_cache_lock on, tcp_nopush off); Varnish builtin VCL with -s ${VARNISH_STORAGE.replace('@@WORKDIR@@', 'bench/.work/run/ec-varnish')} (file storage: the ~650 MiB Zipf set would not fit the edge mode's malloc,256M, and a file-backed store sits in the page cache like nginx's cache files and our shared tier; it does not survive a restart, malloc would not either); ours: config/edge.yaml with cache.diskPath bench/.work/run/ec-ours*/cache and maxDiskBytes ${OURS_DISK_BYTES / MiB} MiB. Origin: config/nginx-cache-origin.conf (static files, Cache-Control: max-age=3600, access-logged).`,
  );
  const cores = [];
  for (const id of Object.keys(res))
    for (const part of ['hit1k', 'hit100k', 'shared100k', 'shared5m']) {
      const x = res[id][part];
      if (x?.serverCores != null && !(part === 'shared100k' && id !== 'ours')) cores.push(`${id} ${part} ${x.serverCores} / ${x.wrkCores ?? '?'}`);
    }
  notes.push(`CPU during each hit run in cores, edge process tree / wrk (2 cores in all; well under 2 together means other work had the CPUs): ${cores.join(', ')}.`);
  notes.push(
    "What bounds the shared-tier rows (c): ours answers each such hit with a PRAGMA data_version (the index row is remembered until another process changes the file); a 100 KiB body is one pread through a kept descriptor into a pooled buffer (given back once the socket took the response; Node has no sendfile) with a length check (CRC-32 once per body and process), then the same write as a memory hit; a 5 MiB body streams from its open file in pooled 256 KiB chunks (apps/edge/src/viewer/send-file.ts). nginx and Varnish hand page-cached bytes to the socket (sendfile / file storage), and nginx's 100 KiB and 5 MiB hits are bound by wrk (one core), not by nginx. With the default memory tier (256 MiB per worker) such objects are memory-tier hits after their first read.",
  );
  return {
    rows,
    notes,
    oursAvailable: !!res.ours?.zipf,
    oursUnavailableReason: oursReason || undefined,
    settings: {
      zipfGets: n,
      zipfObjects: CACHE_OBJECTS.count,
      zipfS: ZIPF_S,
      zipfWrk: `-t1 -c${ZIPF_CONNS}`,
      duration: ctx.duration,
      reps: ctx.reps,
      workers: 2,
      varnishStorage: VARNISH_STORAGE.replace('@@WORKDIR@@/', ''),
      oursMaxDiskBytes: OURS_DISK_BYTES,
      oursTinyCache,
      restartObjects: RESTART_OBJECTS,
    },
    raw: res,
  };
}

function pct(x) {
  return x == null ? null : x * 100;
}
function mbps(b) {
  return b == null ? null : b / 1e6;
}
function restartNote(peer, ours) {
  const f = (r) => (r?.firstResponse ? `first 200 ${r.firstResponse.ms.toFixed(0)} ms, ${r.firstResponse.hit ? 'HIT' : 'MISS'}` : 'no 200');
  return `${peer ? `peer: ${f(peer)}` : ''}${ours ? `; ours: ${f(ours)}` : ''}`;
}
