// origin: S3 API PUT/GET throughput for 1 KiB, 1 MiB and 256 MiB objects, ours vs s3rver,
// peak RSS of our origin during the 256 MiB PUT, and the disk's dd write speed, in one run.
//
//  PUT 1 KiB / 1 MiB: AWS SDK v3 PutObject (header-signed, payload SHA-256 signed), keep-alive
//                     agent, N concurrent workers for a fixed duration, distinct keys.
//  GET 1 KiB / 1 MiB / 256 MiB: wrk on a presigned GET URL (query-signed).
//  PUT 256 MiB:       a streaming PUT of a 256 MiB file to a presigned URL (UNSIGNED-PAYLOAD),
//                     3 times; our origin is restarted fresh first and /proc/PID/status is sampled.
//  dd:                dd if=/dev/zero of=bench/.work/dd.bin bs=1M count=1024 conv=fdatasync

import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { run, log, sleep } from '../lib/proc.mjs';
import { wrk, fmtWrk } from '../lib/wrk.mjs';
import { row, ceilingRow } from '../lib/results.mjs';
import { WORK, startS3rver, startOursOrigin, NotAvailable } from '../lib/servers.mjs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client, createBucket, presign, loadLoop } from '../lib/s3.mjs';
import { MiB, ensureBigFile, measurePuts, measureGets, streamingPuts } from '../lib/s3-bench.mjs';

async function ddWrite(rawDir) {
  const f = join(WORK, 'dd.bin');
  const args = ['if=/dev/zero', `of=${f}`, 'bs=1M', 'count=1024', 'conv=fdatasync'];
  const r = await run('dd', args, { timeoutMs: 180000 });
  rmSync(f, { force: true });
  writeFileSync(join(rawDir, 'dd.txt'), `# dd ${args.join(' ')}\n${r.stderr}`);
  // "1073741824 bytes (1.1 GB, 1.0 GiB) copied, 1.52 s, 706 MB/s"
  const m = r.stderr.match(/(\d+) bytes .* copied, ([\d.]+) s/);
  if (!m) return { ok: false, error: r.stderr.slice(0, 300) };
  const bytes = Number(m[1]),
    secs = Number(m[2]);
  return { ok: true, bytes, secs, MBps: bytes / secs / 1e6 };
}

async function benchServer(label, srv, ctx, payloads) {
  const out = { label };
  const client = s3Client({ endpoint: srv.url, credentials: srv.credentials });
  const Bucket = 'bench';
  await createBucket(client, Bucket);
  const D = ctx.durationMs;
  Object.assign(
    out,
    await measurePuts({
      label,
      client,
      bucket: Bucket,
      durationMs: D,
      puts: [
        ['put1k', payloads.k1, 16],
        ['put1m', payloads.m1, 8],
      ],
    }),
  );
  Object.assign(
    out,
    await measureGets({
      label,
      client,
      bucket: Bucket,
      ctx,
      pid: srv.pid,
      gets: [
        ['get1k', 'get-1k', payloads.k1, 64],
        ['get1m', 'get-1m', payloads.m1, 16],
      ],
    }),
  );
  // The same 1 KiB GET through the SDK (header-signed, a fresh signature on every request).
  log(`${label}: sdkget1k (SDK GetObject, 16 workers, ${D} ms)`);
  out.sdkget1k = await loadLoop({
    concurrency: 16,
    durationMs: D,
    op: async () => {
      const r = await client.send(new GetObjectCommand({ Bucket, Key: 'get-1k' }));
      const b = await r.Body.transformToByteArray();
      if (b.length !== 1024) throw new Error(`GetObject returned ${b.length} bytes`);
    },
  });
  log(`${label}: sdkget1k: ${out.sdkget1k.opsPerSec.toFixed(0)} ops/s, ${out.sdkget1k.errors} errors${out.sdkget1k.firstError ? ` (${out.sdkget1k.firstError})` : ''}`);
  client.destroy();
  return out;
}

/**
 * `ddBefore`: run the dd before every rep, so the disk figure and the PUT figure are taken
 * side by side (the virtual disk's speed changes from one second to the next: one dd at the
 * start of the mode is a poor yardstick for PUTs a minute later).
 */
async function bigPut(label, srv, file, pid, reps, ddBefore = null) {
  const client = s3Client({ endpoint: srv.url, credentials: srv.credentials });
  const dds = [];
  const big = await streamingPuts({
    label,
    client,
    bucket: 'bench',
    file,
    pid,
    reps,
    // Every PUT starts with no dirty pages left over (the other server's or the previous rep's,
    // s3rver does not fsync): each figure then measures its own write, like the dd before it.
    before:
      ddBefore &&
      (async (i) => {
        const d = await ddWrite(ddBefore);
        if (d.ok) dds.push(d.MBps);
        log(d.ok ? `dd before ${label} PUT #${i + 1}: ${d.MBps.toFixed(0)} MB/s` : `dd failed: ${d.error}`);
      }),
  });
  const { runs } = big;
  const mem = { maxRssMiB: big.maxRssMiB, hwmMiB: big.hwmMiB };
  // GET of the 256 MiB object through wrk (1 connection).
  let get = null;
  if (big.medianMBps != null) {
    const url = await presign(client, 'GET', 'bench', 'big-256m-0');
    get = await wrk({ url, conns: 1, duration: '5s', label: `${label}-get256m`, rawDir: bigPut.rawDir });
    get.MBps = (get.rps * 256 * MiB) / 1e6;
    log(`${label}: get256m: ${fmtWrk(get)}, ${get.MBps.toFixed(0)} MB/s`);
  }
  client.destroy();
  dds.sort((a, b) => a - b);
  return { runs, medianMBps: big.medianMBps, ...mem, get, dds, ddMedianMBps: dds.length ? dds[Math.floor(dds.length / 2)] : null };
}

export async function runOrigin(ctx) {
  const { rawDir, logs } = ctx;
  const notes = [];
  const payloads = { k1: randomBytes(1024), m1: randomBytes(MiB) };
  const bigFile = ensureBigFile();
  bigPut.rawDir = rawDir;

  log('dd: sequential write 1 GiB, conv=fdatasync');
  const dd = await ddWrite(rawDir);
  log(dd.ok ? `dd: ${dd.MBps.toFixed(0)} MB/s (${dd.secs} s)` : `dd failed: ${dd.error}`);

  let s3rver = null;
  try {
    s3rver = await startS3rver({ logs, buckets: ['bench'] });
  } catch (e) {
    notes.push(`s3rver did not start: ${e.message}`);
    log(`s3rver did not start: ${e.message}`);
  }
  let ours = null,
    oursReason = '';
  try {
    ours = await startOursOrigin({ logs, accessLog: false });
  } catch (e) {
    oursReason = e instanceof NotAvailable ? e.message : `failed to start: ${e.message}`;
    log(`ours: ${oursReason}`);
  }

  let peer = null;
  if (s3rver) {
    try {
      peer = await benchServer('s3rver', s3rver, ctx, payloads);
    } catch (e) {
      notes.push(`s3rver benchmark failed: ${e.message}`);
      log(`s3rver: ${e.message}`);
    }
  }
  let mine = null;
  if (ours) {
    try {
      mine = await benchServer('ours', ours, ctx, payloads);
    } catch (e) {
      oursReason = `origin benchmark failed: ${e.message}`;
      log(oursReason);
    }
  }

  log('PUT 256 MiB ×3 (streaming, presigned)');
  let peerBig = null;
  if (peer) {
    try {
      peerBig = await bigPut('s3rver', s3rver, bigFile, s3rver.pid, ctx.bigReps);
    } catch (e) {
      notes.push(`s3rver 256 MiB PUT failed: ${e.message}`);
      log(`s3rver: ${e.message}`);
    }
  }
  await s3rver?.stop();
  let mineBig = null;
  if (ours) {
    // Fresh process on the same data dir, so VmHWM is the peak of this PUT (plus start-up).
    await ours.stop();
    try {
      ours = await startOursOrigin({ name: 'ours-origin', logs, dataDir: ours.dataDir, fresh: false, accessLog: false });
      await sleep(300);
      mineBig = await bigPut('ours', ours, bigFile, ours.pid, ctx.bigReps, rawDir);
    } catch (e) {
      oursReason ||= `256 MiB PUT failed: ${e.message}`;
      log(oursReason);
    }
    await ours.stop();
  }

  // Remove the stored objects (gigabytes) now; keep logs.
  rmSync(join(WORK, 'run', 's3rver-data'), { recursive: true, force: true });
  rmSync(join(WORK, 'run', 'ours-origin-data'), { recursive: true, force: true });

  const g = (o, k, f) => (o?.[k] && o[k].ok !== false ? o[k][f] : null);
  const rows = [
    row({
      what: 'GET 1 KiB (presigned, wrk -c64)',
      peer: 's3rver',
      peerValue: g(peer, 'get1k', 'rps'),
      ours: g(mine, 'get1k', 'rps'),
      unit: 'req/s',
      target: '≥ 5× s3rver',
      check: (r) => (r.ratio == null ? null : r.ratio >= 5),
    }),
    row({ what: 'GET 1 KiB p99', peer: 's3rver', peerValue: g(peer, 'get1k', 'p99ms'), ours: g(mine, 'get1k', 'p99ms'), unit: 'ms', better: 'lower' }),
    row({
      what: 'GET 1 KiB (SDK GetObject, header-signed, 16 workers)',
      peer: 's3rver',
      peerValue: g(peer, 'sdkget1k', 'opsPerSec'),
      ours: g(mine, 'sdkget1k', 'opsPerSec'),
      unit: 'req/s',
      note: 'the Node SDK client shares the 2 cores and caps this figure',
    }),
    row({ what: 'GET 1 MiB (presigned, wrk -c16)', peer: 's3rver', peerValue: g(peer, 'get1m', 'MBps'), ours: g(mine, 'get1m', 'MBps'), unit: 'MB/s' }),
    row({ what: 'GET 256 MiB (presigned, wrk -c1)', peer: 's3rver', peerValue: peerBig?.get?.MBps, ours: mineBig?.get?.MBps, unit: 'MB/s' }),
    row({ what: 'PUT 1 KiB (SDK, 16 workers)', peer: 's3rver', peerValue: g(peer, 'put1k', 'opsPerSec'), ours: g(mine, 'put1k', 'opsPerSec'), unit: 'req/s' }),
    row({ what: 'PUT 1 MiB (SDK, 8 workers)', peer: 's3rver', peerValue: g(peer, 'put1m', 'MBps'), ours: g(mine, 'put1m', 'MBps'), unit: 'MB/s' }),
    row({ what: `PUT 256 MiB (streaming, median of ${ctx.bigReps})`, peer: 's3rver', peerValue: peerBig?.medianMBps, ours: mineBig?.medianMBps, unit: 'MB/s' }),
    row({
      what: `PUT 256 MiB vs disk (dd 1 GiB fdatasync before each PUT, medians of ${ctx.bigReps})`,
      peer: 'dd',
      peerValue: mineBig?.ddMedianMBps ?? (dd.ok ? dd.MBps : null),
      ours: mineBig?.medianMBps,
      unit: 'MB/s',
      target: '≥ 0.5× dd',
      check: (r) => (r.ratio == null ? null : r.ratio >= 0.5),
      note: `dd runs ${(mineBig?.dds ?? []).map((x) => x.toFixed(0)).join(' / ')} MB/s; PUT runs ${(mineBig?.runs ?? []).map((x) => x.MBps.toFixed(0)).join(' / ')} MB/s; dd at the start of the mode ${dd.ok ? dd.MBps.toFixed(0) : '?'} MB/s`,
    }),
    ceilingRow({
      what: 'peak RSS of our origin during 256 MiB PUT (VmHWM, fresh process)',
      ours: mineBig?.hwmMiB ?? null,
      unit: 'MiB',
      max: 150,
      note: mineBig ? `max sampled VmRSS ${mineBig.maxRssMiB.toFixed(0)} MiB; s3rver max VmRSS during its PUTs ${peerBig?.maxRssMiB?.toFixed(0) ?? '?'} MiB` : '',
    }),
  ];
  for (const [n, o] of [
    ['s3rver', peer],
    ['ours', mine],
  ]) {
    for (const k of ['put1k', 'put1m', 'sdkget1k']) if (o?.[k]?.errors) notes.push(`${n} ${k}: ${o[k].errors} errors (${o[k].firstError})`);
    for (const k of ['get1k', 'get1m']) if (o?.[k] && o[k].ok === false) notes.push(`${n} ${k}: ${o[k].error ?? 'wrk errors / non-2xx'}`);
  }
  notes.push(
    'wrk repeats one presigned URL: an origin that caches verified presigned URLs (ours does, for at most 1 min) skips the signature work on repeats. The SDK GetObject row signs every request, but its Node client shares the 2 cores.',
  );
  notes.push(
    'PUT 256 MiB target: the median of our PUTs against the median of a dd run right before each of them; the disk is virtual and its speed varies by up to 2.5× (bench/README.md#peer-reference-figures), even between consecutive seconds.',
  );
  notes.push('Reference (bench/README.md#peer-reference-figures, quiet machine): dd 2 GiB zeros with fdatasync 329 / 710 / 846 MB/s.');
  return {
    rows,
    notes,
    oursAvailable: !!mine,
    oursUnavailableReason: mine ? undefined : oursReason,
    settings: { duration: ctx.duration, reps: ctx.reps, bigReps: ctx.bigReps },
    raw: { dd, s3rver: { ...peer, big: peerBig }, ours: mine ? { ...mine, big: mineBig } : null },
  };
}
