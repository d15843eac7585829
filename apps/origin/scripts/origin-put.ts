/**
 * End-to-end: a 256 MiB PutObject through the real origin (a child process,
 * so its RSS is measured alone) with @aws-sdk/client-s3 from this process.
 *
 *   node --conditions=source --import tsx apps/origin/scripts/origin-put.ts [MiB] [dir]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--child') {
  const { startOrigin } = await import('../src/index.js');
  const o = await startOrigin({
    dataDir: process.argv[3]!,
    port: 0,
    host: '127.0.0.1',
    accessLog: false,
    credentials: { accessKeyId: 'BENCHKEY', secretAccessKey: 'benchsecretbenchsecret' },
  });
  process.on('SIGTERM', () => void o.close().then(() => process.exit(0)));
  process.stdout.write(`${o.url}\n`);
} else {
  const { S3Client, CreateBucketCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const mib = Number(process.argv[2] ?? 256);
  const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'bf-origin-put-'));
  const prof = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--conditions=source', '--import', 'tsx', fileURLToPath(import.meta.url), '--child', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  const hwm = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    ...(process.env.NO_CHECKSUM ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const } : {}),
    credentials: { accessKeyId: 'BENCHKEY', secretAccessKey: 'benchsecretbenchsecret' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const idle = rss();
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  function* gen(): Generator<Buffer> {
    for (let i = 0; i < mib; i++) yield chunk;
  }
  const t0 = performance.now();
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'big.bin', Body: Readable.from(gen()), ContentLength: mib * 1024 * 1024 }));
  const secs = (performance.now() - t0) / 1000;
  console.log(
    JSON.stringify({
      mib,
      seconds: Number(secs.toFixed(3)),
      MBps: Number(((mib * 1024 * 1024) / 1e6 / secs).toFixed(1)),
      originIdleRssMiB: Number(idle.toFixed(1)),
      originPeakRssMiB: Number(hwm().toFixed(1)),
    }),
  );
  s3.destroy();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
