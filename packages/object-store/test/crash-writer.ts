/**
 * Child process for crash.test.ts: writes objects concurrently into a store
 * until it is SIGKILLed, printing one line per event on stdout (synchronous
 * for pipes on Linux, so a printed line was printed before the kill):
 *
 *   start <key> <md5>   a PUT of these bytes is about to begin
 *   ack <key> <md5>     that PUT (or multipart completion) resolved
 *   delstart <key>      a DeleteObject is about to begin
 *   del <key>           a DeleteObject resolved
 *
 * Usage: node --conditions=source --import tsx crash-writer.ts <dataDir> <runId>
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createFsStore, isStoreError } from '@bucketfront/object-store';
import { bytes } from '../src/contract-bytes.js';

const [dataDir, runId] = process.argv.slice(2);
if (dataDir === undefined || runId === undefined) throw new Error('usage: crash-writer <dataDir> <runId>');

export const CRASH_MIN_PART = 64 * 1024;
const META = { userMetadata: { run: runId } };

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
/** Delivers the body in 64 KiB chunks, like a socket. */
function chunked(b: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += 65_536) chunks.push(b.subarray(i, i + 65_536));
  return Readable.from(chunks);
}
const say = (line: string): void => void process.stdout.write(`${line}\n`);

const store = await createFsStore({ dataDir, minPartSize: CRASH_MIN_PART });
try {
  await store.createBucket('crash', { region: 'us-east-1' });
} catch (err) {
  if (!isStoreError(err, 'BucketAlreadyOwnedByYou')) throw err;
}
say('ready');

let n = 0;
const sizes = [0, 1, 1000, 70_000, 300_000, 1_000_000, 3 * 1024 * 1024];

async function putWorker(worker: number): Promise<void> {
  for (;;) {
    const i = n++;
    const seed = Number(runId) * 100_000 + i + 1;
    const data = bytes(sizes[(i * 7 + worker) % sizes.length]!, seed);
    // every third write overwrites one of a few shared keys
    const key = i % 3 === 0 ? `hot/${i % 4}` : `r${runId}/w${worker}/obj-${i}`;
    say(`start ${key} ${md5(data)}`);
    await store.putObject('crash', key, chunked(data), META, { expectedSize: data.length });
    say(`ack ${key} ${md5(data)}`);
    if (i % 7 === 1 && !key.startsWith('hot/')) {
      // server-side copy (hard links for file-backed objects, a new manifest for inline ones)
      const copy = `r${runId}/copy-${i}`;
      say(`start ${copy} ${md5(data)}`);
      await store.copyObject({ bucket: 'crash', key }, { bucket: 'crash', key: copy }, META);
      say(`ack ${copy} ${md5(data)}`);
    }
    if (i % 5 === 4 && !key.startsWith('hot/')) {
      say(`delstart ${key}`);
      await store.deleteObject('crash', key);
      say(`del ${key}`);
    }
  }
}

async function multipartWorker(): Promise<void> {
  for (let u = 0; ; u++) {
    const key = `r${runId}/mp-${u}`;
    const up = await store.createMultipartUpload('crash', key, META);
    const parts = [bytes(CRASH_MIN_PART + 100, u + 1), bytes(CRASH_MIN_PART * 3, u + 2), bytes(5000, u + 3)];
    const refs = [];
    for (const [j, p] of parts.entries()) {
      const info = await store.uploadPart('crash', key, up.uploadId, j + 1, chunked(p));
      refs.push({ partNumber: j + 1, etag: info.etag });
    }
    const whole = Buffer.concat(parts);
    say(`start ${key} ${md5(whole)}`);
    await store.completeMultipartUpload('crash', key, up.uploadId, refs);
    say(`ack ${key} ${md5(whole)}`);
  }
}

await Promise.all([putWorker(0), putWorker(1), putWorker(2), putWorker(3), putWorker(4), putWorker(5), multipartWorker()]);
