/**
 * `npm run soak [-- --seconds N --window S --out FILE]`: a bounded mixed soak on 127.0.0.1.
 *
 * Starts the origin and the edge as separate processes (the built CLI when
 * present, else the sources), then for N seconds (default 60) runs reads
 * through the edge, writes through the S3 API and invalidations through the
 * control API, all at once. Reports errors (target 0), p50/p99 per kind, per
 * window of S seconds (default 10) the p99 per kind beside the RSS of both
 * servers, and judges "RSS flat" explicitly (see RSS_FLAT below), as JSON
 * (default tests/system/results/soak-latest.json) and tables.
 * Exit code 1 when any request failed or an RSS is not flat.
 * Stops by itself; every process it started is stopped at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import { freePort } from '@bucketfront/test-support';
import { repoRoot, startCli } from './cli-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    readers: { type: 'string', default: '16' },
    writers: { type: 'string', default: '4' },
    window: { type: 'string', default: '10' },
    out: { type: 'string', default: join(repoRoot, 'tests/system/results/soak-latest.json') },
  },
});
const seconds = Math.min(Math.max(Number(values.seconds), 5), 3600);
const readers = Number(values.readers);
const writers = Number(values.writers);
const windowSeconds = Math.min(Math.max(Number(values.window), 1), seconds);

/**
 * The "RSS flat" criterion. Samples are taken every second and split into four
 * quarters of the run; the first quarter is warm-up (caches, JIT, pools fill)
 * and is not judged. RSS is flat when the mean of the last quarter exceeds the
 * mean of the second quarter by at most max(MiB, pct % of the second quarter).
 */
const RSS_FLAT = { toleranceMiB: 16, tolerancePct: 10 };

const credentials = { accessKeyId: `SOAK${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') };
const children: ChildProcess[] = [];
const temp = mkdtempSync(join(tmpdir(), 'bucketfront-soak-'));

function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(temp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

async function startProcess(args: string[], ready: RegExp): Promise<ChildProcess> {
  const { child } = await startCli(args, ready, credentials);
  children.push(child);
  return child;
}

/** RSS of a process and its children (edge workers), in MiB. */
function rssMiB(pid: number): number {
  let total = 0;
  const visit = (p: number): void => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb / 1024;
      const kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim();
      for (const k of kids ? kids.split(/\s+/) : []) visit(Number(k));
    } catch {
      /* the process went away */
    }
  };
  visit(pid);
  return Math.round(total * 10) / 10;
}

/** Nearest-rank quantile of an ascending array, in ms rounded to 0.01 (0 when empty). */
function quantile(sorted: number[], q: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100;
}

class Stats {
  latencies: number[] = [];
  /** ms since the soak started, per latency (same index) and per error. */
  at: number[] = [];
  errorsAt: number[] = [];
  errors = 0;
  errorSamples: string[] = [];
  constructor(private readonly started: () => number) {}
  record(ms: number): void {
    this.latencies.push(ms);
    this.at.push(performance.now() - this.started());
  }
  fail(what: string): void {
    this.errors++;
    this.errorsAt.push(performance.now() - this.started());
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }
  summary(): { count: number; errors: number; p50: number; p99: number; max: number; errorSamples: string[] } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return { count: sorted.length, errors: this.errors, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: quantile(sorted, 1), errorSamples: this.errorSamples };
  }
  /** Requests, errors and p99 of the requests that completed in [fromMs, toMs). */
  window(fromMs: number, toMs: number): { count: number; errors: number; p99: number } {
    const inWindow = this.latencies.filter((_, i) => this.at[i]! >= fromMs && this.at[i]! < toMs).sort((a, b) => a - b);
    return { count: inWindow.length, errors: this.errorsAt.filter((t) => t >= fromMs && t < toMs).length, p99: quantile(inWindow, 0.99) };
  }
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 10) / 10);

/** The RSS_FLAT verdict for one process's 1 s samples. */
function judgeFlat(series: number[]): { secondQuarterMeanMiB: number; lastQuarterMeanMiB: number; growthMiB: number; growthPct: number; allowedMiB: number; flat: boolean } {
  const q = Math.max(1, Math.floor(series.length / 4));
  const second = mean(series.slice(q, 2 * q));
  const last = mean(series.slice(series.length - q));
  const growthMiB = Math.round((last - second) * 10) / 10;
  const growthPct = second > 0 ? Math.round((growthMiB / second) * 1000) / 10 : 0;
  const allowedMiB = Math.round(Math.max(RSS_FLAT.toleranceMiB, (second * RSS_FLAT.tolerancePct) / 100) * 10) / 10;
  return { secondQuarterMeanMiB: second, lastQuarterMeanMiB: last, growthMiB, growthPct, allowedMiB, flat: growthMiB <= allowedMiB };
}

async function main(): Promise<void> {
  const [originPort, edgePort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const origin = await startProcess(['origin', '--port', String(originPort), '--data', join(temp, 'data'), '--no-access-log'], /S3 API:/);
  const endpoint = `http://127.0.0.1:${originPort}`;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'soak' }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: 'soak', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'soak',
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::soak', 'arn:aws:s3:::soak/*'] }],
      }),
    }),
  );
  const paths: string[] = [];
  for (let i = 0; i < 50; i++) {
    const key = `assets/f${i}.${i % 2 ? 'css' : 'js'}`;
    await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: key, Body: randomBytes(512 + i * 400).toString('base64'), CacheControl: i % 5 === 0 ? 'max-age=1' : 'max-age=30' }));
    paths.push(`/${key}`);
  }
  await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: 'index.html', Body: '<h1>soak</h1>', ContentType: 'text/html', CacheControl: 'max-age=2' }));
  await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: 'error.html', Body: '<h1>missing</h1>', ContentType: 'text/html' }));
  paths.push('/', '/missing-page.html');

  const configFile = join(temp, 'edge.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      pop: 'SOAK1-P1',
      distributions: [
        {
          id: 'ESOAK00000000001',
          aliases: [],
          origins: [{ id: 'o', url: endpoint, hostHeader: 'soak.s3-website-us-east-1.localhost' }],
          defaultCacheBehavior: { targetOriginId: 'o', minTTL: 0, defaultTTL: 60, maxTTL: 3600, compress: true },
        },
      ],
    }),
  );
  const edge = await startProcess(
    ['edge', '--config', configFile, '--cache-dir', join(temp, 'edge-cache'), '--port', String(edgePort), '--control-port', String(controlPort), '--workers', '2'],
    /viewers:/,
  );
  const cloudfront = new CloudFrontClient({ endpoint: `http://127.0.0.1:${controlPort}`, region: 'us-east-1', credentials });
  const pool = new Pool(`http://127.0.0.1:${edgePort}`, { connections: readers });

  const startedPerf = performance.now();
  const stats = { read: new Stats(() => startedPerf), write: new Stats(() => startedPerf), invalidate: new Stats(() => startedPerf) };
  const rss: Array<{ t: number; origin: number; edge: number }> = [];
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const sample = (): void => {
    rss.push({ t: Math.round((performance.now() - startedPerf) / 100) / 10, origin: rssMiB(origin.pid!), edge: rssMiB(edge.pid!) });
  };
  sample();
  const sampler = setInterval(sample, 1000);

  const readLoop = async (n: number): Promise<void> => {
    for (let i = n; Date.now() < deadline; i++) {
      const path = paths[i % paths.length]!;
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: 'GET', path, headers: { 'accept-encoding': i % 3 ? 'gzip, br' : 'identity' } });
        await res.body.arrayBuffer();
        const expected = path === '/missing-page.html' ? 404 : 200;
        if (res.statusCode !== expected) stats.read.fail(`${path} → ${res.statusCode}`);
        else stats.read.record(performance.now() - t0);
      } catch (err) {
        stats.read.fail(`${path}: ${(err as Error).message}`);
      }
    }
  };
  const writeLoop = async (n: number): Promise<void> => {
    for (let i = 0; Date.now() < deadline; i++) {
      const t0 = performance.now();
      try {
        await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: `uploads/w${n}/o${i % 200}`, Body: randomBytes(1024 + (i % 64) * 1024) }));
        if (i % 10 === 0) await s3.send(new PutObjectCommand({ Bucket: 'soak', Key: paths[i % 50]!.slice(1), Body: randomBytes(512 + (i % 50) * 400).toString('base64'), CacheControl: 'max-age=30' }));
        stats.write.record(performance.now() - t0);
      } catch (err) {
        stats.write.fail((err as Error).name);
      }
    }
  };
  const invalidateLoop = async (): Promise<void> => {
    for (let i = 0; Date.now() < deadline; i++) {
      const t0 = performance.now();
      try {
        await cloudfront.send(
          new CreateInvalidationCommand({ DistributionId: 'ESOAK00000000001', InvalidationBatch: { CallerReference: `soak-${i}-${Date.now()}`, Paths: { Quantity: 2, Items: ['/assets/*', '/'] } } }),
        );
        stats.invalidate.record(performance.now() - t0);
      } catch (err) {
        stats.invalidate.fail((err as Error).name);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  process.stderr.write(`soak: ${seconds}s, ${readers} readers through the edge, ${writers} writers to the S3 API, an invalidation every 2 s\n`);
  await Promise.all([...Array.from({ length: readers }, (_, n) => readLoop(n)), ...Array.from({ length: writers }, (_, n) => writeLoop(n)), invalidateLoop()]);
  clearInterval(sampler);
  sample();
  await pool.close();
  s3.destroy();
  cloudfront.destroy();

  const quarter = rss[Math.floor(rss.length / 4)]!;
  const middle = rss[Math.floor(rss.length / 2)]!;
  const last = rss[rss.length - 1]!;
  const windows: Array<{
    fromS: number;
    toS: number;
    read: { count: number; errors: number; p99: number };
    write: { count: number; errors: number; p99: number };
    invalidate: { count: number; errors: number; p99: number };
    rssMiB: { originMean: number; originMax: number; edgeMean: number; edgeMax: number };
  }> = [];
  for (let from = 0; from < seconds; from += windowSeconds) {
    const to = Math.min(from + windowSeconds, seconds);
    // The last window also takes the requests that finished just after the deadline.
    const toMs = to >= seconds ? Number.POSITIVE_INFINITY : to * 1000;
    const inWindow = rss.filter((r) => r.t >= from && (to >= seconds || r.t < to));
    windows.push({
      fromS: from,
      toS: to,
      read: stats.read.window(from * 1000, toMs),
      write: stats.write.window(from * 1000, toMs),
      invalidate: stats.invalidate.window(from * 1000, toMs),
      rssMiB: {
        originMean: mean(inWindow.map((r) => r.origin)),
        originMax: Math.max(0, ...inWindow.map((r) => r.origin)),
        edgeMean: mean(inWindow.map((r) => r.edge)),
        edgeMax: Math.max(0, ...inWindow.map((r) => r.edge)),
      },
    });
  }
  const flat = { origin: judgeFlat(rss.map((r) => r.origin)), edge: judgeFlat(rss.map((r) => r.edge)) };
  const criterion = `RSS flat = mean RSS of the last quarter of the run <= mean of the second quarter + max(${RSS_FLAT.toleranceMiB} MiB, ${RSS_FLAT.tolerancePct} % of it); the first quarter is warm-up and not judged; samples every 1 s`;
  const report = {
    when: new Date().toISOString(),
    seconds,
    readers,
    writers,
    windowSeconds,
    read: stats.read.summary(),
    write: stats.write.summary(),
    invalidate: stats.invalidate.summary(),
    rssMiB: {
      origin: { start: rss[0]!.origin, atQuarter: quarter.origin, middle: middle.origin, end: last.origin, peak: Math.max(...rss.map((r) => r.origin)) },
      edge: { start: rss[0]!.edge, atQuarter: quarter.edge, middle: middle.edge, end: last.edge, peak: Math.max(...rss.map((r) => r.edge)) },
    },
    rssFlat: { criterion, ...flat },
    windows,
    rssSeries: rss,
  };
  mkdirSync(join(values.out!, '..'), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  const row = (name: string, s: ReturnType<Stats['summary']>): string => `| ${name} | ${s.count} | ${s.errors} | ${s.p50} | ${s.p99} | ${s.max} |`;
  console.log(
    [
      '',
      `| kind | requests | errors | p50 ms | p99 ms | max ms |`,
      '|---|---|---|---|---|---|',
      row('reads via edge', report.read),
      row('writes via S3 API', report.write),
      row('invalidations', report.invalidate),
      '',
      `RSS MiB origin: start ${report.rssMiB.origin.start}, at 1/4 ${report.rssMiB.origin.atQuarter}, middle ${report.rssMiB.origin.middle}, end ${report.rssMiB.origin.end}, peak ${report.rssMiB.origin.peak}`,
      `RSS MiB edge (primary + workers): start ${report.rssMiB.edge.start}, at 1/4 ${report.rssMiB.edge.atQuarter}, middle ${report.rssMiB.edge.middle}, end ${report.rssMiB.edge.end}, peak ${report.rssMiB.edge.peak}`,
      '',
      `per ${windowSeconds} s window: requests / errors / p99 ms per kind, RSS MiB mean (max)`,
      '| window s | reads | read p99 | writes | write p99 | invalidations | inv p99 | errors | origin RSS | edge RSS |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...windows.map(
        (w) =>
          `| ${w.fromS}–${w.toS} | ${w.read.count} | ${w.read.p99} | ${w.write.count} | ${w.write.p99} | ${w.invalidate.count} | ${w.invalidate.p99} | ${w.read.errors + w.write.errors + w.invalidate.errors} | ${w.rssMiB.originMean} (${w.rssMiB.originMax}) | ${w.rssMiB.edgeMean} (${w.rssMiB.edgeMax}) |`,
      ),
      '',
      criterion,
      ...(['origin', 'edge'] as const).map((p) => {
        const f = flat[p];
        return `RSS ${p}: 2nd quarter mean ${f.secondQuarterMeanMiB} MiB → last quarter mean ${f.lastQuarterMeanMiB} MiB: growth ${f.growthMiB} MiB (${f.growthPct} %), allowed ${f.allowedMiB} MiB → ${f.flat ? 'FLAT' : 'NOT FLAT'}`;
      }),
      `written to ${values.out}`,
    ].join('\n'),
  );
  const errors = report.read.errors + report.write.errors + report.invalidate.errors;
  if (errors > 0) console.log('error samples:', JSON.stringify([report.read.errorSamples, report.write.errorSamples, report.invalidate.errorSamples]));
  const notFlat = (['origin', 'edge'] as const).filter((p) => !flat[p].flat);
  if (notFlat.length > 0) console.log(`RSS not flat: ${notFlat.join(', ')}`);
  origin.kill('SIGTERM');
  edge.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  process.exitCode = errors > 0 || notFlat.length > 0 ? 1 : 0;
}

main()
  .catch((err: unknown) => {
    console.error('soak failed:', err);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanup();
  });
