// website: GET of a 1 KiB and a 100 KiB object through our origin's website endpoint
// (Host: site.s3-website-us-east-1.localhost) vs nginx serving site/ as static files
// (stock `tcp_nopush on` and the `off` variant) vs s3rver's website endpoint
// (Host: site.s3-website-us-east-1.amazonaws.com). `wrk -t1 -c64 -d5s --latency`.
// The site is uploaded to ours and to s3rver with `aws s3 sync`; ours is made a website
// with `aws s3 website` and public with `aws s3api put-bucket-policy`.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { log } from '../lib/proc.mjs';
import { wrkMedian, fmtWrk } from '../lib/wrk.mjs';
import { row, wrkRow, ratioAtLeast, runNotes } from '../lib/results.mjs';
import { startNginxOrigin, startS3rver, startOursOrigin, NotAvailable, aws, WORK } from '../lib/servers.mjs';
import { httpGet } from '../lib/s3.mjs';

export const OBJECTS = [
  { id: '1k', path: '/assets/small/a000.css', size: 1024 },
  { id: '100k', path: '/assets/medium/m00.jpg', size: 102400 },
];

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/*' }],
});

async function step(label, p) {
  const r = await p;
  if (r.code !== 0) throw new Error(`${label} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().slice(0, 400)}`);
  return r;
}

/** Upload site/ to an S3 endpoint with the aws CLI; returns {ms} of the sync. */
export async function uploadSite({ endpoint, creds, site, makeWebsite, bucket = 'site' }) {
  const o = { creds, endpoint };
  if (makeWebsite) await step('aws s3 mb', aws(['s3', 'mb', `s3://${bucket}`], o));
  const sync = await step('aws s3 sync', aws(['s3', 'sync', site, `s3://${bucket}`, '--no-progress'], o));
  if (makeWebsite) {
    await step('aws s3 website', aws(['s3', 'website', `s3://${bucket}`, '--index-document', 'index.html', '--error-document', '404.html'], o));
    await aws(['s3api', 'delete-public-access-block', '--bucket', bucket], o); // harmless where unsupported
    await step('aws s3api put-bucket-policy', aws(['s3api', 'put-bucket-policy', '--bucket', bucket, '--policy', POLICY.replaceAll('site', bucket)], o));
  }
  return { ms: Math.round(sync.ms), uploads: (sync.stdout.match(/^upload:/gm) ?? []).length };
}

async function check(url, headers, expected) {
  try {
    const r = await httpGet(url, { headers });
    if (r.status !== 200) return `HTTP ${r.status}: ${r.body.toString('utf8', 0, 200)}`;
    if (!r.body.equals(expected)) return `body differs (${r.body.length} bytes, expected ${expected.length})`;
    return null;
  } catch (e) {
    return e.message;
  }
}

export async function runWebsite(ctx) {
  const { rawDir, logs, fixtures } = ctx;
  const site = fixtures.site;
  const notes = [];
  const targets = [];

  const peer = async (name, fn) => {
    try {
      return await fn();
    } catch (e) {
      notes.push(`${name}: ${e.message}`);
      log(`${name}: ${e.message}`);
      return null;
    }
  };
  await peer('nginx static', async () => {
    const ng = await startNginxOrigin({ name: 'nginx-static', site, mutable: join(WORK, 'run', 'mutable'), logs });
    targets.push({ id: 'nginx', name: 'nginx static', base: ng.directUrl, headers: {}, pid: ng.proc.pid });
  });
  await peer('nginx static, tcp_nopush off', async () => {
    const ngOff = await startNginxOrigin({ name: 'nginx-static-nopushoff', site, mutable: join(WORK, 'run', 'mutable'), tcpNopush: 'off', logs: join(logs, 'nopushoff') });
    targets.push({ id: 'nginxOff', name: 'nginx static, tcp_nopush off', base: ngOff.directUrl, headers: {}, pid: ngOff.proc.pid });
  });
  const upPeer = await peer('s3rver website', async () => {
    const s3rver = await startS3rver({ logs, websiteBuckets: ['site'] });
    log('uploading site/ to s3rver (aws s3 sync)');
    const up = await uploadSite({ endpoint: s3rver.url, creds: s3rver.credentials, site, makeWebsite: false });
    targets.push({ id: 's3rver', name: 's3rver website', base: s3rver.url, headers: { Host: 'site.s3-website-us-east-1.amazonaws.com' }, pid: s3rver.pid });
    return up;
  });

  let oursReason = '',
    upOurs = null;
  try {
    const ours = await startOursOrigin({ logs, accessLog: false });
    log('uploading site/ to ours (aws s3 mb/sync/website/put-bucket-policy)');
    upOurs = await uploadSite({ endpoint: ours.url, creds: ours.credentials, site, makeWebsite: true });
    targets.push({ id: 'ours', name: 'ours (website endpoint)', base: ours.url, headers: { Host: 'site.s3-website-us-east-1.localhost' }, pid: ours.pid });
  } catch (e) {
    oursReason = e instanceof NotAvailable ? e.message : `ours: ${e.message}`;
    log(oursReason);
  }

  const res = {};
  for (const obj of OBJECTS) {
    const expected = readFileSync(join(site, obj.path));
    for (const t of targets) {
      const url = t.base + obj.path;
      const bad = await check(url, t.headers, expected);
      if (bad) {
        res[`${t.id}.${obj.id}`] = { ok: false, error: bad };
        notes.push(`${t.name} ${obj.path}: ${bad}`);
        log(`${t.name} ${obj.path}: ${bad}`);
        continue;
      }
      const r = await wrkMedian({ url, conns: 64, duration: ctx.duration, headers: t.headers, label: `${t.id}-${obj.id}`, rawDir, pid: t.pid }, ctx.reps);
      res[`${t.id}.${obj.id}`] = r;
      log(`${t.name} ${obj.id}: ${fmtWrk(r)}`);
    }
  }
  const rows = [];
  for (const o of OBJECTS) {
    const sz = o.id === '1k' ? '1 KiB' : '100 KiB';
    rows.push(
      wrkRow(res, 's3rver', o.id, 'rps', { what: `website GET ${sz} (wrk -c64)`, peer: 's3rver website', target: '≥ 5× s3rver', check: ratioAtLeast(5) }),
      wrkRow(res, 'nginx', o.id, 'rps', { what: `website GET ${sz}`, peer: 'nginx static', target: 'report' }),
      wrkRow(res, 'nginxOff', o.id, 'rps', { what: `website GET ${sz}`, peer: 'nginx static, tcp_nopush off', target: 'report' }),
      wrkRow(res, 's3rver', o.id, 'p99ms', { what: `website GET ${sz} p99`, peer: 's3rver website' }),
      wrkRow(res, 'nginx', o.id, 'p99ms', { what: `website GET ${sz} p99`, peer: 'nginx static' }),
    );
  }
  rows.push(
    row({
      what: 'aws s3 sync site/ (232 files) into an empty bucket',
      peer: 's3rver',
      peerValue: upPeer ? upPeer.ms / 1000 : null,
      ours: upOurs ? upOurs.ms / 1000 : null,
      unit: 's',
      better: 'lower',
      note: 'set-up step, timed for information',
    }),
  );
  notes.push(
    'nginx static serves from the page cache with sendfile; with `tcp_nopush on` (Debian default) some 100 KiB responses hit the 40 ms Nagle/delayed-ACK stall (bench/README.md#peer-reference-figures).',
    ...runNotes(res, ctx.reps),
    'Reference (bench/README.md#peer-reference-figures, quiet machine, -d10s): nginx static 1 KB 79–89k rps, 100 KB 29.5–32.8k rps (p99 42 ms); tcp_nopush off 63k / 26.5–27.5k rps; s3rver website vhost 1 KB 1,767–2,077 rps, 100 KB 1,725–1,851 rps.',
  );
  return {
    rows,
    notes,
    oursAvailable: targets.some((t) => t.id === 'ours'),
    oursUnavailableReason: oursReason || undefined,
    settings: { duration: ctx.duration, reps: ctx.reps, wrk: '-t1 -c64 --latency' },
    raw: { wrk: res, upload: { s3rver: upPeer, ours: upOurs } },
  };
}
