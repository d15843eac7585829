/**
 * 1 MiB PUT / GET throughput of an S3 backend directly, and through the
 * origin on the s3 driver in front of it (a separate process), with the same
 * client: signed keep-alive requests from N concurrent workers.
 *
 *   CEPH_RGW_ENDPOINT=… CEPH_RGW_ACCESS_KEY_ID=… CEPH_RGW_SECRET_ACCESS_KEY=… \
 *     npx tsx --conditions=source apps/origin/scripts/s3-bench.ts [seconds=5] [workers=8] [sizeKiB=1024]
 *
 * `serve` (used internally) runs the origin: s3-bench.ts serve <port-file>.
 * BENCH_CPU_PROF=<dir> writes a CPU profile of the origin process there; BENCH_WHOLE_BODY_BYTES sets
 * the driver's wholeBodyBytes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Store } from '@bucketfront/object-store';
import { signRequest, UNSIGNED_PAYLOAD } from '@bucketfront/sigv4';
import { createOriginHandler } from '../src/origin-handler.js';

interface Target {
  url: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function send(t: Target, method: string, path: string, body?: Buffer): Promise<{ status: number; bytes: number }> {
  const url = `${t.url}${path}`;
  const headers: Record<string, string> = body ? { 'content-length': String(body.length) } : {};
  Object.assign(headers, signRequest({ method, url, headers, credentials: t.credentials, region: 'us-east-1', service: 's3', payloadHash: UNSIGNED_PAYLOAD }));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function loop(seconds: number, workers: number, op: (w: number, i: number) => Promise<void>): Promise<{ ops: number; errors: number; secs: number }> {
  const until = performance.now() + seconds * 1000;
  let ops = 0;
  let errors = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; performance.now() < until; i++) {
        try {
          await op(w, i);
          ops++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ops, errors, secs: (performance.now() - start) / 1000 };
}

interface Side {
  label: string;
  target: Target;
  bucket: string;
  /** Objects written per worker (GETs read those). */
  written: number[];
  put: { ops: number; errors: number; secs: number };
  get: { ops: number; errors: number; secs: number };
}

async function prepare(label: string, target: Target, bucket: string, workers: number): Promise<Side> {
  const created = await send(target, 'PUT', `/${bucket}`);
  if (created.status !== 200) throw new Error(`${label}: CreateBucket answered ${created.status}`);
  const zero = (): { ops: number; errors: number; secs: number } => ({ ops: 0, errors: 0, secs: 0 });
  return { label, target, bucket, written: new Array<number>(workers).fill(0), put: zero(), get: zero() };
}

function add(into: { ops: number; errors: number; secs: number }, r: { ops: number; errors: number; secs: number }): void {
  into.ops += r.ops;
  into.errors += r.errors;
  into.secs += r.secs;
}

/** One slice of PUTs then one of GETs on one side. */
async function slice(side: Side, seconds: number, workers: number, body: Buffer): Promise<void> {
  add(
    side.put,
    await loop(seconds, workers, async (w, i) => {
      const r = await send(side.target, 'PUT', `/${side.bucket}/p/w${w}-${i % 50}`, body);
      if (r.status !== 200) throw new Error(String(r.status));
      side.written[w] = Math.max(side.written[w]!, Math.min(50, i + 1));
    }),
  );
  add(
    side.get,
    await loop(seconds, workers, async (w, i) => {
      const r = await send(side.target, 'GET', `/${side.bucket}/p/w${w}-${i % Math.max(1, side.written[w]!)}`);
      if (r.status !== 200 || r.bytes !== body.length) throw new Error(String(r.status));
    }),
  );
}

function report(side: Side, size: number): { put: number; get: number } {
  const mb = (r: { ops: number; secs: number }): number => (r.ops * size) / r.secs / 1e6;
  const out = { put: mb(side.put), get: mb(side.get) };
  console.log(
    `${side.label.padEnd(28)} PUT ${out.put.toFixed(1).padStart(7)} MB/s (${side.put.ops} ops, ${side.put.errors} errors)   ` +
      `GET ${out.get.toFixed(1).padStart(7)} MB/s (${side.get.ops} ops, ${side.get.errors} errors)`,
  );
  return out;
}

function backendFromEnv(): Target {
  const url = process.env.CEPH_RGW_ENDPOINT;
  const accessKeyId = process.env.CEPH_RGW_ACCESS_KEY_ID;
  const secretAccessKey = process.env.CEPH_RGW_SECRET_ACCESS_KEY;
  if (!url || !accessKeyId || !secretAccessKey) throw new Error('set CEPH_RGW_ENDPOINT, CEPH_RGW_ACCESS_KEY_ID, CEPH_RGW_SECRET_ACCESS_KEY');
  return { url, credentials: { accessKeyId, secretAccessKey } };
}

async function serve(portFile: string): Promise<void> {
  const backend = backendFromEnv();
  // BENCH_WHOLE_BODY_BYTES: the driver's wholeBodyBytes (small GETs read whole).
  const whole = process.env.BENCH_WHOLE_BODY_BYTES;
  const store = await createS3Store({
    endpoint: backend.url,
    credentials: backend.credentials,
    bucketPrefix: `bench${Date.now().toString(36)}-`,
    ...(whole !== undefined ? { wholeBodyBytes: Number(whole) } : {}),
  });
  const credentials = { accessKeyId: 'BENCHKEY', secretAccessKey: 'benchsecretbenchsecretbenchsecret' };
  const server = http.createServer({ keepAliveTimeout: 5_000 }, createOriginHandler({ store, credentials, accessLog: false }));
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    import('node:fs').then((fs) => fs.writeFileSync(portFile, JSON.stringify({ url: `http://127.0.0.1:${port}`, credentials })));
  });
  process.on('SIGTERM', () => {
    const cpu = process.cpuUsage();
    console.log(`origin process CPU: user ${(cpu.user / 1e6).toFixed(2)} s, system ${(cpu.system / 1e6).toFixed(2)} s`);
    server.close();
    server.closeAllConnections();
    void store.close().then(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === 'serve') return serve(process.argv[3]!);
  const [seconds = 5, workers = 8, sizeKiB = 1024] = process.argv.slice(2).map(Number);
  const size = sizeKiB * 1024;
  const body = randomBytes(size);
  const backend = backendFromEnv();
  // The two sides alternate in 1-second slices, so a load change on a shared machine hits both alike.
  console.log(`${sizeKiB} KiB objects, ${workers} workers, ${seconds} s of PUTs and of GETs per side, alternating 1 s slices`);

  const portFile = join(tmpdir(), `s3-bench-${process.pid}.json`);
  // BENCH_CPU_PROF=<dir>: a CPU profile of the origin process.
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, ...process.execArgv, process.argv[1]!, 'serve', portFile], { stdio: 'inherit', env: process.env });
  try {
    for (let i = 0; i < 200 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    const origin = JSON.parse(readFileSync(portFile, 'utf8')) as Target;
    const direct = await prepare('backend directly', backend, `bench-direct-${Date.now().toString(36)}`, workers);
    const through = await prepare('origin on the s3 driver', origin, 'bench', workers);
    for (let round = 0; round < seconds; round++) {
      await slice(direct, 1, workers, body);
      await slice(through, 1, workers, body);
    }
    const d = report(direct, size);
    const t = report(through, size);
    console.log(`ratio (origin / backend): PUT ${(t.put / d.put).toFixed(2)}×, GET ${(t.get / d.get).toFixed(2)}×`);
  } finally {
    child.kill('SIGTERM');
    rmSync(portFile, { force: true });
    agent.destroy();
  }
}

await main();
