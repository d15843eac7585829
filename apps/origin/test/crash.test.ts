/**
 * Durability: an origin child process is SIGKILLed while many uploads are in
 * flight. After a restart on the same data directory every listed object is
 * complete and checksum-correct, acknowledged writes survived, no temporary
 * object is listed, and no orphaned data is left taking disk space.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { listAllObjects, makeS3Client, makeTempDir, makeTestCredentials, type TempDir } from '@bucketfront/test-support';
import { Client } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { startOriginProcess } from './fixtures/origin-process.js';

const credentials = makeTestCredentials();
const bucket = 'crash';
const originEnv = { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
const startChild = (dataDir: string) => startOriginProcess(dataDir, originEnv);

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}

const md5hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');

let tmp: TempDir | undefined;
let running: ChildProcess | undefined;
afterAll(async () => {
  running?.kill('SIGKILL');
  await tmp?.cleanup();
});

describe('crash safety', () => {
  it('SIGKILL during uploads leaves only complete, correct objects and no leaked data', async () => {
    tmp = await makeTempDir('bucketfront-crash-');
    const first = await startChild(tmp.path);
    running = first.child;
    const s3: S3Client = makeS3Client(first.url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // Every body ever sent per key (an overwrite in flight may or may not win).
    const sent = new Map<string, Set<string>>();
    const remember = (key: string, body: Buffer): void => {
      if (!sent.has(key)) sent.set(key, new Set());
      sent.get(key)!.add(md5hex(body));
    };

    // 1. Acknowledged writes: these must survive.
    const acked = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const body = randomBytes(64 * 1024 + i);
      remember(`acked/${i}`, body);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `acked/${i}`, Body: body }));
      acked.set(`acked/${i}`, md5hex(body));
    }

    // 2. Many uploads in flight: half their bytes sent, then stalled until the kill.
    const client = new Client(first.url, { pipelining: 0 });
    const inflight: Promise<unknown>[] = [];
    let halfway = 0;
    let allHalfway!: () => void;
    const halfwayReached = new Promise<void>((r) => (allHalfway = r));
    const N = 24;
    for (let i = 0; i < N; i++) {
      // Some overwrite acknowledged keys, the rest are new.
      const key = i % 3 === 0 ? `acked/${i}` : `inflight/${i}`;
      const body = randomBytes(1024 * 1024 + i);
      remember(key, body);
      const path = `/${bucket}/${key}`;
      const headers = signRequest({
        method: 'PUT',
        url: `${first.url}${path}`,
        headers: { 'content-length': String(body.length) },
        credentials,
        region: 'us-east-1',
        service: 's3',
        payloadHash: 'UNSIGNED-PAYLOAD',
      });
      async function* stalled(): AsyncGenerator<Buffer> {
        yield body.subarray(0, body.length >> 1);
        if (++halfway === N) allHalfway();
        await new Promise(() => {}); // never finishes: the process dies first
      }
      inflight.push(new Client(first.url).request({ method: 'PUT', path, headers: { ...headers, 'content-length': String(body.length) }, body: Readable.from(stalled()) }).catch(() => undefined));
    }
    // 3. And a burst of small uploads racing the kill (some finish, some do not).
    for (let i = 0; i < 30; i++) {
      const body = randomBytes(8 * 1024 + i);
      remember(`race/${i}`, body);
      inflight.push(s3.send(new PutObjectCommand({ Bucket: bucket, Key: `race/${i}`, Body: body })).catch(() => undefined));
    }
    await halfwayReached;
    // Let the half bodies reach the server's temp files before the kill (not a timing assertion).
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    running = undefined;
    s3.destroy();
    await client.close().catch(() => undefined);

    // Restart on the same directory.
    const second = await startChild(tmp.path);
    running = second.child;
    const s3b = makeS3Client(second.url, credentials);
    const listed = await listAllObjects(s3b, bucket);

    // No temporary or unknown object is listed; every listed object is whole and correct.
    let listedBytes = 0;
    for (const o of listed) {
      expect(sent.has(o.key), `unexpected key ${o.key}`).toBe(true);
      const got = await s3b.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      expect(bytes.length).toBe(o.size);
      expect(`"${md5hex(bytes)}"`).toBe(o.etag);
      expect(sent.get(o.key)!.has(md5hex(bytes))).toBe(true);
      listedBytes += bytes.length;
    }
    // Every acknowledged write survived (possibly replaced by a complete in-flight overwrite).
    const keys = new Set(listed.map((o) => o.key));
    for (const key of acked.keys()) expect(keys.has(key), `lost acknowledged ${key}`).toBe(true);
    for (const o of listed) if (o.key.startsWith('inflight/')) throw new Error(`half-written ${o.key} is visible`);

    // No leaked temp data: what is on disk is the live objects plus small metadata.
    const onDisk = await dirBytes(tmp.path);
    expect(onDisk - listedBytes).toBeLessThan(2 * 1024 * 1024);
    s3b.destroy();
    second.child.kill('SIGKILL');
    await new Promise((r) => second.child.once('exit', r));
    running = undefined;
    await Promise.race([Promise.allSettled(inflight), new Promise((r) => setTimeout(r, 2000))]);
  }, 120_000);
});
