import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsStore, withBucketCache, withStoreMetrics, type ObjectStore, type StoreOperation } from '@bucketfront/object-store';

/** One backend (an fs store) seen through two caches, as two origin nodes see one cluster. */
async function twoNodes(revalidateMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'bf-bucket-cache-'));
  const calls: StoreOperation[] = [];
  const backend = await createFsStore({ dataDir: dir });
  const counted = withStoreMetrics(backend, (op) => calls.push(op));
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  const a = withBucketCache(counted, { revalidateMs, now });
  const b = withBucketCache(counted, { revalidateMs, now });
  const close = async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { a, b, calls, clock, close };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const count = (calls: StoreOperation[], op: StoreOperation) => calls.filter((c) => c === op).length;

describe('bucket-facts cache (a decorator over any store)', () => {
  it('answers repeated bucket reads without the backend until revalidateMs has passed; all configuration documents load in one call', async () => {
    const n = await twoNodes(500);
    cleanup = n.close;
    await n.a.createBucket('site', { region: 'us-east-1' });
    await n.a.putBucketConfig('site', 'website', '<WebsiteConfiguration/>');
    n.calls.length = 0;
    for (let i = 0; i < 50; i++) {
      expect((await n.a.headBucket('site'))?.name).toBe('site');
      expect(await n.a.getBucketConfig('site', 'website')).toBe('<WebsiteConfiguration/>');
      expect(await n.a.getBucketConfig('site', 'policy')).toBeNull();
    }
    expect(n.calls).toEqual(['headBucket', 'getBucketConfigs']);
    n.clock.now += 501;
    await n.a.headBucket('site');
    expect(await n.a.getBucketConfig('site', 'policy')).toBeNull();
    expect(await n.a.getBucketConfig('site', 'website')).toBe('<WebsiteConfiguration/>');
    expect(count(n.calls, 'headBucket')).toBe(2);
    expect(count(n.calls, 'getBucketConfigs')).toBe(2);
  });

  it("a change made through this node is seen by its very next read; another node's within revalidateMs", async () => {
    const n = await twoNodes(500);
    cleanup = n.close;
    await n.a.createBucket('site', { region: 'us-east-1' });
    expect(await n.b.getBucketConfig('site', 'policy')).toBeNull();
    expect((await n.b.headBucket('site'))?.acl).toBe('private');

    await n.a.putBucketConfig('site', 'policy', '{"Version":"2012-10-17"}');
    await n.a.setBucketAcl('site', 'public-read');
    // Node A: at once.
    expect(await n.a.getBucketConfig('site', 'policy')).toBe('{"Version":"2012-10-17"}');
    expect((await n.a.headBucket('site'))?.acl).toBe('public-read');
    // Node B: its cached facts until they are revalidateMs old, then the change.
    n.clock.now += 499;
    expect(await n.b.getBucketConfig('site', 'policy')).toBeNull();
    n.clock.now += 2;
    expect(await n.b.getBucketConfig('site', 'policy')).toBe('{"Version":"2012-10-17"}');
    expect((await n.b.headBucket('site'))?.acl).toBe('public-read');

    // A deleted bucket: gone for A at once, for B after the bound.
    await n.a.putBucketConfig('site', 'policy', null);
    await n.a.deleteBucket('site');
    expect(await n.a.headBucket('site')).toBeNull();
    expect(await n.b.headBucket('site')).not.toBeNull();
    n.clock.now += 501;
    expect(await n.b.headBucket('site')).toBeNull();
    // And a bucket created through A is seen by B (which cached its absence) after the bound.
    await n.a.createBucket('site', { region: 'us-east-1' });
    expect(await n.b.headBucket('site')).toBeNull();
    n.clock.now += 501;
    expect((await n.b.headBucket('site'))?.name).toBe('site');
  });

  it('nothing read before or during a change made through this node is kept', async () => {
    const n = await twoNodes(60_000);
    cleanup = n.close;
    await n.a.createBucket('site', { region: 'us-east-1' });
    const doc = '<WebsiteConfiguration><IndexDocument><Suffix>i.html</Suffix></IndexDocument></WebsiteConfiguration>';
    // A read started before the change, and one started while it is under way (the backend has not written yet).
    const before = n.a.getBucketConfig('site', 'website');
    const put = n.a.putBucketConfig('site', 'website', doc);
    const during = n.a.getBucketConfig('site', 'website');
    expect(await before).toBeNull();
    expect(await during).toBeNull();
    await put;
    expect(await n.a.getBucketConfig('site', 'website')).toBe(doc);
  });

  it('a failed read is not cached', async () => {
    const n = await twoNodes(60_000);
    cleanup = n.close;
    await expect(n.a.getBucketConfig('missing', 'website')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await n.a.createBucket('missing', { region: 'us-east-1' });
    expect(await n.a.getBucketConfig('missing', 'website')).toBeNull();
  });

  it('object calls pass straight through', async () => {
    const n = await twoNodes(500);
    cleanup = n.close;
    const store: ObjectStore = n.a;
    await store.createBucket('bkt', { region: 'us-east-1' });
    const { Readable } = await import('node:stream');
    await store.putObject('bkt', 'k', Readable.from([Buffer.from('hello')]), { userMetadata: {} });
    expect((await n.b.headObject('bkt', 'k'))?.size).toBe(5);
    expect((await store.listObjects('bkt', { maxKeys: 10 })).objects.map((o) => o.key)).toEqual(['k']);
  });
});

describe('store metrics decorator', () => {
  it('reports each call with its outcome: ok or the StoreError code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-store-metrics-'));
    const seen: string[] = [];
    const store = withStoreMetrics(await createFsStore({ dataDir: dir }), (op, outcome, ms) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      seen.push(`${op}:${outcome}`);
    });
    try {
      await store.createBucket('bkt', { region: 'us-east-1' });
      await expect(store.createBucket('bkt', { region: 'us-east-1' })).rejects.toMatchObject({ code: 'BucketAlreadyOwnedByYou' });
      expect(await store.headObject('bkt', 'nope')).toBeNull();
      await expect(store.deleteBucket('nope')).rejects.toMatchObject({ code: 'NoSuchBucket' });
      expect(seen).toEqual(['createBucket:ok', 'createBucket:BucketAlreadyOwnedByYou', 'headObject:ok', 'deleteBucket:NoSuchBucket']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
