// edge: cache-hit throughput and p99 (1 KiB, 100 KiB) through our edge (--workers 2) vs nginx
// proxy_cache (proxy_cache_lock on; stock `tcp_nopush on` and the `off` variant) vs Varnish
// (builtin VCL), all in front of the same nginx static origin on loopback, caches warmed first;
// the thundering herd (200 simultaneous GETs of an uncached 100 KB object) for all of them,
// counting origin fetches in the origin's access log; invalidation-to-visible latency for ours.

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { log, sleep } from '../lib/proc.mjs';
import { row, wrkRow, ratioAtLeast, ceilingRow, runNotes } from '../lib/results.mjs';
import { herd } from '../lib/herd.mjs';
import { measureHit } from '../lib/edge-hits.mjs';
import { httpGet } from '../lib/s3.mjs';
import { WORK, startNginxOrigin, startNginxEdge, startVarnish, startOursEdge, NotAvailable } from '../lib/servers.mjs';
import { OBJECTS } from './website.mjs';

function originHits(accessLog, path) {
  const needle = `"GET ${path} `;
  let n = 0;
  for (const l of readFileSync(accessLog, 'utf8').split('\n')) if (l.includes(needle)) n++;
  return n;
}
function originLines(accessLog) {
  return readFileSync(accessLog, 'utf8').split('\n').filter(Boolean).length;
}

async function invalidationLatency(edge, mutableDir, reps) {
  const { CloudFrontClient, CreateInvalidationCommand } = await import('@aws-sdk/client-cloudfront');
  const cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: edge.credentials, maxAttempts: 1 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const path = '/__bench/probe.txt';
  const file = join(mutableDir, 'probe.txt');
  const url = edge.url + path;
  const runs = [];
  // Warm the control connection and the client (first-call set-up is not the edge's latency).
  await cf.send(
    new CreateInvalidationCommand({
      DistributionId: edge.distributionId,
      InvalidationBatch: { CallerReference: `bench-warmup-${Date.now()}`, Paths: { Quantity: 1, Items: ['/__bench/warmup'] } },
    }),
  );
  writeFileSync(file, 'v0\n');
  let r = await httpGet(url, { agent });
  if (r.status !== 200) throw new Error(`probe GET through our edge: HTTP ${r.status}`);
  for (let i = 1; i <= reps; i++) {
    const want = `v${i}\n`;
    // Make sure the old version is cached and still served after the origin changed.
    await httpGet(url, { agent });
    writeFileSync(file, want);
    r = await httpGet(url, { agent });
    const staleServed = r.body.toString() !== want;
    const t0 = performance.now();
    const inv = await cf.send(
      new CreateInvalidationCommand({
        DistributionId: edge.distributionId,
        InvalidationBatch: { CallerReference: `bench-${Date.now()}-${i}`, Paths: { Quantity: 1, Items: [path] } },
      }),
    );
    const apiMs = performance.now() - t0;
    let polls = 0,
      visibleMs = null;
    while (performance.now() - t0 < 5000) {
      polls++;
      const g = await httpGet(url, { agent });
      if (g.status === 200 && g.body.toString() === want) {
        visibleMs = performance.now() - t0;
        break;
      }
    }
    runs.push({ apiMs, visibleMs, polls, status: inv.Invalidation?.Status, staleServed });
    log(
      `ours: invalidation #${i}: CreateInvalidation ${apiMs.toFixed(1)} ms (${inv.Invalidation?.Status}), visible after ${visibleMs?.toFixed(1) ?? '>5000'} ms, ${polls} polls${staleServed ? '' : ' (NOTE: new content was already served before the invalidation)'}`,
    );
    await sleep(50);
  }
  agent.destroy();
  cf.destroy();
  const vis = runs.map((x) => x.visibleMs ?? Infinity).sort((a, b) => a - b);
  return { runs, medianMs: vis[Math.floor(vis.length / 2)], maxMs: vis[vis.length - 1] };
}

export async function runEdge(ctx) {
  const { rawDir, logs, fixtures } = ctx;
  const site = fixtures.site;
  const notes = [];
  const mutable = join(WORK, 'run', 'mutable');
  mkdirSync(mutable, { recursive: true });
  const origin = await startNginxOrigin({ name: 'nginx-origin', site, mutable, logs });
  const edges = [];
  const peer = async (id, name, start) => {
    try {
      edges.push({ id, name, ...(await start()) });
    } catch (e) {
      notes.push(`${name} did not start: ${e.message}`);
      log(`${name} did not start: ${e.message}`);
    }
  };
  await peer('nginx', 'nginx proxy_cache', () => startNginxEdge({ name: 'nginx-edge', originPort: origin.upstreamPort, logs }));
  await peer('nginxOff', 'nginx proxy_cache, tcp_nopush off', () => startNginxEdge({ name: 'nginx-edge-nopushoff', originPort: origin.upstreamPort, tcpNopush: 'off', logs }));
  await peer('varnish', 'Varnish', () => startVarnish({ originPort: origin.upstreamPort, logs }));
  let oursReason = '',
    ours = null;
  try {
    ours = await startOursEdge({ logs, originPort: origin.upstreamPort, workers: 2 });
    edges.push({ id: 'ours', name: 'ours (--workers 2)', ...ours });
  } catch (e) {
    oursReason = e instanceof NotAvailable ? e.message : `ours edge: ${e.message}`;
    log(oursReason);
  }

  // ---- cache hits
  const res = {};
  for (const obj of OBJECTS) {
    const expected = readFileSync(join(site, obj.path));
    for (const e of edges) {
      res[`${e.id}.${obj.id}`] = await measureHit({ e, obj, expected, originCount: () => originLines(origin.accessLog), ctx, notes });
    }
  }

  // ---- thundering herd: each edge × run gets a never-requested m??.jpg
  const herds = {};
  let next = 1;
  for (let run = 0; run < ctx.herdRuns; run++) {
    for (const e of edges) {
      if (e.id === 'nginxOff') continue; // same nginx lock code as the stock edge
      const path = `/assets/medium/m${String(next++).padStart(2, '0')}.jpg`;
      const before = originHits(origin.accessLog, path);
      let h;
      try {
        h = await herd({ port: e.port, path, n: 200 });
      } catch (err) {
        notes.push(`${e.name} herd: ${err.message}`);
        continue;
      }
      await sleep(500);
      const fetches = originHits(origin.accessLog, path) - before;
      const ok200 = h.statuses[200] ?? 0;
      const fullBodies = h.bodies.filter((b) => b === 102400).length;
      const rec = { path, originFetches: fetches, minMs: h.minMs, p50Ms: h.p50Ms, maxMs: h.maxMs, over400: h.over400, statuses: h.statuses, fullBodies, errors: h.errors };
      (herds[e.id] ??= []).push(rec);
      log(
        `${e.name} herd ${path}: origin fetches ${fetches}, latency min/p50/max ${h.minMs.toFixed(0)}/${h.p50Ms.toFixed(0)}/${h.maxMs.toFixed(0)} ms, ≥400 ms: ${h.over400}, 200s: ${ok200}, full bodies: ${fullBodies}`,
      );
    }
  }
  writeFileSync(join(rawDir, 'herd.json'), JSON.stringify(herds, null, 2));

  // ---- invalidation (ours)
  let inval = null;
  if (ours) {
    try {
      inval = await invalidationLatency(ours, mutable, ctx.quick ? 3 : 5);
    } catch (e) {
      notes.push(`invalidation test failed: ${e.message}`);
      log(`invalidation: ${e.message}`);
    }
  }

  const P = { nginx: 'nginx proxy_cache', nginxOff: 'nginx proxy_cache, tcp_nopush off', varnish: 'Varnish' };
  const rows = [
    wrkRow(res, 'nginx', '1k', 'rps', { what: 'hit GET 1 KiB (wrk -c64)', peer: P.nginx, target: '≥ 0.5× nginx', check: ratioAtLeast(0.5) }),
    wrkRow(res, 'nginxOff', '1k', 'rps', { what: 'hit GET 1 KiB', peer: P.nginxOff }),
    wrkRow(res, 'varnish', '1k', 'rps', { what: 'hit GET 1 KiB', peer: P.varnish }),
    wrkRow(res, 'nginx', '1k', 'p99ms', { what: 'hit GET 1 KiB p99', peer: P.nginx }),
    wrkRow(res, 'varnish', '1k', 'p99ms', { what: 'hit GET 1 KiB p99', peer: P.varnish }),
    wrkRow(res, 'nginxOff', '100k', 'rps', { what: 'hit GET 100 KiB (wrk -c64)', peer: P.nginxOff, target: '≥ 0.8× nginx (fair anchor: nopush off)', check: ratioAtLeast(0.8) }),
    wrkRow(res, 'nginx', '100k', 'rps', { what: 'hit GET 100 KiB', peer: 'nginx proxy_cache (stock, 40 ms stall)', target: '≥ 0.8× nginx', check: ratioAtLeast(0.8) }),
    wrkRow(res, 'varnish', '100k', 'rps', { what: 'hit GET 100 KiB', peer: P.varnish }),
    wrkRow(res, 'nginxOff', '100k', 'p99ms', { what: 'hit GET 100 KiB p99', peer: P.nginxOff }),
    wrkRow(res, 'varnish', '100k', 'p99ms', { what: 'hit GET 100 KiB p99', peer: P.varnish }),
  ];
  const hs = (id, f, agg = Math.max) => (herds[id]?.length ? agg(...herds[id].map((x) => x[f])) : null);
  const herdOk = (id) => (herds[id]?.length ? herds[id].every((x) => x.maxMs < 500 && x.fullBodies === 200) : null);
  for (const [id, name] of [
    ['nginx', 'nginx proxy_cache (lock on)'],
    ['varnish', 'Varnish'],
  ]) {
    rows.push(
      row({
        what: 'herd: origin fetches per 200-GET herd (max over runs)',
        peer: name,
        peerValue: hs(id, 'originFetches'),
        ours: hs('ours', 'originFetches'),
        unit: '',
        better: 'none',
        target: 'exactly 1',
        check: (r) => (r.ours == null ? null : herds.ours.every((x) => x.originFetches === 1)),
      }),
    );
    rows.push(
      row({
        what: 'herd: slowest follower latency (max over runs)',
        peer: name,
        peerValue: hs(id, 'maxMs'),
        ours: hs('ours', 'maxMs'),
        unit: 'ms',
        better: 'lower',
        target: '< 500 ms, all 200 full bodies',
        check: () => herdOk('ours'),
      }),
    );
  }
  rows.push(
    ceilingRow({
      what: 'invalidation → new content visible (median of runs)',
      ours: inval?.medianMs ?? null,
      unit: 'ms',
      max: 100,
      value: inval?.maxMs,
      note: inval ? `max ${inval.maxMs.toFixed(1)} ms; CreateInvalidation call ${Math.max(...inval.runs.map((x) => x.apiMs)).toFixed(1)} ms max` : '',
    }),
  );
  notes.push(
    `Herd runs (origin fetches; latency min / p50 / max; responses ≥ 400 ms): ${Object.entries(herds)
      .map(
        ([id, rs]) =>
          `${id}: ${rs.map((x) => `${x.originFetches}; ${x.minMs.toFixed(0)} / ${x.p50Ms.toFixed(0)} / ${x.maxMs.toFixed(0)} ms; ${x.over400}${x.fullBodies !== 200 ? `; only ${x.fullBodies} full bodies` : ''}`).join(' | ')}`,
      )
      .join(' — ')}.`,
  );
  notes.push(
    'Every edge fronts the same nginx origin (upstream listener, access-logged); origin requests during the hit runs are counted from its access log. Varnish hit = two ids in X-Varnish; nginx = X-Cache-Status: HIT; ours = X-Cache: Hit from cloudfront.',
    'The stock nginx edge (`tcp_nopush on`) stalls ~40 ms on 100 KiB hits (Nagle + delayed ACK, bench/README.md#peer-reference-figures); the `tcp_nopush off` row is the fair anchor at 100 KiB.',
    ...runNotes(res, ctx.reps),
    'Reference (bench/README.md#peer-reference-figures, quiet machine, -d10s): nginx proxy_cache 1 KB 65–69k rps, 100 KB ~1.5k rps (stall); tcp_nopush off 54–58k / 30–34k rps; Varnish 42–58k / 21–30k rps. Herd: nginx 1 fetch, slowest 512–519 ms; Varnish 1 fetch, slowest 55–85 ms.',
  );
  return {
    rows,
    notes,
    oursAvailable: !!ours,
    oursUnavailableReason: oursReason || undefined,
    settings: { duration: ctx.duration, reps: ctx.reps, wrk: '-t1 -c64 --latency', herdRuns: ctx.herdRuns, herdSize: 200, workers: 2 },
    raw: { wrk: res, herd: herds, invalidation: inval },
  };
}
