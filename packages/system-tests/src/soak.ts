/**
 * `npm run soak [-- --seconds N]`: a bounded mixed soak on 127.0.0.1.
 *
 * Starts the origin and the edge as separate processes (the built CLI when
 * present, else the sources), then for N seconds (default 60) runs reads
 * through the edge, writes through the S3 API and invalidations through the
 * control API, all at once. Reports errors (target 0), p50/p99 per kind and
 * the RSS of both servers over time (target: flat), as JSON and a table.
 * Stops by itself; every process it started is stopped at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'undici';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    readers: { type: 'string', default: '16' },
    writers: { type: 'string', default: '4' },
    out: { type: 'string', default: join(repoRoot, 'packages/system-tests/results/soak-latest.json') },
  },
});
const seconds = Math.min(Math.max(Number(values.seconds), 5), 3600);
const readers = Number(values.readers);
const writers = Number(values.writers);

const credentials = { accessKeyId: `SOAK${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') };
const children: ChildProcess[] = [];
const temp = mkdtempSync(join(tmpdir(), 'bucketfront-soak-'));

function cleanup(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(temp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function cliCommand(): string[] {
  const built = join(repoRoot, 'apps/cli/dist/bin.js');
  return existsSync(built) ? [built] : ['--conditions=source', '--import', 'tsx', join(repoRoot, 'apps/cli/src/bin.ts')];
}

async function startCli(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    cwd: repoRoot,
    env: { ...process.env, BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stderr}`)), 60_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (ready.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
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

class Stats {
  latencies: number[] = [];
  errors = 0;
  errorSamples: string[] = [];
  record(ms: number): void {
    this.latencies.push(ms);
  }
  fail(what: string): void {
    this.errors++;
    if (this.errorSamples.length < 5) this.errorSamples.push(what);
  }
  summary(): { count: number; errors: number; p50: number; p99: number; max: number; errorSamples: string[] } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100;
    return { count: sorted.length, errors: this.errors, p50: at(0.5), p99: at(0.99), max: at(1), errorSamples: this.errorSamples };
  }
}

async function main(): Promise<void> {
  const [originPort, edgePort, controlPort] = [await freePort(), await freePort(), await freePort()];
  const origin = await startCli(['origin', '--port', String(originPort), '--data', join(temp, 'data'), '--no-access-log'], /S3 API:/);
  const endpoint = `http://127.0.0.1:${originPort}`;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await s3.send(new CreateBucketCommand({ Bucket: 'soak' }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: 'soak', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } } }));
  await s3.send(new PutBucketPolicyCommand({ Bucket: 'soak', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::soak', 'arn:aws:s3:::soak/*'] }] }) }));
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
  writeFileSync(configFile, JSON.stringify({
    pop: 'SOAK1-P1',
    distributions: [{
      id: 'ESOAK00000000001',
      aliases: [],
      origins: [{ id: 'o', url: endpoint, hostHeader: 'soak.s3-website-us-east-1.localhost' }],
      defaultCacheBehavior: { targetOriginId: 'o', minTTL: 0, defaultTTL: 60, maxTTL: 3600, compress: true },
    }],
  }));
  const edge = await startCli(['edge', '--config', configFile, '--port', String(edgePort), '--control-port', String(controlPort), '--workers', '2'], /viewers:/);
  const cloudfront = new CloudFrontClient({ endpoint: `http://127.0.0.1:${controlPort}`, region: 'us-east-1', credentials });
  const pool = new Pool(`http://127.0.0.1:${edgePort}`, { connections: readers });

  const stats = { read: new Stats(), write: new Stats(), invalidate: new Stats() };
  const rss: Array<{ t: number; origin: number; edge: number }> = [];
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const sample = (): void => {
    rss.push({ t: Math.round((Date.now() - started) / 1000), origin: rssMiB(origin.pid!), edge: rssMiB(edge.pid!) });
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
        await cloudfront.send(new CreateInvalidationCommand({ DistributionId: 'ESOAK00000000001', InvalidationBatch: { CallerReference: `soak-${i}-${Date.now()}`, Paths: { Quantity: 2, Items: ['/assets/*', '/'] } } }));
        stats.invalidate.record(performance.now() - t0);
      } catch (err) {
        stats.invalidate.fail((err as Error).name);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  process.stderr.write(`soak: ${seconds}s, ${readers} readers through the edge, ${writers} writers to the S3 API, an invalidation every 2 s\n`);
  await Promise.all([
    ...Array.from({ length: readers }, (_, n) => readLoop(n)),
    ...Array.from({ length: writers }, (_, n) => writeLoop(n)),
    invalidateLoop(),
  ]);
  clearInterval(sampler);
  sample();
  await pool.close();
  s3.destroy();
  cloudfront.destroy();

  const quarter = rss[Math.floor(rss.length / 4)]!;
  const last = rss[rss.length - 1]!;
  const report = {
    when: new Date().toISOString(),
    seconds,
    readers,
    writers,
    read: stats.read.summary(),
    write: stats.write.summary(),
    invalidate: stats.invalidate.summary(),
    rssMiB: {
      origin: { start: rss[0]!.origin, atQuarter: quarter.origin, end: last.origin, peak: Math.max(...rss.map((r) => r.origin)) },
      edge: { start: rss[0]!.edge, atQuarter: quarter.edge, end: last.edge, peak: Math.max(...rss.map((r) => r.edge)) },
    },
    rssSeries: rss,
  };
  mkdirSync(join(values.out!, '..'), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  const row = (name: string, s: ReturnType<Stats['summary']>): string => `| ${name} | ${s.count} | ${s.errors} | ${s.p50} | ${s.p99} | ${s.max} |`;
  console.log(['', `| kind | requests | errors | p50 ms | p99 ms | max ms |`, '|---|---|---|---|---|---|', row('reads via edge', report.read), row('writes via S3 API', report.write), row('invalidations', report.invalidate), '',
    `RSS MiB origin: start ${report.rssMiB.origin.start}, at 1/4 ${report.rssMiB.origin.atQuarter}, end ${report.rssMiB.origin.end}, peak ${report.rssMiB.origin.peak}`,
    `RSS MiB edge (primary + workers): start ${report.rssMiB.edge.start}, at 1/4 ${report.rssMiB.edge.atQuarter}, end ${report.rssMiB.edge.end}, peak ${report.rssMiB.edge.peak}`,
    `written to ${values.out}`].join('\n'));
  const errors = report.read.errors + report.write.errors + report.invalidate.errors;
  if (errors > 0) console.log('error samples:', JSON.stringify([report.read.errorSamples, report.write.errorSamples, report.invalidate.errorSamples]));
  origin.kill('SIGTERM');
  edge.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  process.exitCode = errors > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error('soak failed:', err);
  process.exitCode = 1;
}).finally(() => {
  cleanup();
});
