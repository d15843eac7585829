/** Parallel range listing returns exactly what one sequential pagination returns, against the real origin. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { listRemote } from '../src/sync/remote-listing.js';
import { makeRawS3 } from '../src/s3/raw-s3.js';

let origin: TestOrigin;
const auth = async () => ({ credentials: origin.credentials, region: 'us-east-1' });
const keys: string[] = [];

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'list' }));
  for (let i = 0; i < 70; i++) keys.push(`p/k${String(i).padStart(3, '0')}${i % 7 === 0 ? '/nested' : ''}`);
  keys.push('p/\uFF5E', 'p/😀', 'p/a&b<c>"d\'e.txt', 'p/sp ace+plus', 'other/x', 'p0');
  for (const Key of keys) await origin.s3.send(new PutObjectCommand({ Bucket: 'list', Key, Body: Key }));
});

afterAll(async () => {
  await origin?.stop();
});

describe('listRemote with hints', () => {
  it.each([
    ['hints equal to the keys', (all: string[]) => all],
    ['hints missing most keys', (all: string[]) => all.filter((_, i) => i % 3 === 0)],
    ['hints that do not exist remotely', (all: string[]) => [...all.map((k) => `${k}~`), 'zzz', '\uFF5F']],
    ['no hints', () => []],
  ])('%s', async (_name, makeHints) => {
    const sdkOnly = { client: async () => origin.s3 };
    const sequential = await listRemote(sdkOnly, 'list', 'p/', [], { pageSize: 10 });
    const rels = sequential.map((e) => e.rel);
    expect(rels).toHaveLength(74);
    const parallel = await listRemote(sdkOnly, 'list', 'p/', makeHints(rels), { pageSize: 10 });
    expect(parallel.map((e) => e.key)).toEqual(sequential.map((e) => e.key));
    // The lean signed path yields exactly what the SDK yields.
    const raw = makeRawS3(auth, origin.url, 4);
    try {
      const viaRaw = await listRemote({ ...sdkOnly, raw }, 'list', 'p/', makeHints(rels), { pageSize: 10 });
      expect(viaRaw).toEqual(sequential);
    } finally {
      raw.destroy();
    }
  });

  it('the lean path answers "fallback" for errors, so the SDK reports them', async () => {
    const raw = makeRawS3(auth, origin.url, 1);
    try {
      expect(await raw.list({ bucket: 'no-such-bucket' })).toBe('fallback');
      await expect(listRemote({ client: async () => origin.s3, raw }, 'no-such-bucket', '', [])).rejects.toMatchObject({ name: 'NoSuchBucket' });
    } finally {
      raw.destroy();
    }
  });
});
