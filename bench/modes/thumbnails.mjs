// thumbnails: S3 event → function → two WebP thumbnails, per second, for 2 MiB JPEGs.
// Our origin (`bucketfront origin`) holds N JPEGs of about 2 MiB (1920×1440, made with sharp);
// `bucketfront function` runs examples/thumbnails (concurrency 2, one per core) behind its webhook
// trigger; the harness POSTs one S3 event per image (4 in flight, so the function's queue is never
// empty) and times from the first POST to the last 200: every 200 means both thumbnails are
// stored in the origin. The peer is the same handler called in the harness's own process (no
// HTTP trigger, no worker threads), 2 at a time: the ratio is what the runtime costs.
// Warm-up: 2 events first (the environments' init: importing the SDK and sharp).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { log, startProcess, waitPort, freePort } from '../lib/proc.mjs';
import { row } from '../lib/results.mjs';
import { s3Client, createBucket, putObject } from '../lib/s3.mjs';
import { WORK, ROOT, startOursOrigin, oursCli, oursHas, oursEnv, NotAvailable } from '../lib/servers.mjs';

const HANDLER = join(ROOT, 'examples', 'thumbnails', 'thumbnails.mjs');
const CONCURRENCY = 2;
const IN_FLIGHT = 4;

/** A JPEG of about 2 MiB: a gradient with noise (camera-like entropy), quality picked to land near the size. */
async function makeJpeg() {
  const width = 1920;
  const height = 1440;
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed >> 16) % 64;
      const i = (y * width + x) * 3;
      raw[i] = ((x * 255) / width + n) & 255;
      raw[i + 1] = ((y * 255) / height + n) & 255;
      raw[i + 2] = (((x + y) * 127) / (width + height) + n) & 255;
    }
  }
  let best;
  for (const quality of [80, 85, 90, 93, 95, 97]) {
    const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
    if (!best || Math.abs(jpeg.length - 2 * 1024 * 1024) < Math.abs(best.length - 2 * 1024 * 1024)) best = jpeg;
  }
  return best;
}

function event(key, size) {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: { s3SchemaVersion: '1.0', bucket: { name: 'uploads', arn: 'arn:aws:s3:::uploads' }, object: { key, size, sequencer: '0' } },
      },
    ],
  });
}

/** Runs `work(i)` for i < n with `parallel` in flight; resolves with the seconds taken. */
async function timed(n, parallel, work) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

export async function runThumbnails(ctx) {
  const { logs } = ctx;
  const has = await oursHas('function');
  if (!has.ok) throw new NotAvailable(has.reason);
  const n = ctx.quick ? 8 : 40;
  const origin = await startOursOrigin({ logs, accessLog: false });
  const client = s3Client({ endpoint: origin.url, credentials: origin.credentials });
  for (const b of ['uploads', 'thumbnails', 'thumbnails-peer']) await createBucket(client, b);
  const jpeg = await makeJpeg();
  log(`thumbnails: ${n} JPEGs of ${(jpeg.length / 1048576).toFixed(2)} MiB (1920×1440)`);
  for (let i = 0; i < n + 2; i++) await putObject(client, 'uploads', `img-${i}.jpg`, jpeg);

  const run = join(WORK, 'run', 'thumbnails');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(run, { recursive: true });
  const port = await freePort();
  const config = join(run, 'functions.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
      listen: { host: '127.0.0.1', port },
      functions: [
        { name: 'thumbnails', handler: HANDLER, trigger: { type: 'webhook' }, concurrency: CONCURRENCY, timeout: 120, retries: 0, maxQueued: 1000, environment: { THUMBNAIL_BUCKET: 'thumbnails' } },
      ],
    }),
  );
  const c = await oursCli();
  const fn = startProcess('ours-function', c.cmd, [...c.args, 'function', '--config', config], { logFile: join(logs, 'ours-function.out'), env: oursEnv(), cwd: ROOT });
  await waitPort(port, { proc: fn, timeoutMs: 30000 });
  const url = `http://127.0.0.1:${port}/thumbnails`;
  const post = async (key) => {
    const res = await fetch(url, { method: 'POST', body: event(key, jpeg.length) });
    const body = await res.json();
    if (res.status !== 200 || body.status !== 'success') throw new Error(`${key}: HTTP ${res.status} ${JSON.stringify(body)}`);
  };
  await Promise.all([post(`img-${n}.jpg`), post(`img-${n + 1}.jpg`)]);
  const oursSec = await timed(n, IN_FLIGHT, (i) => post(`img-${i}.jpg`));
  await client.send(new HeadObjectCommand({ Bucket: 'thumbnails', Key: `thumbs/512/img-${n - 1}.jpg.webp` }));
  await fn.stop();

  // The peer: the handler itself, in this process, with a context like the runtime's.
  process.env.THUMBNAIL_BUCKET = 'thumbnails-peer';
  const { handler } = await import(`${HANDLER}?peer`);
  const context = { functionName: 'thumbnails', awsRequestId: 'bench', getRemainingTimeInMillis: () => 120000, s3: client, log: () => {} };
  const direct = (key) => handler(JSON.parse(event(key, jpeg.length)), context);
  await Promise.all([direct(`img-${n}.jpg`), direct(`img-${n + 1}.jpg`)]);
  const peerSec = await timed(n, CONCURRENCY, (i) => direct(`img-${i}.jpg`));
  await client.send(new HeadObjectCommand({ Bucket: 'thumbnails-peer', Key: `thumbs/512/img-${n - 1}.jpg.webp` }));
  await origin.stop();

  const rows = [
    row({
      what: `images/s, 2 MiB JPEG → WebP 128 + 512 px (${n} events, concurrency ${CONCURRENCY})`,
      peer: 'handler in-process',
      peerValue: n / peerSec,
      ours: n / oursSec,
      unit: 'images/s',
      note: `${((2 * n) / oursSec).toFixed(1)} thumbnails/s through the runtime; one image done every ${((oursSec / n) * 1000).toFixed(0)} ms`,
    }),
  ];
  const notes = [
    'Each image: GetObject (2 MiB) from our origin, decode, two resizes, two WebP encodes, two PutObjects; the runtime adds the webhook POST, a worker-thread hop each way and the invocation bookkeeping.',
    `Ours: \`bucketfront function\` (examples/thumbnails, concurrency ${CONCURRENCY}), ${IN_FLIGHT} events in flight; peer: the same handler awaited in the harness process, ${CONCURRENCY} at a time.`,
  ];
  return { rows, notes, oursAvailable: true, settings: { images: n, concurrency: CONCURRENCY, inFlight: IN_FLIGHT, jpegBytes: jpeg.length }, raw: { oursSec, peerSec } };
}
