/**
 * Measures a 256 MiB putObject: throughput and this process's peak RSS.
 * The body arrives over a loopback HTTP request (like the origin's PUT), in
 * whatever chunks the socket delivers; the client sends one reused 1 MiB
 * buffer so it allocates nothing.
 *
 *   node --conditions=source --import tsx packages/object-store/scripts/put-throughput.ts [MiB] [dir]
 *   compare: dd if=/dev/zero of=/tmp/x bs=1M count=256 conv=fdatasync
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsStore } from '@bucketfront/object-store';

const mib = Number(process.argv[2] ?? 256);
const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'bf-put-'));
const total = mib * 1024 * 1024;

const store = await createFsStore({ dataDir: dir });
await store.createBucket('b', { region: 'us-east-1' });

const server = http.createServer((req, res) => {
  store.putObject('b', 'big', req, { userMetadata: {} }, { expectedSize: total }).then(
    (info) => res.end(JSON.stringify(info)),
    (err: Error) => {
      res.statusCode = 500;
      res.end(String(err));
    },
  );
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

const hwm = (): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const rssBefore = process.memoryUsage().rss / 2 ** 20;
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss / 2 ** 20)), 20);

const chunk = Buffer.alloc(1024 * 1024, 0x61);
const src = join(dir, 'src.bin');
if (process.env.CLIENT === 'curl') {
  writeFileSync(src, Buffer.alloc(0));
  for (let i = 0; i < mib; i++) appendFileSync(src, chunk);
}
const curlPut = async (): Promise<string> => (await promisify(execFile)('curl', ['-s', '-T', src, `http://127.0.0.1:${port}/`], { encoding: 'utf8' })).stdout;
const t0 = performance.now();
// CLIENT=curl sends from a separate process (curl -T of a page-cached file), like a real client.
const body =
  process.env.CLIENT === 'curl'
    ? await curlPut()
    : await new Promise<string>((resolve, reject) => {
        const req = http.request({ port, host: '127.0.0.1', method: 'PUT', path: '/', headers: { 'content-length': total } }, (res) => {
          let s = '';
          res.on('data', (d: Buffer) => (s += d.toString()));
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
        let sent = 0;
        const pump = (): void => {
          while (sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
const secs = (performance.now() - t0) / 1000;

clearInterval(sampler);
console.log(body.slice(0, 120));
console.log(
  JSON.stringify({
    mib,
    seconds: Number(secs.toFixed(3)),
    MBps: Number((total / 1e6 / secs).toFixed(1)),
    MiBps: Number((mib / secs).toFixed(1)),
    rssBeforeMiB: Number(rssBefore.toFixed(1)),
    rssPeakSampledMiB: Number(peak.toFixed(1)),
    vmHWMMiB: Number(hwm().toFixed(1)),
  }),
);
server.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
