// edge-functions: what CloudFront Functions cost on cache hits. One edge (--workers 2) with four
// cache behaviors in front of the same nginx static origin, each path pattern with its own 1 KiB
// object, all cached (hits):
//  /none/*  no function (the anchor);
//  /fn/*    a trivial viewer-request function (returns the request unchanged);
//  /fresh/* the same, but it reads context.requestId (unique per request), so its result is never
//           reused (@bucketfront/cf-functions result-cache.ts): every hit enters the sandbox;
//  /kvs/*   a runtime 2.0 function that looks the URI up in a 10,000-key key value store and
//           rewrites the request to the value (a redirect map that resolves to a cached object);
//  /cpu/*   a function that never returns: every request runs into the compute limit (503), the
//           cost of a function hitting its CPU limit.
// Identical invocations of /fn/ and /kvs/ reuse the function's result (what a real hit does: the
// same URI again); /fresh/ shows the cost without reuse.
// Target (issue "Real sites work out of the box"): hits with a function ≥ 0.8× of hits without;
// the p99 latency added is reported. The runs are interleaved (none, fn, kvs, none, …) and the
// median is taken, so the ratios compare like with like on a shared machine.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { log, startProcess, waitPort, freePorts, sleep } from '../lib/proc.mjs';
import { wrk, fmtMs, fmtWrk } from '../lib/wrk.mjs';
import { row } from '../lib/results.mjs';
import { httpGet } from '../lib/s3.mjs';
import { WORK, ROOT, startCountingOrigin, oursCli, oursHas, oursEnv, NotAvailable } from '../lib/servers.mjs';

const KVS_KEYS = 10_000;
const BODY = Buffer.alloc(1024, 'f');

const TRIVIAL = 'function handler(event) { return event.request; }';
const PER_REQUEST = "function handler(event) { event.request.headers['x-trace'] = { value: event.context.requestId }; return event.request; }";
const KVS_LOOKUP = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const request = event.request;
  try { request.uri = await kvs.get(request.uri); } catch (e) { /* not in the map */ }
  return request;
}`;
const SPIN = 'function handler(event) { for (;;) {} }';

export async function runEdgeFunctions(ctx) {
  const { logs } = ctx;
  const notes = [];
  const has = await oursHas('edge');
  if (!has.ok) throw new NotAvailable(has.reason);
  // Origin tree: one 1 KiB object per behavior; /kvs/ keys map /kvs/k<i>.bin → /kvs/1k.bin.
  const root = join(WORK, 'fn-origin');
  rmSync(root, { recursive: true, force: true });
  for (const dir of ['none', 'fn', 'fresh', 'kvs', 'cpu']) {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, '1k.bin'), BODY);
  }
  const origin = await startCountingOrigin({ name: 'fn-origin', root, logs });
  const run = join(WORK, 'run', 'edge-functions');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'redirects.json'), JSON.stringify({ data: Array.from({ length: KVS_KEYS }, (_, i) => ({ key: `/kvs/k${i}.bin`, value: '/kvs/1k.bin' })) }));
  const behavior = (pathPattern, fn) => ({
    pathPattern,
    targetOriginId: 'nginx',
    minTTL: 0,
    defaultTTL: 86400,
    maxTTL: 31536000,
    compress: false,
    ...(fn ? { functionAssociations: [{ eventType: 'viewer-request', functionArn: fn }] } : {}),
  });
  const config = {
    pop: 'BENCH1-P1',
    cache: { maxSizeBytes: 64 * 1024 * 1024, diskPath: join(run, 'cache') },
    distributions: [
      {
        id: 'EBENCH00000001',
        aliases: ['127.0.0.1', 'localhost'],
        origins: [{ id: 'nginx', url: origin.url, connectionTimeout: 10, connectionAttempts: 3, responseTimeout: 30 }],
        defaultCacheBehavior: behavior(undefined, undefined),
        cacheBehaviors: [behavior('/fn/*', 'trivial'), behavior('/fresh/*', 'per-request'), behavior('/kvs/*', 'kvs-lookup'), behavior('/cpu/*', 'spin')],
      },
    ],
    functions: [
      { name: 'trivial', code: TRIVIAL },
      { name: 'per-request', code: PER_REQUEST },
      { name: 'kvs-lookup', code: KVS_LOOKUP, keyValueStoreAssociations: ['redirects'] },
      { name: 'spin', code: SPIN },
    ],
    keyValueStores: [{ name: 'redirects', file: join(run, 'redirects.json') }],
  };
  delete config.distributions[0].defaultCacheBehavior.pathPattern;
  writeFileSync(join(run, 'edge.json'), JSON.stringify(config, null, 2));
  const c = await oursCli();
  const [port, controlPort] = await freePorts(2);
  // BENCH_EDGE_FUNCTIONS_CPU_PROF=1: the edge (primary and workers) under node --cpu-prof, profiles in <raw>/cpuprof.
  const nodeArgs = process.env.BENCH_EDGE_FUNCTIONS_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(ctx.rawDir, 'cpuprof')}`] : [];
  const p = startProcess(
    'ours-edge-functions',
    c.cmd,
    [...nodeArgs, ...c.args, 'edge', '--config', join(run, 'edge.json'), '--port', String(port), '--control-port', String(controlPort), '--workers', '2'],
    {
      logFile: join(logs, 'ours-edge-functions.out'),
      env: oursEnv(),
      cwd: ROOT,
    },
  );
  await waitPort(port, { proc: p });
  const base = `http://127.0.0.1:${port}`;
  const urls = { none: `${base}/none/1k.bin`, fn: `${base}/fn/1k.bin`, fresh: `${base}/fresh/1k.bin`, kvs: `${base}/kvs/k4242.bin`, cpu: `${base}/cpu/1k.bin` };
  for (const [id, url] of Object.entries(urls)) {
    let last;
    for (let i = 0; i < 4; i++) last = await httpGet(url);
    const ok = id === 'cpu' ? last.status === 503 : last.status === 200 && last.body.equals(BODY) && /^Hit/.test(last.headers['x-cache'] ?? '');
    if (!ok) notes.push(`${id}: warm-up GET gave HTTP ${last.status}, X-Cache ${last.headers['x-cache']}`);
    log(`${id}: HTTP ${last.status}, X-Cache ${last.headers['x-cache']}`);
  }
  // Interleaved rounds, median per kind.
  const rounds = Math.max(3, ctx.reps);
  const got = { none: [], fn: [], fresh: [], kvs: [] };
  for (let r = 0; r < rounds; r++) {
    for (const id of ['none', 'fn', 'fresh', 'kvs']) {
      got[id].push(await wrk({ url: urls[id], conns: 64, duration: ctx.duration, label: `${id}-${r}`, rawDir: ctx.rawDir, pid: p.pid }));
      await sleep(200);
    }
  }
  const median = (list, f) => {
    const v = list
      .map((x) => x[f])
      .filter((x) => x != null)
      .sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)] : null;
  };
  const res = {};
  for (const id of Object.keys(got)) res[id] = { rps: median(got[id], 'rps'), p50ms: median(got[id], 'p50ms'), p99ms: median(got[id], 'p99ms') };
  for (const id of Object.keys(res)) log(`${id}: ${Math.round(res[id].rps)} req/s, p50 ${fmtMs(res[id].p50ms)}, p99 ${fmtMs(res[id].p99ms)}`);
  res.cpu = await wrk({ url: urls.cpu, conns: 16, duration: ctx.duration, label: 'cpu', rawDir: ctx.rawDir, pid: p.pid });
  log(`cpu limit: ${fmtWrk(res.cpu)}`);
  // How many invocations were answered from kept results (Prometheus text on the control port).
  const metrics = await httpGet(`http://127.0.0.1:${controlPort}/metrics`).catch(() => undefined);
  const counter = (name) => {
    const m = metrics && new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(metrics.body.toString());
    return m ? Number(m[1]) : null;
  };
  res.invocations = counter('bucketfront_edge_function_invocations_total');
  res.reused = counter('bucketfront_edge_function_results_reused_total');
  log(`function invocations ${res.invocations}, results reused ${res.reused}`);
  // The edge still serves while a function spins on every request of another path.
  await p.stop();
  await origin.stop();

  const rows = [];
  for (const [id, what, targeted] of [
    ['fn', 'a trivial viewer-request function', true],
    ['kvs', 'a key value store lookup (10,000 keys) + rewrite', true],
    ['fresh', 'a trivial function whose result is never reused (reads context.requestId)', false],
  ]) {
    rows.push(
      row({
        what: `1 KiB hit GET with ${what} (wrk -c64)`,
        peer: 'ours, no function',
        peerValue: res.none.rps,
        ours: res[id].rps,
        unit: 'req/s',
        ...(targeted ? { target: '≥ 0.8×', check: (r) => r.ratio != null && r.ratio >= 0.8 } : { note: 'every hit enters the QuickJS sandbox: the cost of a call without result reuse' }),
      }),
    );
    rows.push(
      row({
        what: `  p99 with ${what}`,
        peer: 'ours, no function',
        peerValue: res.none.p99ms,
        ours: res[id].p99ms,
        unit: 'ms',
        better: 'lower',
        note: res[id].p99ms != null && res.none.p99ms != null ? `p99 added: ${fmtMs(res[id].p99ms - res.none.p99ms)}; p50 added: ${fmtMs(res[id].p50ms - res.none.p50ms)}` : '',
      }),
    );
  }
  rows.push(row({ what: 'requests whose function hits its CPU limit (503, wrk -c16)', ours: res.cpu.rps, unit: 'req/s', note: `p50 ${fmtMs(res.cpu.p50ms)}, p99 ${fmtMs(res.cpu.p99ms)}` }));
  notes.push(
    `One edge (--workers 2, bench/.work/run/edge-functions/edge.json) with four cache behaviors over the same nginx static origin; every measured URL is a cache hit (the kvs URL after the function's rewrite). ${rounds} interleaved rounds of ${ctx.duration} per kind, median reported. Functions: trivial \`${TRIVIAL}\`; per-request \`${PER_REQUEST}\`; kvs-lookup (runtime 2.0, cf.kvs().get(uri), ${KVS_KEYS.toLocaleString('en-US')} keys loaded from a file in CloudFront's import format); spin (\`for (;;) {}\`, stopped by the compute budget of @bucketfront/cf-functions every time).`,
  );
  if (res.invocations != null && res.reused != null) {
    notes.push(
      `Function invocations during the run: ${res.invocations.toLocaleString('en-US')}, of which ${res.reused.toLocaleString('en-US')} (${((100 * res.reused) / Math.max(1, res.invocations)).toFixed(1)}%) were answered from kept results.`,
    );
  }
  notes.push(
    "What a function costs per request: building the event from the request (headers, cookies, query string), then either the result of an identical earlier invocation (same URI and whatever else the function read, same key value store answers: @bucketfront/cf-functions result-cache.ts) or one synchronous call into the function's QuickJS sandbox; then validating its result and turning it back into the request (apps/edge/src/functions/event.ts, packages/cf-functions).",
  );
  return { rows, notes, oursAvailable: true, settings: { workers: 2, kvsKeys: KVS_KEYS, rounds, duration: ctx.duration }, raw: { ...res, runs: got } };
}
