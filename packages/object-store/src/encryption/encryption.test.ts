import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, promises as fsp, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsStore, type CustomerKey, type EncryptionRequest, type ObjectStore } from '@bucketfront/object-store';
import { bodyOf, bytes, expectStoreError, getBytes, readAll, runObjectStoreContract } from '@bucketfront/object-store/contract';
import { ForwardingStore } from '../forwarding-store.js';
import { openStore } from '../open-store.js';
import { withEncryption, type EncryptingStore } from './encrypting-store.js';
import { SEGMENT_BYTES } from './format.js';
import { KeyStore } from './key-store.js';
import { appendMasterKey, ensureMasterKeyFile, readMasterKeys } from './master-keys.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'bf-sse-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const META = { userMetadata: {} };

async function encryptedFsStore(dataDir = tempDir(), minPartSize?: number): Promise<EncryptingStore> {
  const fs = await createFsStore({ dataDir, ...(minPartSize !== undefined ? { minPartSize } : {}) });
  const keys = await KeyStore.open(fs, await ensureMasterKeyFile(join(dataDir, 'keys', 'master.key')));
  return withEncryption(fs, keys, minPartSize !== undefined ? { minPartSize } : {});
}

/** Every write encrypted as `req`: the whole store contract must hold for encrypted objects too. */
class AlwaysEncrypt extends ForwardingStore {
  constructor(
    inner: ObjectStore,
    private readonly req: EncryptionRequest,
  ) {
    super(inner);
  }
  override putObject(...[b, k, body, md, opts]: Parameters<ObjectStore['putObject']>) {
    return this.inner.putObject(b, k, body, md, { ...opts, encryption: this.req });
  }
  override copyObject(...[src, dst, md, opts]: Parameters<ObjectStore['copyObject']>) {
    return this.inner.copyObject(src, dst, md, { ...opts, encryption: this.req });
  }
  override createMultipartUpload(...[b, k, md]: Parameters<ObjectStore['createMultipartUpload']>) {
    return this.inner.createMultipartUpload(b, k, md, { encryption: this.req });
  }
  override appendObject(...[b, k, offset, body, md, opts]: Parameters<ObjectStore['appendObject']>) {
    return this.inner.appendObject(b, k, offset, body, md, { ...opts, encryption: this.req });
  }
}

runObjectStoreContract('fs + SSE-S3', async (opts) => new AlwaysEncrypt(await encryptedFsStore(tempDir(), opts.minPartSize), { scheme: 'SSE-S3' }), {
  appendRefused: true,
  // TODO(issue 14): on once the decorator threads version ids.
  versioning: false,
});

/** A recognisable plaintext: if these bytes appear anywhere on disk, something is stored in the clear. */
const PATTERN = Buffer.from('PLAINTEXT-PATTERN-0123456789-bucketfront-');
function patterned(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += PATTERN.length) PATTERN.copy(out, i, 0, Math.min(PATTERN.length, n - i));
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

async function diskContains(dir: string, needle: Buffer): Promise<boolean> {
  for (const f of await filesUnder(dir)) if ((await fsp.readFile(f)).includes(needle)) return true;
  return false;
}

function customerKey(): CustomerKey {
  const key = randomBytes(32);
  return { key, md5: createHash('md5').update(key).digest('base64') };
}

async function ranged(store: ObjectStore, bucket: string, key: string, start: number, end: number, opts = {}): Promise<Buffer> {
  const got = await store.getObject(bucket, key, { start, end }, opts);
  return got!.buffer ?? (await readAll(got!.body));
}

describe('encryption at rest (fs driver)', () => {
  it('SSE-S3: round trip at segment boundaries, ETag = MD5 of the plaintext, no plaintext on disk', async () => {
    const dir = tempDir();
    const store = await encryptedFsStore(dir);
    await store.createBucket('b', { region: 'us-east-1' });
    for (const n of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 17, 300_000]) {
      const data = patterned(n);
      const info = await store.putObject('b', `k${n}`, bodyOf(data), META, { encryption: { scheme: 'SSE-S3' }, expectedSize: n });
      expect(info.size).toBe(n);
      expect(info.etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
      expect(info.metadata.encryption).toEqual({ serverSideEncryption: 'AES256' });
      expect(info.metadata.sealed).toBeUndefined();
      expect((await getBytes(store, 'b', `k${n}`))!.equals(data)).toBe(true);
      const head = await store.headObject('b', `k${n}`);
      expect(head!.size).toBe(n);
      expect(head!.etag).toBe(info.etag);
    }
    const listed = await store.listObjects('b', { maxKeys: 100 });
    expect(listed.objects.find((o) => o.key === 'k300000')!.size).toBe(300_000);
    await store.close();
    expect(await diskContains(dir, PATTERN)).toBe(false);
  });

  it('Range GETs decrypt only what they touch and return exactly the plaintext bytes', async () => {
    const store = await encryptedFsStore();
    await store.createBucket('b', { region: 'us-east-1' });
    const data = randomBytes(5 * SEGMENT_BYTES + 1234);
    await store.putObject('b', 'k', bodyOf(data), META, { encryption: { scheme: 'SSE-S3' } });
    const cases: [number, number][] = [
      [0, 0],
      [0, data.length - 1],
      [SEGMENT_BYTES - 1, SEGMENT_BYTES],
      [SEGMENT_BYTES, 2 * SEGMENT_BYTES - 1],
      [3 * SEGMENT_BYTES + 5, data.length - 1],
      [data.length - 1, data.length - 1],
    ];
    for (let i = 0; i < 20; i++) {
      const a = Math.floor(Math.random() * data.length);
      cases.push([a, a + Math.floor(Math.random() * (data.length - a))]);
    }
    for (const [a, b] of cases) expect((await ranged(store, 'b', 'k', a, b)).equals(data.subarray(a, b + 1))).toBe(true);
    await store.close();
  });

  it('multipart: parts sealed separately, ranges across part boundaries, partSizes in plaintext', async () => {
    const store = await encryptedFsStore(tempDir(), 100_000);
    await store.createBucket('b', { region: 'us-east-1' });
    const up = await store.createMultipartUpload('b', 'mp', META, { encryption: { scheme: 'SSE-KMS' } });
    expect(up.metadata.encryption?.serverSideEncryption).toBe('aws:kms');
    const parts = [randomBytes(150_000), randomBytes(100_000), randomBytes(7)];
    const refs = [];
    for (const [i, p] of parts.entries()) {
      const info = await store.uploadPart('b', 'mp', up.uploadId, i + 1, bodyOf(p), { expectedSize: p.length });
      expect(info.size).toBe(p.length);
      refs.push({ partNumber: i + 1, etag: info.etag });
    }
    const listed = await store.listParts('b', 'mp', up.uploadId, { maxParts: 10 });
    expect(listed.parts.map((p) => p.size)).toEqual(parts.map((p) => p.length));
    const info = await store.completeMultipartUpload('b', 'mp', up.uploadId, refs);
    const all = Buffer.concat(parts);
    expect(info.size).toBe(all.length);
    expect(info.metadata.partSizes).toEqual(parts.map((p) => p.length));
    expect(info.metadata.encryption?.kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
    expect((await getBytes(store, 'b', 'mp'))!.equals(all)).toBe(true);
    for (const [a, b] of [
      [149_990, 150_010],
      [0, 249_999],
      [200_000, all.length - 1],
      [249_999, 250_006],
      [1000, 1000],
    ] as const) {
      expect((await ranged(store, 'b', 'mp', a, b)).equals(all.subarray(a, b + 1))).toBe(true);
    }
    await store.close();
  });

  it('multipart: the minimum part size applies to the plaintext', async () => {
    const store = await encryptedFsStore(tempDir(), 100_000);
    await store.createBucket('b', { region: 'us-east-1' });
    const up = await store.createMultipartUpload('b', 'small', META, { encryption: { scheme: 'SSE-S3' } });
    // 99,990 bytes of plaintext are stored as more than 100,000: still too small.
    const p1 = await store.uploadPart('b', 'small', up.uploadId, 1, bodyOf(bytes(99_990)));
    const p2 = await store.uploadPart('b', 'small', up.uploadId, 2, bodyOf(bytes(10)));
    await expectStoreError(
      store.completeMultipartUpload('b', 'small', up.uploadId, [
        { partNumber: 1, etag: p1.etag },
        { partNumber: 2, etag: p2.etag },
      ]),
      'EntityTooSmall',
    );
    await store.close();
  });

  it('a flipped bit in the stored ciphertext is an error, never wrong bytes', async () => {
    const dir = tempDir();
    const store = await encryptedFsStore(dir);
    await store.createBucket('b', { region: 'us-east-1' });
    const small = patterned(1000);
    const large = patterned(3 * SEGMENT_BYTES);
    await store.putObject('b', 'small', bodyOf(small), META, { encryption: { scheme: 'SSE-S3' } });
    await store.putObject('b', 'large', bodyOf(large), META, { encryption: { scheme: 'SSE-S3' } });
    await store.close();
    // Flip one bit in the middle of the stored object bytes: data files, and the inline bodies
    // small objects have after their manifest's first line (never the manifest's JSON itself).
    let flipped = 0;
    for (const f of await filesUnder(join(dir, 'buckets'))) {
      if (!f.endsWith('.meta') && !f.endsWith('.data')) continue;
      const buf = await fsp.readFile(f);
      const nl = f.endsWith('.meta') ? buf.indexOf(0x0a) : -1;
      if (f.endsWith('.meta') && (nl < 0 || nl === buf.length - 1)) continue;
      const from = nl + 1;
      buf[from + Math.floor((buf.length - from) / 2)]! ^= 0x10;
      await fsp.writeFile(f, buf);
      flipped++;
    }
    expect(flipped).toBe(2);
    const reopened = await encryptedFsStore(dir);
    await expectStoreError(getBytes(reopened, 'b', 'small'), 'InternalError');
    await expect(getBytes(reopened, 'b', 'large')).rejects.toThrow(/authentication|decrypted/);
    await reopened.close();
  });

  it('Content-MD5 is checked on the plaintext; a mismatch stores nothing', async () => {
    const store = await encryptedFsStore();
    await store.createBucket('b', { region: 'us-east-1' });
    const data = patterned(70_000);
    const md5 = createHash('md5').update(data).digest('base64');
    await store.putObject('b', 'ok', bodyOf(data), META, { encryption: { scheme: 'SSE-S3' }, contentMd5: md5 });
    await expectStoreError(store.putObject('b', 'bad', bodyOf(data), META, { encryption: { scheme: 'SSE-S3' }, contentMd5: createHash('md5').update('x').digest('base64') }), 'BadDigest');
    expect(await store.headObject('b', 'bad')).toBeNull();
    await store.close();
  });

  it('SSE-C: the key is required, checked, and never stored', async () => {
    const dir = tempDir();
    const store = await encryptedFsStore(dir);
    await store.createBucket('b', { region: 'us-east-1' });
    const ck = customerKey();
    const data = patterned(100_000);
    const info = await store.putObject('b', 'c', bodyOf(data), META, { encryption: { scheme: 'SSE-C', customerKey: ck } });
    expect(info.metadata.encryption).toEqual({ customerAlgorithm: 'AES256', customerKeyMd5: ck.md5 });
    await expectStoreError(store.getObject('b', 'c'), 'InvalidRequest');
    await expectStoreError(store.getObject('b', 'c', undefined, { customerKey: customerKey() }), 'AccessDenied');
    await expectStoreError(store.headObject('b', 'c', { customerKey: customerKey() }), 'AccessDenied');
    expect((await store.headObject('b', 'c'))!.metadata.encryption?.customerAlgorithm).toBe('AES256');
    const got = await store.getObject('b', 'c', undefined, { customerKey: ck });
    expect((await readAll(got!.body)).equals(data)).toBe(true);
    expect((await ranged(store, 'b', 'c', 70_000, 70_100, { customerKey: ck })).equals(data.subarray(70_000, 70_101))).toBe(true);
    // SSE-C parameters on an object that is not SSE-C: refused.
    await store.putObject('b', 'plain', bodyOf('x'), META);
    await expectStoreError(store.getObject('b', 'plain', undefined, { customerKey: ck }), 'InvalidRequest');
    await store.close();
    for (const f of await filesUnder(dir)) {
      const text = await fsp.readFile(f);
      expect(text.includes(ck.key)).toBe(false);
      expect(text.includes(Buffer.from(ck.key.toString('base64')))).toBe(false);
    }
  });

  it('copies: SSE-S3 → SSE-KMS re-wraps the key; SSE-C → SSE-S3 and plain → SSE-C re-encrypt', async () => {
    const store = await encryptedFsStore();
    await store.createBucket('b', { region: 'us-east-1' });
    const data = patterned(200_000);
    await store.putObject('b', 's3', bodyOf(data), META, { encryption: { scheme: 'SSE-S3' } });
    const kms = await store.copyObject({ bucket: 'b', key: 's3' }, { bucket: 'b', key: 'kms' }, META, { encryption: { scheme: 'SSE-KMS' } });
    expect(kms.metadata.encryption?.serverSideEncryption).toBe('aws:kms');
    expect((await getBytes(store, 'b', 'kms'))!.equals(data)).toBe(true);
    const ck = customerKey();
    await store.copyObject({ bucket: 'b', key: 'kms' }, { bucket: 'b', key: 'c' }, META, { encryption: { scheme: 'SSE-C', customerKey: ck } });
    await expectStoreError(store.copyObject({ bucket: 'b', key: 'c' }, { bucket: 'b', key: 'x' }, META, {}), 'InvalidRequest');
    const back = await store.copyObject({ bucket: 'b', key: 'c' }, { bucket: 'b', key: 'back' }, META, { sourceCustomerKey: ck, encryption: { scheme: 'SSE-S3' } });
    expect(back.etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
    expect((await getBytes(store, 'b', 'back'))!.equals(data)).toBe(true);
    const plain = await store.copyObject({ bucket: 'b', key: 'back' }, { bucket: 'b', key: 'plain' }, META);
    expect(plain.metadata.encryption).toBeUndefined();
    expect((await getBytes(store, 'b', 'plain'))!.equals(data)).toBe(true);
    await store.close();
  });

  it('SSE-KMS: named keys, unknown key, disabled key stops reads until enabled', async () => {
    const dir = tempDir();
    const opened = await openStore(`fs:${dir}`);
    const { store, keys } = opened;
    await store.createBucket('b', { region: 'us-east-1' });
    const key = await keys!.createKey({ description: 'test key', alias: 'alias/test' });
    const info = await store.putObject('b', 'k', bodyOf('secret'), META, { encryption: { scheme: 'SSE-KMS', kmsKeyId: 'alias/test' } });
    expect(info.metadata.encryption?.kmsKeyId).toBe(key.arn);
    await store.putObject('b', 'k2', bodyOf('secret'), META, { encryption: { scheme: 'SSE-KMS', kmsKeyId: key.arn } });
    await expectStoreError(store.putObject('b', 'nope', bodyOf('x'), META, { encryption: { scheme: 'SSE-KMS', kmsKeyId: '11111111-2222-3333-4444-555555555555' } }), 'KMS.NotFoundException');
    expect(await store.headObject('b', 'nope')).toBeNull();
    await keys!.setKeyState(key.keyId, 'Disabled');
    await expectStoreError(getBytes(store, 'b', 'k'), 'KMS.DisabledException');
    await expectStoreError(store.putObject('b', 'k3', bodyOf('x'), META, { encryption: { scheme: 'SSE-KMS', kmsKeyId: key.keyId } }), 'KMS.DisabledException');
    // A second node (another open of the same store) sees the state the first one wrote.
    await opened.store.close();
    const other = await openStore(`fs:${dir}`);
    await expectStoreError(getBytes(other.store, 'b', 'k'), 'KMS.DisabledException');
    await other.keys!.setKeyState('alias/test', 'Enabled');
    expect((await getBytes(other.store, 'b', 'k'))!.toString()).toBe('secret');
    expect((await other.keys!.listKeys()).map((k) => k.aliases)).toEqual([['alias/test']]);
    await other.store.close();
  });

  it('master key rotation re-wraps the key store; every object stays readable; the old key can then go', async () => {
    const dir = tempDir();
    const keyFile = join(tempDir(), 'master.key');
    await ensureMasterKeyFile(keyFile);
    const first = await openStore(`fs:${dir}`, { masterKeyFile: keyFile });
    await first.store.createBucket('b', { region: 'us-east-1' });
    await first.store.putObject('b', 's3', bodyOf(patterned(100_000)), META, { encryption: { scheme: 'SSE-S3' } });
    await first.store.putObject('b', 'kms', bodyOf('kms object'), META, { encryption: { scheme: 'SSE-KMS' } });
    await first.store.close();

    const before = await readMasterKeys(keyFile);
    const newId = await appendMasterKey(keyFile);
    const rotated = await openStore(`fs:${dir}`, { masterKeyFile: keyFile });
    expect(await rotated.keys!.rewrapUnderActiveMaster()).toMatchObject({ from: before.activeId, to: newId });
    await rotated.store.close();

    // Drop the old master key from the file: still every object reads back.
    const text = await fsp.readFile(keyFile, 'utf8');
    await fsp.writeFile(
      keyFile,
      text
        .split('\n')
        .filter((l) => !l.startsWith(before.activeId))
        .join('\n'),
      { mode: 0o600 },
    );
    const after = await openStore(`fs:${dir}`, { masterKeyFile: keyFile });
    expect((await getBytes(after.store, 'b', 's3'))!.equals(patterned(100_000))).toBe(true);
    expect((await getBytes(after.store, 'b', 'kms'))!.toString()).toBe('kms object');
    await after.store.close();

    // And a store sealed with a key the file no longer has refuses to open, naming the key.
    await fsp.writeFile(keyFile, `other ${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await expect(openStore(`fs:${dir}`, { masterKeyFile: keyFile })).rejects.toThrow(new RegExp(newId));
  });

  it('a driver whose listings carry no metadata: marked buckets are looked up, so sizes and ETags are plaintext', async () => {
    const fs = await createFsStore({ dataDir: tempDir() });
    // The s3 driver's listings: sizes and ETags only (what a backend's ListObjectsV2 returns).
    class BareListings extends ForwardingStore {
      override async listObjects(...a: Parameters<ObjectStore['listObjects']>) {
        const page = await this.inner.listObjects(...a);
        return { ...page, objects: page.objects.map((o) => ({ ...o, metadata: { userMetadata: {} } })) };
      }
    }
    const keys = await KeyStore.open(fs, await ensureMasterKeyFile(join(tempDir(), 'master.key')));
    const store = withEncryption(new BareListings(fs), keys, { listingWithoutMetadata: fs });
    await store.createBucket('plain', { region: 'us-east-1' });
    await store.createBucket('enc', { region: 'us-east-1' });
    await store.putObject('plain', 'p', bodyOf('plain'), META);
    const data = patterned(100_000);
    await store.putObject('enc', 'e', bodyOf(data), META, { encryption: { scheme: 'SSE-S3' } });
    await store.putObject('enc', 'p', bodyOf('plain too'), META);
    const plain = await store.listObjects('plain', { maxKeys: 10 });
    expect(plain.objects.map((o) => o.size)).toEqual([5]);
    const enc = await store.listObjects('enc', { maxKeys: 10 });
    expect(enc.objects.map((o) => [o.key, o.size, o.etag])).toEqual([
      ['e', data.length, `"${createHash('md5').update(data).digest('hex')}"`],
      ['p', 9, `"${createHash('md5').update('plain too').digest('hex')}"`],
    ]);
    expect(enc.objects[0]!.metadata.sealed).toBeUndefined();
    await store.close();
  });
});
