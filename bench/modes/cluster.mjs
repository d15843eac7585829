// cluster: bucketfront's origin over a real Ceph cluster (the s3 store driver) against radosgw
// itself, and our edge's hits with that backend up and down, in one run:
//
//  1. a fresh Ceph cluster (scripts/ceph-dev-cluster.sh: 1 mon, 1 mgr, 3 BlueStore OSDs, radosgw)
//     in bench/.work/ceph-*, stopped and deleted at the end (also on failure: lib/ceph.mjs
//     registers it with stopAll(), and the script's --owner-pid watchdog covers a killed harness);
//  2. our origin `bucketfront origin --store s3:<radosgw>?bucketPrefix=bfbench- --website-port W`
//     with the cluster's keys in BUCKETFRONT_STORE_ACCESS_KEY_ID / _SECRET_ACCESS_KEY;
//  3. the same operations straight to radosgw and through ours, interleaved (radosgw, then ours,
//     for each operation), with the origin mode's helpers (lib/s3-bench.mjs), each measured run
//     preceded by an untimed warm-up run of the same length on the same server (a freshly started
//     origin's first seconds of load are much slower: measured p99 1.7 s, then 0.2 s; the warm-up
//     figures are kept in latest.json and summarized in the notes):
//       PUT 1 KiB / 1 MiB   SDK PutObject, 16 / 8 workers, fixed duration, distinct keys; after
//                           both warm-ups, runs in ABBA order (radosgw, ours, ours, radosgw),
//                           each side the mean of its two
//       GET 1 KiB / 1 MiB   wrk -c64 / -c16 --latency on a presigned URL (req/s, p50): one hot
//                           object (ours serves it from its object cache after a HEAD)
//       GET 1 MiB cold      wrk -c16 over 160 objects read in a cycle (lib/cycle.lua): past ours'
//                           64 MiB object cache, so every read through ours is a backend GET
//       PUT 256 MiB         streamed to a presigned URL (UNSIGNED-PAYLOAD), min(bigReps, 3) times
//                           each, alternating; ours restarted fresh first, its VmRSS sampled every 10 ms
//  4. website GETs through `bucketfront edge` whose origin is ours' website port (hostHeader = the
//     bucket, which has a website configuration and a public-read policy): a 1 KiB object warmed,
//     wrk on the edge; then radosgw is stopped and the same wrk runs again (hits must not depend
//     on the backend), plus one miss through the edge while the backend is down.
//
// BENCH_CLUSTER_CPU_PROF=1 runs our origin of step 3 (1 KiB / 1 MiB) under `node --cpu-prof`;
// the profile lands in bench/.work/raw/cluster/cpuprof/ when the origin stops.
// BENCH_CLUSTER_NODE_ARGS='--max-semi-space-size=32 …' passes node options to our origin (experiments).

import { writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PutBucketWebsiteCommand, PutBucketPolicyCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { log, sleep, loadavg, cpuMeter } from '../lib/proc.mjs';
import { row, ceilingRow } from '../lib/results.mjs';
import { wrk, fmtWrk, fmtMs } from '../lib/wrk.mjs';
import { startOursOrigin, startOursEdge, NotAvailable } from '../lib/servers.mjs';
import { s3Client, createBucket, httpGet, presign } from '../lib/s3.mjs';
import { MiB, ensureBigFile, measurePuts, measureGets, measureCycledGets, streamingPuts } from '../lib/s3-bench.mjs';
import { measureHit } from '../lib/edge-hits.mjs';
import { startCephCluster } from '../lib/ceph.mjs';

const BUCKET = 'bench';
const SITE = 'site';
const PREFIX = 'bfbench-';
/** 1 MiB objects read in a cycle for the cold GET row: 160 MiB, past our origin's 64 MiB object cache. */
const COLD_OBJECTS = 160;

/** Sum of a counter's samples in Prometheus text (optionally only lines matching `filter`). */
function counter(text, name, filter = () => true) {
  let n = 0;
  for (const l of text.split('\n')) if (l.startsWith(name) && !l.startsWith(`${name}_`) && filter(l)) n += Number(l.split(' ').pop()) || 0;
  return n;
}

async function metrics(ours) {
  try {
    const r = await httpGet(`${ours.url}/_bucketfront/metrics`);
    return r.status === 200 ? r.body.toString() : '';
  } catch {
    return '';
  }
}

/** Wait (at most 20 s) until the cluster's daemons use < 0.3 cores over 1 s; returns { ms, cores }. */
async function settleCluster(cpuPids) {
  const t0 = Date.now();
  let cores = null;
  while (Date.now() - t0 < 20000) {
    const { radosgw, ceph } = cpuPids();
    const m = cpuMeter({ radosgw, ceph });
    await sleep(1000);
    const c = m.stop();
    cores = Math.round(((c.radosgw ?? 0) + (c.ceph ?? 0)) * 100) / 100;
    if (cores < 0.3) break;
  }
  return { ms: Date.now() - t0, cores };
}

export async function runCluster(ctx) {
  const { rawDir, logs } = ctx;
  const notes = [];
  const payloads = { k1: randomBytes(1024), m1: randomBytes(MiB) };
  const bigFile = ensureBigFile();
  const bigReps = Math.min(ctx.bigReps, 3);
  const cpuProf = process.env.BENCH_CLUSTER_CPU_PROF === '1';
  const nodeArgs = (process.env.BENCH_CLUSTER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

  const cluster = await startCephCluster({ logs });
  const raw = { cephStartMs: cluster.startMs };
  let ours = null,
    edge = null,
    oursReason = '';
  const res = { rgw: {}, ours: {} };
  let rgwBig = null,
    oursBig = null,
    hitUp = null,
    hitDown = null,
    missDown = null,
    originDown = null,
    rgwStop = null,
    settle = null,
    edgeWarmRps = null,
    s3Down = null;
  try {
    const rgwPid = cluster.rgwPid();
    const cephPids = () =>
      Object.entries(cluster.pids())
        .filter(([k]) => k !== 'client.rgw.a')
        .map(([, p]) => p);
    const storeSpec = `s3:${cluster.endpoint}?bucketPrefix=${PREFIX}`;
    const startOurs = (extra = {}) =>
      startOursOrigin({
        name: 'ours-origin-ceph',
        logs,
        store: storeSpec,
        storeCredentials: cluster.credentials,
        websitePort: true,
        accessLog: false,
        ...extra,
        nodeArgs: [...nodeArgs, ...(extra.nodeArgs ?? [])],
      });
    try {
      ours = await startOurs(cpuProf ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', join(rawDir, 'cpuprof')] } : {});
      log(`ours: origin over ${storeSpec} on ${ours.url}, website ${ours.websiteUrl}`);
    } catch (e) {
      oursReason = e instanceof NotAvailable ? e.message : `failed to start: ${e.message}`;
      log(`ours: ${oursReason}`);
    }

    const targets = [{ id: 'rgw', label: 'radosgw', url: cluster.endpoint, credentials: cluster.credentials, pid: rgwPid }];
    if (ours) targets.push({ id: 'ours', label: 'ours', url: ours.url, credentials: ours.credentials, pid: ours.pid });
    for (const t of targets) {
      t.client = s3Client({ endpoint: t.url, credentials: t.credentials });
      await createBucket(t.client, BUCKET);
    }
    const cpuPids = () => ({ ours: ours?.pid, radosgw: rgwPid, ceph: cephPids() });

    // 3. PUT and GET, radosgw then ours for each operation (the cluster's state drifts as it fills).
    // PUTs fill the cluster fastest, so after both warm-ups they are measured in ABBA order
    // (radosgw, ours, ours, radosgw) and each side reports the mean of its two runs: a drift that
    // is linear in time then weighs on both alike.
    for (const [name, body, conc] of [
      ['put1k', payloads.k1, 16],
      ['put1m', payloads.m1, 8],
    ]) {
      const put = async (t, run, warmupMs = 0) => {
        try {
          const r = await measurePuts({ label: t.label, client: t.client, bucket: BUCKET, durationMs: ctx.durationMs, puts: [[`${name}-${run}`, body, conc]], cpuPids: cpuPids(), warmupMs });
          return r[`${name}-${run}`];
        } catch (e) {
          notes.push(`${t.label} ${name} (${run}) failed: ${e.message}`);
          log(`${t.label} ${name} (${run}): ${e.message}`);
          return null;
        }
      };
      const warm = {};
      for (const t of targets) warm[t.id] = await put(t, 'warmup');
      const runs = { rgw: [], ours: [] };
      for (const t of targets.length === 2 ? [targets[0], targets[1], targets[1], targets[0]] : targets) runs[t.id].push(await put(t, `r${runs[t.id].length + 1}`));
      for (const t of targets) {
        const ok = runs[t.id].filter((r) => r && r.opsPerSec > 0);
        if (!ok.length) continue;
        const mean = (f) => ok.reduce((a, r) => a + (r[f] ?? 0), 0) / ok.length;
        const cpu = {};
        for (const k of Object.keys(ok[0].cpu ?? {})) cpu[k] = Math.round((ok.reduce((a, r) => a + (r.cpu?.[k] ?? 0), 0) / ok.length) * 100) / 100;
        res[t.id][name] = {
          opsPerSec: mean('opsPerSec'),
          MBps: mean('MBps'),
          p50ms: mean('p50ms'),
          p99ms: mean('p99ms'),
          errors: ok.reduce((a, r) => a + r.errors, 0),
          firstError: ok.find((r) => r.firstError)?.firstError ?? null,
          cpu,
          runs: runs[t.id].map((r) => (r ? { opsPerSec: r.opsPerSec, p50ms: r.p50ms } : null)),
          ...(warm[t.id] ? { warmup: { opsPerSec: warm[t.id].opsPerSec, p50ms: warm[t.id].p50ms, p99ms: warm[t.id].p99ms, errors: warm[t.id].errors } } : {}),
        };
      }
    }
    // get1kc1: one connection, the latency a single client sees (no queueing behind 63 others).
    for (const [name, key, body, conns] of [
      ['get1k', 'get-1k', payloads.k1, 64],
      ['get1kc1', 'get-1k', payloads.k1, 1],
      ['get1m', 'get-1m', payloads.m1, 16],
    ]) {
      for (const t of targets) {
        try {
          Object.assign(
            res[t.id],
            await measureGets({
              label: t.label,
              client: t.client,
              bucket: BUCKET,
              ctx,
              pid: t.pid,
              gets: [[name, key, body, conns]],
              cpuPids: cpuPids(),
              ...(name === 'get1kc1' ? {} : { warmup: ctx.duration }),
            }),
          );
        } catch (e) {
          notes.push(`${t.label} ${name} failed: ${e.message}`);
          log(`${t.label} ${name}: ${e.message}`);
        }
      }
    }
    // get1mcold: COLD_OBJECTS objects of 1 MiB read in a cycle, more than our object cache holds
    // (64 MiB), so every read through ours misses it: the pass-through path, measured apart from
    // the hot object above (which ours serves from its cache after a HEAD).
    for (const t of targets) {
      try {
        res[t.id].get1mcold = await measureCycledGets({
          label: t.label,
          name: 'get1mcold',
          client: t.client,
          bucket: BUCKET,
          ctx,
          prefix: 'cold-1m',
          count: COLD_OBJECTS,
          body: payloads.m1,
          conns: 16,
          pid: t.pid,
          cpuPids: cpuPids(),
          warmup: ctx.duration,
        });
      } catch (e) {
        notes.push(`${t.label} get1mcold failed: ${e.message}`);
        log(`${t.label} get1mcold: ${e.message}`);
      }
    }
    if (ours) {
      writeFileSync(join(rawDir, 'ours-metrics-small-ops.txt'), await metrics(ours));
      // 256 MiB PUTs: a fresh origin process (VmHWM = this PUT's peak, plus start-up).
      await ours.stop();
      if (cpuProf) log(`cpu profile(s): ${readdirSync(join(rawDir, 'cpuprof')).join(', ')} in ${join(rawDir, 'cpuprof')}`);
      try {
        ours = await startOurs();
        targets[1].pid = ours.pid;
        targets[1].client.destroy();
        targets[1].client = s3Client({ endpoint: ours.url, credentials: ours.credentials });
        await sleep(300);
      } catch (e) {
        oursReason = `restart before the 256 MiB PUT failed: ${e.message}`;
        log(oursReason);
        ours = null;
        targets.pop();
      }
    }
    log(`PUT 256 MiB ×${bigReps} each (streaming, presigned), alternating`);
    const big = { rgw: [], ours: [] };
    for (let i = 0; i < bigReps; i++) {
      for (const t of targets) {
        try {
          // The same key every time: the replaced object's space goes back to the cluster (rgw gc).
          const r = await streamingPuts({ label: t.label, client: t.client, bucket: BUCKET, file: bigFile, pid: t.pid, reps: 1, firstRep: i, key: () => 'big-256m', cpuPids: cpuPids() });
          big[t.id].push(...r.runs);
        } catch (e) {
          notes.push(`${t.label} 256 MiB PUT #${i + 1} failed: ${e.message}`);
          log(`${t.label}: ${e.message}`);
        }
      }
    }
    const summarize = (runs) => {
      if (!runs.length) return null;
      const ok = runs
        .filter((r) => r.status === 200)
        .map((r) => r.MBps)
        .sort((a, b) => a - b);
      return { runs, medianMBps: ok.length ? ok[Math.floor(ok.length / 2)] : null, maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB)), hwmMiB: Math.max(...runs.map((r) => r.hwmMiB)) };
    };
    rgwBig = summarize(big.rgw);
    oursBig = summarize(big.ours);

    // 4. Website hits through our edge, backend up, then down.
    if (ours) {
      try {
        const c = targets[1].client;
        await createBucket(c, SITE);
        await c.send(new PutBucketWebsiteCommand({ Bucket: SITE, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } } }));
        await c.send(
          new PutBucketPolicyCommand({
            Bucket: SITE,
            Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${SITE}/*` }] }),
          }),
        );
        const page = randomBytes(512).toString('hex'); // 1 KiB of text
        const hello = Buffer.from(page);
        for (const [Key, Body] of [
          ['index.html', '<!doctype html><title>bench</title>\n'],
          ['404.html', 'not found\n'],
          ['hello.txt', hello],
          ['miss-probe.txt', hello],
        ]) {
          await c.send(new PutObjectCommand({ Bucket: SITE, Key, Body, ContentType: Key.endsWith('.html') ? 'text/html' : 'text/plain' }));
        }
        const direct = await httpGet(`${ours.websiteUrl}/hello.txt`, { headers: { Host: SITE } });
        if (direct.status !== 200 || !direct.body.equals(hello)) throw new Error(`website GET on ours' website port (Host: ${SITE}): HTTP ${direct.status}, ${direct.body.length} bytes`);
        edge = await startOursEdge({ logs, name: 'ours-edge-ceph', originPort: ours.websitePort, origin: { id: 'nginx', hostHeader: SITE } });
        const e = { id: 'ours', name: 'ours edge', url: edge.url, proc: edge.proc };
        const obj = { id: '1k', path: '/hello.txt' };
        // Origin requests = our origin's request counter, less the metrics reads themselves
        // (whether a read counts itself is measured: two reads back to back).
        const total = async () => counter(await metrics(ours), 'bucketfront_origin_requests_total');
        const selfCount = -(await total()) + (await total());
        let reads = 0;
        const originCount = async () => {
          const n = await total();
          reads++;
          return n - reads * selfCount;
        };
        const countedHit = async (label) => {
          const before = await originCount();
          const cpu = cpuMeter({ ...cpuPids(), edge: edge.proc.pid });
          const r = await measureHit({ e, obj, expected: hello, originCount, ctx, label, notes });
          if (r) {
            r.cpu = cpu.stop(); // over the warm-up GETs, the 1 s wrk warm-up and the run
            r.originRequestsAll = (await originCount()) - before; // with the 3 warm-up GETs and the 1 s wrk warm-up
          }
          return r;
        };
        // The cluster is still busy after the 256 MiB PUTs (BlueStore, rgw): let it settle so the
        // "backend up" run does not share the cores with that and the "down" run does not.
        settle = await settleCluster(cpuPids);
        log(`cluster settled: ${JSON.stringify(settle)}`);
        // A fresh edge's first hit run is about half as fast as the next ones (JIT, lazy set-up in
        // its workers; measured: 9.4k then 17.5k, 15.5k, 15.9k req/s): warm it with one untimed run
        // of the same length first, so "up" (measured first) and "down" compare like with like.
        await httpGet(edge.url + obj.path);
        const warm = await wrk({ url: edge.url + obj.path, conns: 64, duration: ctx.duration, label: 'edge-warmup', rawDir });
        log(`edge warm-up run: ${fmtWrk(warm)}`);
        edgeWarmRps = warm.rps;
        hitUp = await countedHit('edge-hit-backend-up');
        const s3Url = await presign(targets[1].client, 'GET', BUCKET, 'get-1k');
        log("stopping radosgw (the cluster's only S3 endpoint) …");
        rgwStop = await cluster.stopRgw();
        log(`radosgw stopped (${rgwStop.signal}, ${rgwStop.ms} ms)`);
        // The origin sees the backend gone: a direct website GET of an object.
        originDown = await httpGet(`${ours.websiteUrl}/hello.txt`, { headers: { Host: SITE }, timeoutMs: 60000 }).then(
          (r) => ({ status: r.status, ms: Math.round(r.ms) }),
          (err) => ({ status: 0, error: err.message }),
        );
        s3Down = await httpGet(s3Url, { timeoutMs: 60000 }).then(
          (r) => ({ status: r.status, ms: Math.round(r.ms), code: /<Code>([^<]*)/.exec(r.body.toString())?.[1] }),
          (err) => ({ status: 0, error: err.message }),
        );
        log(`origin while the backend is down: website GET HTTP ${originDown.status} in ${originDown.ms ?? '?'} ms; S3 GetObject HTTP ${s3Down.status} ${s3Down.code ?? ''} in ${s3Down.ms ?? '?'} ms`);
        hitDown = await countedHit('edge-hit-backend-down');
        missDown = await httpGet(`${edge.url}/miss-probe.txt`, { timeoutMs: 60000 }).then(
          (r) => ({ status: r.status, ms: Math.round(r.ms), xCache: r.headers['x-cache'] }),
          (err) => ({ status: 0, error: err.message }),
        );
        log(`a miss through the edge while the backend is down: HTTP ${missDown.status} in ${missDown.ms ?? '?'} ms (${missDown.xCache ?? missDown.error ?? ''})`);
      } catch (err) {
        notes.push(`edge step failed: ${err.message}`);
        log(`edge step: ${err.stack ?? err}`);
      }
    }
    if (ours) writeFileSync(join(rawDir, 'ours-metrics-end.txt'), await metrics(ours));
    for (const t of targets) t.client.destroy();
  } finally {
    await edge?.stop();
    await ours?.stop();
    await cluster.stop();
  }

  // ------------------------------------------------------------------ rows
  const g = (id, k, f) => {
    const o = res[id]?.[k];
    return o && o.ok !== false ? (o[f] ?? null) : null;
  };
  const rgwP50 = g('rgw', 'get1k', 'p50ms'),
    ourP50 = g('ours', 'get1k', 'p50ms');
  const added = rgwP50 != null && ourP50 != null ? ourP50 - rgwP50 : null;
  const cores = (id, k) => {
    const o = res[id]?.[k];
    if (!o?.cpu) return '';
    const c = o.cpu;
    return `cores: ours ${c.ours ?? '–'}, radosgw ${c.radosgw ?? '–'}, mon+mgr+OSDs ${c.ceph ?? '–'}${o.wrkCores != null ? `, wrk ${o.wrkCores}` : ''}`;
  };
  const hitCores = (h) =>
    h?.cpu ? `cores: edge ${h.cpu.edge ?? '–'}, ours ${h.cpu.ours ?? '–'}, radosgw ${h.cpu.radosgw ?? '–'}, mon+mgr+OSDs ${h.cpu.ceph ?? '–'}${h.wrkCores != null ? `, wrk ${h.wrkCores}` : ''}` : '';
  const note2 = (k) => `radosgw run ${cores('rgw', k)}; ours run ${cores('ours', k)}`;
  const runsOf = (id, k) => (res[id]?.[k]?.runs ?? []).map((r) => (r ? r.opsPerSec.toFixed(0) : '–')).join(' / ');
  const rows = [
    row({
      what: 'GET 1 MiB, one hot object (presigned, wrk -c16)',
      peer: 'radosgw',
      peerValue: g('rgw', 'get1m', 'MBps'),
      ours: g('ours', 'get1m', 'MBps'),
      unit: 'MB/s',
      target: '≥ 0.8× radosgw',
      check: (r) => (r.ratio == null ? null : r.ratio >= 0.8),
      note: `ours answers from its object cache after a HEAD to radosgw (docs/scaling-out.md); ${note2('get1m')}`,
    }),
    row({ what: 'GET 1 MiB p50', peer: 'radosgw', peerValue: g('rgw', 'get1m', 'p50ms'), ours: g('ours', 'get1m', 'p50ms'), unit: 'ms', better: 'lower' }),
    row({
      what: `GET 1 MiB, cold: ${COLD_OBJECTS} objects read in a cycle (wrk -c16)`,
      peer: 'radosgw',
      peerValue: g('rgw', 'get1mcold', 'MBps'),
      ours: g('ours', 'get1mcold', 'MBps'),
      unit: 'MB/s',
      note: `every read misses ours' object cache: a GET to radosgw, the body through ours; p50 radosgw ${fmtMs(g('rgw', 'get1mcold', 'p50ms'))}, ours ${fmtMs(g('ours', 'get1mcold', 'p50ms'))}; ${note2('get1mcold')}`,
    }),
    row({ what: 'GET 1 KiB (presigned, wrk -c64)', peer: 'radosgw', peerValue: g('rgw', 'get1k', 'rps'), ours: g('ours', 'get1k', 'rps'), unit: 'req/s', note: note2('get1k') }),
    row({
      what: 'GET 1 KiB p50 under load (wrk -c64)',
      peer: 'radosgw',
      peerValue: rgwP50,
      ours: ourP50,
      unit: 'ms',
      better: 'lower',
      note:
        added == null
          ? ''
          : `added ${added >= 0 ? '+' : ''}${added.toFixed(2)} ms; p99 radosgw ${fmtMs(g('rgw', 'get1k', 'p99ms'))}, ours ${fmtMs(g('ours', 'get1k', 'p99ms'))}; 64 connections on saturated cores queue: p50 ≈ 64 ÷ req/s (Little's law), a throughput figure; the added latency is judged on one connection (next row)`,
    }),
    row({
      what: 'GET 1 KiB p50, one connection (wrk -c1)',
      peer: 'radosgw',
      peerValue: g('rgw', 'get1kc1', 'p50ms'),
      ours: g('ours', 'get1kc1', 'p50ms'),
      unit: 'ms',
      better: 'lower',
      target: '≤ radosgw + 1 ms',
      check: (r) => (r.peerValue == null || r.ours == null ? null : r.ours - r.peerValue <= 1),
      note:
        g('rgw', 'get1kc1', 'p50ms') != null && g('ours', 'get1kc1', 'p50ms') != null
          ? `added ${(g('ours', 'get1kc1', 'p50ms') - g('rgw', 'get1kc1', 'p50ms')).toFixed(2)} ms; req/s radosgw ${Math.round(g('rgw', 'get1kc1', 'rps'))}, ours ${Math.round(g('ours', 'get1kc1', 'rps'))}; ${note2('get1kc1')}`
          : '',
    }),
    row({
      what: 'PUT 1 MiB (SDK, 8 workers)',
      peer: 'radosgw',
      peerValue: g('rgw', 'put1m', 'MBps'),
      ours: g('ours', 'put1m', 'MBps'),
      unit: 'MB/s',
      target: '≥ 0.8× radosgw',
      check: (r) => (r.ratio == null ? null : r.ratio >= 0.8),
      note: `mean of two runs each, in ABBA order (radosgw ${runsOf('rgw', 'put1m')}, ours ${runsOf('ours', 'put1m')} req/s); p50 radosgw ${fmtMs(g('rgw', 'put1m', 'p50ms'))}, ours ${fmtMs(g('ours', 'put1m', 'p50ms'))}; ${note2('put1m')}`,
    }),
    row({
      what: 'PUT 1 KiB (SDK, 16 workers)',
      peer: 'radosgw',
      peerValue: g('rgw', 'put1k', 'opsPerSec'),
      ours: g('ours', 'put1k', 'opsPerSec'),
      unit: 'req/s',
      note: `mean of two runs each, in ABBA order (radosgw ${runsOf('rgw', 'put1k')}, ours ${runsOf('ours', 'put1k')} req/s); p50 radosgw ${fmtMs(g('rgw', 'put1k', 'p50ms'))}, ours ${fmtMs(g('ours', 'put1k', 'p50ms'))}; ${note2('put1k')}`,
    }),
    row({
      what: `PUT 256 MiB (streaming, presigned, median of ${bigReps})`,
      peer: 'radosgw',
      peerValue: rgwBig?.medianMBps,
      ours: oursBig?.medianMBps,
      unit: 'MB/s',
      note: `runs radosgw ${(rgwBig?.runs ?? []).map((x) => x.MBps.toFixed(0)).join(' / ')}, ours ${(oursBig?.runs ?? []).map((x) => x.MBps.toFixed(0)).join(' / ')} MB/s`,
    }),
    ceilingRow({
      what: 'peak RSS of our origin during 256 MiB PUT (VmHWM, fresh process)',
      ours: oursBig?.hwmMiB ?? null,
      unit: 'MiB',
      max: 150,
      note: oursBig ? `max sampled VmRSS (every 10 ms) ${oursBig.maxRssMiB.toFixed(0)} MiB; radosgw max VmRSS during its own PUTs ${rgwBig?.maxRssMiB?.toFixed(0) ?? '?'} MiB` : '',
    }),
    row({
      what: 'edge hits, 1 KiB website object (wrk -c64), backend up',
      peer: null,
      ours: hitUp?.ok === false ? null : hitUp?.rps,
      unit: 'req/s',
      note: hitUp ? `p50 ${fmtMs(hitUp.p50ms)}, p99 ${fmtMs(hitUp.p99ms)}; origin requests during the run ${hitUp.originRequests ?? '?'}; ${hitCores(hitUp)}` : '',
    }),
    row({
      what: 'edge hits, backend down (radosgw stopped) vs up',
      peer: 'backend up',
      peerValue: hitUp?.ok === false ? null : hitUp?.rps,
      ours: hitDown?.ok === false ? null : hitDown?.rps,
      unit: 'req/s',
      target: '≥ 0.8× up, 0 errors',
      check: (r) => (r.ratio == null ? null : r.ratio >= 0.8 && (hitDown.errors ?? 0) === 0 && (hitDown.non2xx ?? 0) === 0),
      note: hitDown
        ? `p50 ${fmtMs(hitDown.p50ms)}, p99 ${fmtMs(hitDown.p99ms)}; ${hitDown.errors ?? '?'} socket errors, ${hitDown.non2xx ?? '?'} non-2xx; hit by X-Cache ${hitDown.hitHeader ? 'yes' : 'NO'}; origin requests during the run ${hitDown.originRequests ?? '?'}; ${hitCores(hitDown)}`
        : '',
    }),
  ];
  for (const id of ['rgw', 'ours']) {
    const n = id === 'rgw' ? 'radosgw' : 'ours';
    for (const k of ['put1k', 'put1m']) if (res[id]?.[k]?.errors) notes.push(`${n} ${k}: ${res[id][k].errors} errors (${res[id][k].firstError})`);
    for (const k of ['get1k', 'get1kc1', 'get1m', 'get1mcold'])
      if (res[id]?.[k] && res[id][k].ok === false) notes.push(`${n} ${k}: ${res[id][k].error ?? `wrk: ${res[id][k].errors} socket errors, ${res[id][k].non2xx} non-2xx`}`);
  }
  notes.push(
    `Ceph (scripts/ceph-dev-cluster.sh): 1 mon, 1 mgr, 3 BlueStore OSDs on sparse files (pool size 3), radosgw (beast, tcp_nodelay) in bench/.work, started in ${(cluster.startMs / 1000).toFixed(1)} s and deleted at the end. Ours: \`bucketfront origin --store s3:${'<radosgw>'}?bucketPrefix=${PREFIX} --website-port W --no-access-log\`. Everything (wrk, the SDK client, ours, radosgw, the OSDs) shares the 2 cores: the "cores" notes say who used them during each run (from /proc, summed over each process tree).`,
  );
  {
    const per = (id, k) => {
      const o = res[id]?.[k];
      const rate = o?.rps ?? o?.opsPerSec;
      if (!o?.cpu || !rate) return null;
      const ms = (c) => (c == null ? '–' : ((c * 1000) / rate).toFixed(2));
      return `${k} ${id === 'rgw' ? 'direct' : 'through ours'}: ours ${ms(o.cpu.ours)}, radosgw ${ms(o.cpu.radosgw)}, mon+mgr+OSDs ${ms(o.cpu.ceph)}`;
    };
    const lines = ['get1k', 'get1kc1', 'get1m', 'get1mcold', 'put1k', 'put1m'].flatMap((k) => [per('rgw', k), per('ours', k)]).filter(Boolean);
    if (lines.length) notes.push(`CPU per request, in ms of CPU (cores used during the run ÷ requests per second): ${lines.join('; ')}.`);
  }
  {
    const w = (id, k, f) => res[id]?.[k]?.warmup?.[f];
    const parts = [];
    for (const k of ['put1k', 'put1m'])
      if (w('ours', k, 'opsPerSec') != null)
        parts.push(
          `${k} ours ${w('ours', k, 'opsPerSec').toFixed(0)} req/s (p99 ${fmtMs(w('ours', k, 'p99ms'))}) vs radosgw ${w('rgw', k, 'opsPerSec')?.toFixed(0) ?? '?'} (p99 ${fmtMs(w('rgw', k, 'p99ms'))})`,
        );
    for (const k of ['get1k', 'get1m', 'get1mcold'])
      if (w('ours', k, 'rps') != null)
        parts.push(`${k} ours ${Math.round(w('ours', k, 'rps'))} req/s (p99 ${fmtMs(w('ours', k, 'p99ms'))}) vs radosgw ${Math.round(w('rgw', k, 'rps') ?? 0)} (p99 ${fmtMs(w('rgw', k, 'p99ms'))})`);
    if (parts.length)
      notes.push(
        `Each measured run above followed an untimed warm-up run of the same length on the same server: a freshly started origin is much slower for its first seconds of load (JIT, first connections), which would otherwise be charged to ours only. The warm-up runs (the first load ours saw for each operation): ${parts.join('; ')}.`,
      );
  }
  notes.push(
    'Every request through ours is one more HTTP hop on the same 2 cores (wrk → ours → radosgw → OSDs): ours adds its own CPU (SigV4 verification, the backend request and its signature, the body copy through Node streams) to radosgw\'s, so the throughput ratio mostly reads "how much CPU ours takes from radosgw and the OSDs", not network or disk.',
  );
  if (rgwStop)
    notes.push(
      `Backend down: radosgw stopped with ${rgwStop.signal} (${rgwStop.ms} ms); the rest of the cluster kept running. A website GET straight to ours then answered HTTP ${originDown?.status ?? '?'} in ${originDown?.ms ?? '?'} ms${originDown?.error ? ` (${originDown.error})` : ''}${originDown?.status === 500 ? " (the website endpoint's catch-all InternalError page, where the S3 API answers 503)" : ''}, an S3 GetObject HTTP ${s3Down?.status ?? '?'} ${s3Down?.code ?? ''} in ${s3Down?.ms ?? '?'} ms; a never-cached object through the edge HTTP ${missDown?.status ?? '?'} in ${missDown?.ms ?? '?'} ms${missDown?.xCache ? ` (X-Cache: ${missDown.xCache})` : ''}${missDown?.error ? ` (${missDown.error})` : ''}.`,
    );
  if (edgeWarmRps != null)
    notes.push(
      `The edge was warmed first with one untimed wrk run of the same length (${Math.round(edgeWarmRps)} req/s: a fresh edge's first run is about half as fast as later ones), then measured with the backend up, then with radosgw stopped.`,
    );
  if (settle) notes.push(`Before the edge runs the cluster was given ${(settle.ms / 1000).toFixed(1)} s to settle after the 256 MiB PUTs (its daemons then used ${settle.cores} cores).`);
  if (hitUp?.originRequestsAll != null || hitDown?.originRequestsAll != null)
    notes.push(
      `Requests our origin counted during each hit measurement (3 warm-up GETs, 1 s wrk warm-up and the run): backend up ${hitUp?.originRequestsAll ?? '?'}, down ${hitDown?.originRequestsAll ?? '?'} (0 = every GET was served by the edge's cache; the miss that filled it came before the warm-up run).`,
    );
  if (ctx.quick) notes.push(`Quick run: ${bigReps} 256 MiB PUT each.`);
  notes.push(`Load average at the end of the measurements: ${loadavg()}.`);
  return {
    rows,
    notes,
    oursAvailable: !!res.ours.get1k || !!res.ours.put1k,
    oursUnavailableReason: oursReason || undefined,
    settings: { duration: ctx.duration, reps: ctx.reps, bigReps, bucketPrefix: PREFIX, ...(cpuProf ? { cpuProf: true } : {}), ...(nodeArgs.length ? { oursNodeArgs: nodeArgs.join(' ') } : {}) },
    raw: { ...raw, radosgw: { ...res.rgw, big: rgwBig }, ours: { ...res.ours, big: oursBig }, edge: { warmRps: edgeWarmRps, settle, up: hitUp, down: hitDown, missDown, originDown, s3Down, rgwStop } },
  };
}
