/**
 * Retries with backoff, through a flaky network: `bucketfront sync` talks to a proxy
 * (flaky-proxy.ts) that answers some PUTs with 503 SlowDown and forwards everything else
 * to the real origin. The bytes are then read back from the origin directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { keysFromLines, parseSummary, runCli, startCliTestbed, writeTree } from './helpers.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';

const MiB = 1024 * 1024;
let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
let site: string;
const proxies: FlakyProxy[] = [];

const files: Record<string, Buffer> = { 'video/big.bin': randomBytes(9 * MiB + 7) };
for (let i = 0; i < 10; i++) files[`pages/p${i}.html`] = randomBytes(500 + i);
files['pages/bad.html'] = Buffer.from('<p>the proxy never lets this one through</p>');
const keys = Object.keys(files).sort();

/** Byte-exact (a Buffer comparison: vitest's deep equality is far too slow on 9 MiB). */
async function arrivedIntact(Bucket: string, Key: string): Promise<boolean> {
  return (await objectBytes(Bucket, Key))?.equals(files[Key]!) ?? false;
}

async function objectBytes(Bucket: string, Key: string): Promise<Buffer | undefined> {
  try {
    const res = await origin.s3.send(new GetObjectCommand({ Bucket, Key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    if ((err as Error).name === 'NoSuchKey') return undefined;
    throw err;
  }
}

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-retry-'));
  site = join(tmp.path, 'site');
  await writeTree(site, files);
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  await origin?.stop();
  await tmp?.cleanup();
});

describe('sync through a network that answers 503 SlowDown', () => {
  it('retries with backoff: the first 3 PUTs of every key fail, the sync still exits 0 with every file intact', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'flaky' }));
    const proxy = await startFlakyProxy(origin.url, { fail: ({ attempt }) => attempt <= 3 });
    proxies.push(proxy);
    const r = await runCli(['sync', site, 's3://flaky', '--endpoint-url', proxy.url, '--json'], env, { timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = parseSummary(r.stdout);
    expect(summary.uploaded.sort()).toEqual(keys);
    expect(summary.failed).toEqual([]);
    // Three refusals per key did happen; a small file took its lean PUT plus the SDK's
    // first two attempts, and got through on the SDK's third.
    expect(proxy.failed).toBe(3 * keys.length);
    for (const key of keys) {
      expect(await arrivedIntact('flaky', key), key).toBe(true);
      if (key !== 'video/big.bin') expect(proxy.putsByKey.get(key), key).toBe(4);
    }
    // The multipart upload completed as one object of the right size.
    const big = await origin.s3.send(new HeadObjectCommand({ Bucket: 'flaky', Key: 'video/big.bin' }));
    expect(big.ETag).toMatch(/-2"$/);
  }, 180_000);

  it('a key the network keeps refusing: exit 1, the key named, everything else uploaded', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'refused' }));
    const proxy = await startFlakyProxy(origin.url, { fail: ({ key }) => key === 'pages/bad.html' });
    proxies.push(proxy);
    const r = await runCli(['sync', site, 's3://refused', '--endpoint-url', proxy.url], env, { timeoutMs: 170_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^upload failed: \S*site\/pages\/bad\.html to s3:\/\/refused\/pages\/bad\.html An error occurred \(SlowDown\): Please reduce your request rate\.$/m);
    expect(r.stderr).toMatch(/^error: 1 operation\(s\) failed: pages\/bad\.html$/m);
    expect(keysFromLines(r.stdout, 'upload')).toEqual(keys.filter((k) => k !== 'pages/bad.html'));
    expect(r.stdout).toMatch(/Summary: 11 uploaded, 0 unchanged, 1 failed/);
    // Given up only after backoff on top of the SDK's: 3 rounds (execute.ts: 2 retries) of
    // the lean PUT plus the SDK's 4 attempts.
    expect(proxy.putsByKey.get('pages/bad.html')).toBe(3 * (1 + 4));
    expect(await objectBytes('refused', 'pages/bad.html')).toBeUndefined();
    for (const key of keys) if (key !== 'pages/bad.html') expect(await arrivedIntact('refused', key), key).toBe(true);
  }, 180_000);
});
