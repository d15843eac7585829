/**
 * The ObjectStore contract suite: every driver runs it from its own tests.
 *
 *   runObjectStoreContract('fs', (opts) => createFsStore({ dataDir: tmp(), ...opts }));
 *
 * Imported from `@bucketfront/object-store/contract` (it loads vitest, so it
 * is kept out of the production entry point).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUCKET_CONFIG_KINDS,
  S3_LIMITS,
  hasEventOutbox,
  hasSystemDocuments,
  isStoreError,
  type ObjectInfo,
  type ObjectMetadata,
  type ObjectStore,
  type StoreErrorCode,
  type SystemDocuments,
  type EventOutbox,
} from './types.js';
import { bytes } from './contract-bytes.js';
import { appendContract } from './contract-append.js';
import { versioningContract } from './contract-versioning.js';
import { multipartEtag } from './validate.js';

export interface ContractStoreOptions {
  /** Lowered minimum part size, so multipart tests need not move 5 MiB parts. */
  minPartSize?: number;
}

/**
 * What a backend behind a driver is known not to do, for drivers over other
 * systems. Every flag defaults to the full S3 behavior; turning one off
 * replaces the affected assertions by the nearest ones that backend passes,
 * and should name the backend that needs it.
 */
export interface ContractCapabilities {
  /**
   * Part ETags are the MD5 of the part's bytes (S3 without encryption, and SSE-S3). False for a
   * store whose parts are encrypted with per-part keys material (SSE-KMS / SSE-C in S3, and our
   * encryption decorator for every scheme): S3 documents those ETags as not an MD5.
   */
  partEtagsAreMd5?: boolean;
  /**
   * CompleteMultipartUpload may name a subset of the uploaded parts (S3 allows
   * it). Ceph radosgw Pacific refuses any subset with InvalidPart; with
   * `false` those completions name every uploaded part instead.
   */
  completeWithSubsetOfParts?: boolean;
  /** The store encrypts every write (a test harness): appends are refused (docs/append.md). */
  appendRefused?: boolean;
  /** False for a driver over a backend whose versioning differs from S3's where the contract looks (radosgw). */
  versioning?: boolean;
  /** Delete markers are owned by the deleter given to deleteObject (false: by the backend's own user, the s3 driver). */
  deleteMarkerOwner?: boolean;
  /** updateVersionMetadata changes a version named by id in place (false: NotImplemented, the s3 driver). */
  versionsInPlace?: boolean;
}

/** Opens a fresh, empty store. The suite closes it after each test. */
export type MakeStore = (opts: ContractStoreOptions) => Promise<ObjectStore>;

/** Small part minimum used by the multipart tests. */
export const CONTRACT_MIN_PART = 1024;

// ---------------------------------------------------------------- helpers (exported for driver tests)

export function bodyOf(data: Buffer | string): Readable {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  return Readable.from([buf]);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

export function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}

export { bytes };

export async function expectStoreError(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected StoreError ${code}`).toBeDefined();
  if (!isStoreError(caught, code)) {
    throw new Error(`expected StoreError ${code}, got ${String((caught as { code?: string })?.code)}: ${String(caught)}`);
  }
}

/** The bytes of an object, via getObject (checking `buffer` when the driver offers it). */
export async function getBytes(store: ObjectStore, bucket: string, key: string): Promise<Buffer | null> {
  const got = await store.getObject(bucket, key);
  if (got === null) return null;
  const streamed = await readAll(got.body);
  if (got.buffer !== undefined) expect(Buffer.compare(got.buffer, streamed)).toBe(0);
  return streamed;
}

const META: ObjectMetadata = { userMetadata: {} };

/**
 * Copies `src` → `dst` with new `metadata` and checks the copy: the source's ETag (`srcEtag`),
 * the new metadata on a HEAD of `dst`, and the source's bytes (`data`) at `dst`.
 */
async function expectCopyWithMetadata(
  store: ObjectStore,
  src: { bucket: string; key: string },
  dst: { bucket: string; key: string },
  metadata: ObjectMetadata,
  srcEtag: string,
  data: Buffer,
): Promise<ObjectInfo> {
  const copy = await store.copyObject(src, dst, metadata);
  expect(copy.etag).toBe(srcEtag);
  const head = await store.headObject(dst.bucket, dst.key);
  expect(head!.metadata).toMatchObject(metadata);
  expect((await getBytes(store, dst.bucket, dst.key))!.equals(data)).toBe(true);
  return copy;
}

/** The store narrowed to SystemDocuments (callers check hasSystemDocuments first). */
function store_(store: ObjectStore): ObjectStore & SystemDocuments {
  if (!hasSystemDocuments(store)) throw new Error('not a SystemDocuments store');
  return store;
}

/** The store narrowed to EventOutbox (callers check hasEventOutbox first). */
function store_outbox(store: ObjectStore): ObjectStore & EventOutbox {
  if (!hasEventOutbox(store)) throw new Error('not an EventOutbox store');
  return store;
}

/** Keys whose UTF-16 order differs from their UTF-8 byte order. */
export const ORDER_KEYS = ['a', 'b', 'é', '\u{1F600}', 'ﬀ', '\uFFFD', 'z', 'A', '~', '\u0080', '\u{10000}'];

export function utf8Sorted(keys: string[]): string[] {
  return [...keys].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
}

/** Keys that would escape or collide if mapped to file paths. */
export const TRICK_KEYS = [
  '../escape',
  '../../../../../../etc/passwd',
  './dot',
  '.',
  '..',
  'a//b',
  '/leading',
  'trailing/',
  'dir/',
  ' spaces in key ',
  'back\\slash',
  'nul-free %2e%2e/%2F',
  'ünïcødé/😀/日本語',
  'CaseSensitive',
  'casesensitive',
  'x'.repeat(255) + '/' + 'y'.repeat(255),
  Array.from({ length: 200 }, (_, i) => `d${i}`).join('/'),
  'con',
  'tab\there',
  'newline\nkey',
];

// ---------------------------------------------------------------- suite

export function runObjectStoreContract(name: string, makeStore: MakeStore, capabilities: ContractCapabilities = {}): void {
  const subsets = capabilities.completeWithSubsetOfParts !== false;
  const partMd5 = capabilities.partEtagsAreMd5 !== false;
  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;
    const open: ObjectStore[] = [];
    const make = async (opts: ContractStoreOptions = {}): Promise<ObjectStore> => {
      const s = await makeStore(opts);
      open.push(s);
      return s;
    };

    beforeEach(async () => {
      store = await make({ minPartSize: CONTRACT_MIN_PART });
      await store.createBucket('bkt', { region: 'us-east-1' });
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    describe('buckets', () => {
      it('creates, heads, lists and deletes', async () => {
        const info = await store.createBucket('second', { region: 'eu-west-1', acl: 'public-read' });
        expect(info).toMatchObject({ name: 'second', region: 'eu-west-1', acl: 'public-read' });
        expect(info.creationDate).toBeInstanceOf(Date);
        expect(await store.headBucket('second')).toMatchObject({ name: 'second', acl: 'public-read' });
        expect((await store.listBuckets()).map((b) => b.name)).toEqual(['bkt', 'second']);
        await store.deleteBucket('second');
        expect(await store.headBucket('second')).toBeNull();
        expect((await store.listBuckets()).map((b) => b.name)).toEqual(['bkt']);
      });

      it('defaults the ACL to private and updates it', async () => {
        expect((await store.headBucket('bkt'))!.acl).toBe('private');
        await store.setBucketAcl('bkt', 'public-read');
        expect((await store.headBucket('bkt'))!.acl).toBe('public-read');
        await expectStoreError(store.setBucketAcl('nope', 'private'), 'NoSuchBucket');
      });

      it('refuses to create an existing bucket', async () => {
        await expectStoreError(store.createBucket('bkt', { region: 'us-east-1' }), 'BucketAlreadyOwnedByYou');
      });

      it('creating one bucket twice concurrently succeeds once', async () => {
        const results = await Promise.allSettled([store.createBucket('race', { region: 'us-east-1' }), store.createBucket('race', { region: 'us-east-1' })]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });

      it('deleting a missing bucket is NoSuchBucket', async () => {
        await expectStoreError(store.deleteBucket('nope'), 'NoSuchBucket');
      });

      it('refuses to delete a bucket with objects, then deletes it when empty', async () => {
        await store.putObject('bkt', 'k', bodyOf('x'), META);
        await expectStoreError(store.deleteBucket('bkt'), 'BucketNotEmpty');
        await store.deleteObject('bkt', 'k');
        await store.deleteBucket('bkt');
        expect(await store.headBucket('bkt')).toBeNull();
      });

      it('refuses to delete a bucket with an upload in progress', async () => {
        const up = await store.createMultipartUpload('bkt', 'k', META);
        await expectStoreError(store.deleteBucket('bkt'), 'BucketNotEmpty');
        await store.abortMultipartUpload('bkt', 'k', up.uploadId);
        await store.deleteBucket('bkt');
      });

      it('DeleteBucket racing writes: one side wins cleanly and the name stays usable', async () => {
        for (let round = 0; round < 5; round++) {
          await store.createBucket('race', { region: 'us-east-1' });
          const later = async <T>(fn: () => Promise<T>): Promise<T> => {
            for (let i = 0; i < round; i++) await new Promise((r) => setImmediate(r)); // land at different moments
            return fn();
          };
          const results = await Promise.allSettled([
            store.deleteBucket('race'),
            later(() => store.putObject('race', `k${round}`, bodyOf('x'), META)),
            later(() => store.createMultipartUpload('race', 'mp', META)),
          ]);
          for (const r of results) {
            if (r.status === 'rejected') {
              expect(isStoreError(r.reason, 'NoSuchBucket') || isStoreError(r.reason, 'BucketNotEmpty'), String(r.reason)).toBe(true);
            }
          }
          if (await store.headBucket('race')) {
            for (const o of (await store.listObjects('race', { maxKeys: 10 })).objects) await store.deleteObject('race', o.key);
            for (const u of (await store.listMultipartUploads('race', { maxUploads: 10 })).uploads) {
              await store.abortMultipartUpload('race', u.key, u.uploadId);
            }
            await store.deleteBucket('race');
          }
          expect(await store.headBucket('race')).toBeNull();
        }
        await store.createBucket('race', { region: 'us-east-1' });
        expect((await store.listObjects('race', { maxKeys: 10 })).objects).toEqual([]);
      });

      it('a deleted bucket can be created again, empty', async () => {
        for (const kind of BUCKET_CONFIG_KINDS) await store.putBucketConfig('bkt', kind, `<${kind}/>`);
        await store.deleteBucket('bkt');
        await store.createBucket('bkt', { region: 'us-east-1' });
        for (const kind of BUCKET_CONFIG_KINDS) expect(await store.getBucketConfig('bkt', kind), kind).toBeNull();
        expect((await store.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
      });

      it('stores website and policy documents opaquely', async () => {
        expect(await store.getBucketConfig('bkt', 'website')).toBeNull();
        const xml = '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>';
        const policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]} é😀';
        await store.putBucketConfig('bkt', 'website', xml);
        await store.putBucketConfig('bkt', 'policy', policy);
        expect(await store.getBucketConfig('bkt', 'website')).toBe(xml);
        expect(await store.getBucketConfig('bkt', 'policy')).toBe(policy);
        await store.putBucketConfig('bkt', 'website', null);
        expect(await store.getBucketConfig('bkt', 'website')).toBeNull();
        expect(await store.getBucketConfig('bkt', 'policy')).toBe(policy);
        await store.putBucketConfig('bkt', 'website', null); // deleting twice is fine
      });

      it('stores the default encryption document beside the others, each kind on its own', async () => {
        const encryption =
          '<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:111122223333:key/é</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>';
        expect(await store.getBucketConfig('bkt', 'encryption')).toBeNull();
        await store.putBucketConfig('bkt', 'website', '<w/>');
        await store.putBucketConfig('bkt', 'encryption', encryption);
        expect(await store.getBucketConfig('bkt', 'encryption')).toBe(encryption);
        expect(await store.getBucketConfig('bkt', 'website')).toBe('<w/>');
        expect(await store.getBucketConfig('bkt', 'policy')).toBeNull();
        const replaced = encryption.replace(/aws:kms<.*?KMSMasterKeyID>/, 'AES256');
        await store.putBucketConfig('bkt', 'encryption', replaced);
        expect(await store.getBucketConfig('bkt', 'encryption')).toBe(replaced);
        await store.putBucketConfig('bkt', 'encryption', null);
        expect(await store.getBucketConfig('bkt', 'encryption')).toBeNull();
        expect(await store.getBucketConfig('bkt', 'website')).toBe('<w/>');
        await store.putBucketConfig('bkt', 'encryption', null);
      });

      it("reads all of a bucket's configuration documents at once, each as last written", async () => {
        expect(await store.getBucketConfigs('bkt')).toEqual({});
        await store.putBucketConfig('bkt', 'website', '<w1/>');
        await store.putBucketConfig('bkt', 'policy', '{"p":1} é');
        await store.createBucket('bkt2', { region: 'us-east-1' });
        await store.putBucketConfig('bkt2', 'cors', '<other-bucket/>');
        expect(await store.getBucketConfigs('bkt')).toEqual({ website: '<w1/>', policy: '{"p":1} é' });
        await store.putBucketConfig('bkt', 'website', '<w2/>'); // a new ETag: read again
        await store.putBucketConfig('bkt', 'policy', null);
        await store.putBucketConfig('bkt', 'logging', '<l/>');
        expect(await store.getBucketConfigs('bkt')).toEqual({ website: '<w2/>', logging: '<l/>' });
        expect(await store.getBucketConfigs('bkt2')).toEqual({ cors: '<other-bucket/>' });
        await expectStoreError(store.getBucketConfigs('nope'), 'NoSuchBucket');
      });

      it('bucket configs need a bucket', async () => {
        await expectStoreError(store.getBucketConfig('nope', 'website'), 'NoSuchBucket');
        await expectStoreError(store.putBucketConfig('nope', 'policy', '{}'), 'NoSuchBucket');
        await expectStoreError(store.getBucketConfig('nope', 'encryption'), 'NoSuchBucket');
        await expectStoreError(store.putBucketConfig('nope', 'encryption', null), 'NoSuchBucket');
      });
    });

    describe('objects', () => {
      it('round-trips bytes, ETag, size and metadata', async () => {
        const data = bytes(100_000, 7);
        const md: ObjectMetadata = {
          contentType: 'text/html; charset=utf-8',
          cacheControl: 'max-age=60',
          contentEncoding: 'gzip',
          contentDisposition: 'inline',
          contentLanguage: 'en',
          expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
          websiteRedirectLocation: '/other',
          userMetadata: { colour: 'blue', 'x-odd': 'é' },
          acl: 'public-read',
          checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'FULL_OBJECT' },
          tagging: 'project=blue&note=a%20b%C3%A9',
          storageClass: 'STANDARD_IA',
          owner: 'a'.repeat(64),
          grants: '{"grants":[{"grantee":{"type":"CanonicalUser","id":"b","displayName":"Zoë"},"permission":"READ"}]}',
        };
        const info = await store.putObject('bkt', 'dir/file.html', bodyOf(data), md);
        expect(info.etag).toBe(`"${md5Hex(data)}"`);
        expect(info.size).toBe(data.length);
        expect(info.key).toBe('dir/file.html');
        expect(info.lastModified).toBeInstanceOf(Date);
        expect(Math.abs(info.lastModified.getTime() - Date.now())).toBeLessThan(60_000);
        const head = await store.headObject('bkt', 'dir/file.html');
        expect(head).toMatchObject({ key: 'dir/file.html', size: data.length, etag: info.etag, metadata: md });
        const got = await store.getObject('bkt', 'dir/file.html');
        expect(got!.info).toMatchObject({ etag: info.etag, metadata: md });
        expect(md5Hex(await readAll(got!.body))).toBe(md5Hex(data));
      });

      it('stores empty objects', async () => {
        const info = await store.putObject('bkt', 'empty', bodyOf(Buffer.alloc(0)), META);
        expect(info.etag).toBe('"d41d8cd98f00b204e9800998ecf8427e"');
        expect(info.size).toBe(0);
        expect((await getBytes(store, 'bkt', 'empty'))!.length).toBe(0);
      });

      it('streams a body that arrives in many chunks', async () => {
        const data = bytes(3 * 1024 * 1024 + 17, 3);
        const chunks: Buffer[] = [];
        for (let i = 0; i < data.length; i += 65_536) chunks.push(data.subarray(i, i + 65_536));
        const info = await store.putObject('bkt', 'big', Readable.from(chunks), META, { expectedSize: data.length });
        expect(info.etag).toBe(`"${md5Hex(data)}"`);
        expect(md5Hex((await getBytes(store, 'bkt', 'big'))!)).toBe(md5Hex(data));
      });

      it('reads byte ranges (small and large objects)', async () => {
        for (const size of [1000, 600_000]) {
          const data = bytes(size, size);
          await store.putObject('bkt', `r${size}`, bodyOf(data), META);
          for (const [start, end] of [
            [0, 0],
            [0, size - 1],
            [10, 99],
            [size - 1, size - 1],
            [size - 300, size - 1],
          ] as const) {
            const got = await store.getObject('bkt', `r${size}`, { start, end });
            const buf = await readAll(got!.body);
            expect(buf.equals(data.subarray(start, end + 1)), `${size} ${start}-${end}`).toBe(true);
            if (got!.buffer !== undefined) expect(got!.buffer.equals(buf)).toBe(true);
            expect(got!.info.size).toBe(size);
          }
        }
      });

      it('missing keys: head/get null, delete is idempotent', async () => {
        expect(await store.headObject('bkt', 'nope')).toBeNull();
        expect(await store.getObject('bkt', 'nope')).toBeNull();
        await store.deleteObject('bkt', 'nope');
      });

      it('every object call needs the bucket', async () => {
        await expectStoreError(store.putObject('nope', 'k', bodyOf('x'), META), 'NoSuchBucket');
        await expectStoreError(store.headObject('nope', 'k'), 'NoSuchBucket');
        await expectStoreError(store.getObject('nope', 'k'), 'NoSuchBucket');
        await expectStoreError(store.deleteObject('nope', 'k'), 'NoSuchBucket');
        await expectStoreError(store.listObjects('nope', { maxKeys: 10 }), 'NoSuchBucket');
        await expectStoreError(store.createMultipartUpload('nope', 'k', META), 'NoSuchBucket');
        await expectStoreError(store.listMultipartUploads('nope', { maxUploads: 10 }), 'NoSuchBucket');
      });

      it('overwrites content and metadata', async () => {
        await store.putObject('bkt', 'k', bodyOf('first version'), { contentType: 'text/plain', userMetadata: { a: '1' } });
        const second = await store.putObject('bkt', 'k', bodyOf('second'), { userMetadata: { b: '2' } });
        expect((await getBytes(store, 'bkt', 'k'))!.toString()).toBe('second');
        const head = await store.headObject('bkt', 'k');
        expect(head!.etag).toBe(second.etag);
        expect(head!.metadata.userMetadata).toEqual({ b: '2' });
        expect(head!.metadata.contentType).toBeUndefined();
        expect((await store.listObjects('bkt', { maxKeys: 10 })).objects.map((o) => o.key)).toEqual(['k']);
      });

      it('deletes', async () => {
        await store.putObject('bkt', 'k', bodyOf('x'), META);
        await store.deleteObject('bkt', 'k');
        expect(await store.headObject('bkt', 'k')).toBeNull();
        expect(await store.getObject('bkt', 'k')).toBeNull();
        expect((await store.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
      });

      it('Content-MD5: a match stores, a mismatch is BadDigest and stores nothing', async () => {
        await store.putObject('bkt', 'k', bodyOf('good'), META, { contentMd5: md5Base64('good') });
        await expectStoreError(store.putObject('bkt', 'k', bodyOf('evil'), META, { contentMd5: md5Base64('good') }), 'BadDigest');
        await expectStoreError(store.putObject('bkt', 'fresh', bodyOf('evil'), META, { contentMd5: md5Base64('other') }), 'BadDigest');
        expect((await getBytes(store, 'bkt', 'k'))!.toString()).toBe('good');
        expect(await store.headObject('bkt', 'fresh')).toBeNull();
      });

      it('a body shorter or longer than expectedSize is IncompleteBody and stores nothing', async () => {
        await expectStoreError(store.putObject('bkt', 'short', bodyOf('abc'), META, { expectedSize: 4 }), 'IncompleteBody');
        await expectStoreError(store.putObject('bkt', 'long', bodyOf('abcde'), META, { expectedSize: 4 }), 'IncompleteBody');
        expect(await store.headObject('bkt', 'short')).toBeNull();
        expect(await store.headObject('bkt', 'long')).toBeNull();
        await store.putObject('bkt', 'exact', bodyOf('abcd'), META, { expectedSize: 4 });
      });

      it('a body stream that fails stores nothing and keeps the old version', async () => {
        await store.putObject('bkt', 'k', bodyOf('old'), META);
        const failing = new Readable({
          read() {
            this.push(Buffer.alloc(100_000, 1));
            this.destroy(new Error('client went away'));
          },
        });
        await expect(store.putObject('bkt', 'k', failing, META)).rejects.toThrow();
        expect((await getBytes(store, 'bkt', 'k'))!.toString()).toBe('old');
      });

      it('keys of 1024 UTF-8 bytes are fine, longer is KeyTooLongError', async () => {
        const k1024 = 'é'.repeat(512); // 2 bytes each
        await store.putObject('bkt', k1024, bodyOf('x'), META);
        expect((await store.headObject('bkt', k1024))!.key).toBe(k1024);
        await expectStoreError(store.putObject('bkt', 'é'.repeat(512) + 'a', bodyOf('x'), META), 'KeyTooLongError');
        await expectStoreError(store.putObject('bkt', 'a'.repeat(1025), bodyOf('x'), META), 'KeyTooLongError');
        await expectStoreError(store.createMultipartUpload('bkt', 'a'.repeat(1025), META), 'KeyTooLongError');
        await store.putObject('bkt', 'src', bodyOf('x'), META);
        await expectStoreError(store.copyObject({ bucket: 'bkt', key: 'src' }, { bucket: 'bkt', key: 'a'.repeat(1025) }, META), 'KeyTooLongError');
      });

      it('stores path-trick and unusual keys verbatim, each distinct', async () => {
        for (const [i, key] of TRICK_KEYS.entries()) {
          await store.putObject('bkt', key, bodyOf(`body ${i}`), META);
        }
        for (const [i, key] of TRICK_KEYS.entries()) {
          expect((await getBytes(store, 'bkt', key))!.toString(), JSON.stringify(key)).toBe(`body ${i}`);
        }
        const listed = await store.listObjects('bkt', { maxKeys: 1000 });
        expect(listed.objects.map((o) => o.key)).toEqual(utf8Sorted(TRICK_KEYS));
        // nothing escaped into another bucket
        await store.createBucket('other', { region: 'us-east-1' });
        expect((await store.listObjects('other', { maxKeys: 1000 })).objects).toEqual([]);
        for (const key of TRICK_KEYS) await store.deleteObject('bkt', key);
        expect((await store.listObjects('bkt', { maxKeys: 1000 })).objects).toEqual([]);
      });

      it('concurrent writers to one key: the last committed wins, whole and consistent', async () => {
        const bodies = Array.from({ length: 8 }, (_, i) => bytes(50_000 + i * 40_000, i + 1));
        const infos = await Promise.all(bodies.map((b) => store.putObject('bkt', 'hot', bodyOf(b), META)));
        const head = await store.headObject('bkt', 'hot');
        const data = (await getBytes(store, 'bkt', 'hot'))!;
        expect(head!.etag).toBe(`"${md5Hex(data)}"`);
        expect(head!.size).toBe(data.length);
        expect(infos.map((i) => i.etag)).toContain(head!.etag);
        const listed = await store.listObjects('bkt', { maxKeys: 10 });
        expect(listed.objects).toHaveLength(1);
        expect(listed.objects[0]!.etag).toBe(head!.etag);
      });

      it('a reader keeps the version it opened while the key is overwritten and deleted', async () => {
        const v1 = bytes(2 * 1024 * 1024, 11);
        await store.putObject('bkt', 'k', bodyOf(v1), META);
        const got = await store.getObject('bkt', 'k');
        await store.putObject('bkt', 'k', bodyOf(bytes(2 * 1024 * 1024, 12)), META);
        await store.deleteObject('bkt', 'k');
        expect(md5Hex(await readAll(got!.body))).toBe(md5Hex(v1));
        expect(await store.headObject('bkt', 'k')).toBeNull();
      });

      it('copies with new metadata, leaving the source intact', async () => {
        const data = bytes(300_000, 5);
        const src = await store.putObject('bkt', 'src', bodyOf(data), { contentType: 'a/b', userMetadata: { a: '1' } });
        await store.createBucket('dst', { region: 'us-east-1' });
        const copy = await expectCopyWithMetadata(store, { bucket: 'bkt', key: 'src' }, { bucket: 'dst', key: 'copy' }, { contentType: 'c/d', userMetadata: { b: '2' } }, src.etag, data);
        expect(copy.size).toBe(data.length);
        expect(copy.metadata).toMatchObject({ contentType: 'c/d', userMetadata: { b: '2' } });
        // deleting the source does not affect the copy, and vice versa
        await store.deleteObject('bkt', 'src');
        expect((await getBytes(store, 'dst', 'copy'))!.equals(data)).toBe(true);
      });

      it('copies onto itself to replace metadata', async () => {
        const data = bytes(1000, 9);
        const src = await store.putObject('bkt', 'k', bodyOf(data), { contentType: 'old/type', userMetadata: {} });
        await expectCopyWithMetadata(store, { bucket: 'bkt', key: 'k' }, { bucket: 'bkt', key: 'k' }, { contentType: 'new/type', userMetadata: { x: 'y' } }, src.etag, data);
      });

      it('copy errors: missing source key or bucket, missing destination bucket', async () => {
        await store.putObject('bkt', 'k', bodyOf('x'), META);
        await expectStoreError(store.copyObject({ bucket: 'bkt', key: 'nope' }, { bucket: 'bkt', key: 'd' }, META), 'NoSuchKey');
        await expectStoreError(store.copyObject({ bucket: 'nope', key: 'k' }, { bucket: 'bkt', key: 'd' }, META), 'NoSuchBucket');
        await expectStoreError(store.copyObject({ bucket: 'bkt', key: 'k' }, { bucket: 'nope', key: 'd' }, META), 'NoSuchBucket');
      });
    });

    describe('listing', () => {
      it('orders keys by UTF-8 bytes, not UTF-16 code units', async () => {
        for (const k of ORDER_KEYS) await store.putObject('bkt', k, bodyOf(k), META);
        const listed = await store.listObjects('bkt', { maxKeys: 1000 });
        expect(listed.objects.map((o) => o.key)).toEqual(utf8Sorted(ORDER_KEYS));
        // the case that matters: U+1F600 (F0 9F 98 80) sorts after U+FB00 (EF AC 80)
        const keys = listed.objects.map((o) => o.key);
        expect(keys.indexOf('\u{1F600}')).toBeGreaterThan(keys.indexOf('ﬀ'));
        expect(listed.isTruncated).toBe(false);
        expect(listed.objects[0]).toMatchObject({ key: 'A', size: 1, etag: `"${md5Hex('A')}"` });
      });

      it('paginates with maxKeys and startAfter = lastReturned', async () => {
        for (const k of ORDER_KEYS) await store.putObject('bkt', k, bodyOf(k), META);
        const seen: string[] = [];
        let startAfter: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const page = await store.listObjects('bkt', { maxKeys: 3, ...(startAfter !== undefined ? { startAfter } : {}) });
          seen.push(...page.objects.map((o) => o.key));
          expect(page.objects.length).toBeLessThanOrEqual(3);
          if (!page.isTruncated) break;
          expect(page.objects.length).toBe(3);
          startAfter = page.lastReturned;
        }
        expect(seen).toEqual(utf8Sorted(ORDER_KEYS));
      });

      it('startAfter is exclusive and may name a missing key', async () => {
        for (const k of ['a', 'b', 'c', 'd']) await store.putObject('bkt', k, bodyOf(k), META);
        expect((await store.listObjects('bkt', { maxKeys: 10, startAfter: 'b' })).objects.map((o) => o.key)).toEqual(['c', 'd']);
        expect((await store.listObjects('bkt', { maxKeys: 10, startAfter: 'bb' })).objects.map((o) => o.key)).toEqual(['c', 'd']);
        expect((await store.listObjects('bkt', { maxKeys: 10, startAfter: 'z' })).objects).toEqual([]);
      });

      it('filters by prefix and groups by delimiter', async () => {
        const keys = ['photos/2024/a.jpg', 'photos/2024/b.jpg', 'photos/2025/c.jpg', 'photos/top.jpg', 'photosx', 'readme', 'x/y'];
        for (const k of keys) await store.putObject('bkt', k, bodyOf(k), META);
        const root = await store.listObjects('bkt', { maxKeys: 100, delimiter: '/' });
        expect(root.objects.map((o) => o.key)).toEqual(['photosx', 'readme']);
        expect(root.commonPrefixes).toEqual(['photos/', 'x/']);
        const photos = await store.listObjects('bkt', { maxKeys: 100, delimiter: '/', prefix: 'photos/' });
        expect(photos.objects.map((o) => o.key)).toEqual(['photos/top.jpg']);
        expect(photos.commonPrefixes).toEqual(['photos/2024/', 'photos/2025/']);
        const pre = await store.listObjects('bkt', { maxKeys: 100, prefix: 'photos' });
        expect(pre.objects.map((o) => o.key)).toEqual(keys.slice(0, 5));
        expect(pre.commonPrefixes).toEqual([]);
        const none = await store.listObjects('bkt', { maxKeys: 100, prefix: 'zzz' });
        expect(none).toMatchObject({ objects: [], commonPrefixes: [], isTruncated: false });
        const multi = await store.listObjects('bkt', { maxKeys: 100, delimiter: '/2' });
        expect(multi.commonPrefixes).toEqual(['photos/2']);
      });

      it('maxKeys counts keys and common prefixes together; pages never repeat a prefix', async () => {
        const keys = ['a/1', 'a/2', 'b', 'c/1', 'c/2', 'c/3', 'd', 'e/1'];
        for (const k of keys) await store.putObject('bkt', k, bodyOf(k), META);
        const items: string[] = [];
        let startAfter: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.listObjects('bkt', {
            maxKeys: 2,
            delimiter: '/',
            ...(startAfter !== undefined ? { startAfter } : {}),
          });
          expect(page.objects.length + page.commonPrefixes.length).toBeLessThanOrEqual(2);
          items.push(...page.commonPrefixes, ...page.objects.map((o) => o.key));
          if (!page.isTruncated) break;
          startAfter = page.lastReturned;
        }
        expect(items.sort()).toEqual(['a/', 'b', 'c/', 'd', 'e/']);
      });

      it('maxKeys 0 returns nothing', async () => {
        await store.putObject('bkt', 'k', bodyOf('x'), META);
        const page = await store.listObjects('bkt', { maxKeys: 0 });
        expect(page.objects).toEqual([]);
        expect(page.commonPrefixes).toEqual([]);
      });

      it('reflects overwrites and deletes', async () => {
        for (const k of ['a', 'b', 'c']) await store.putObject('bkt', k, bodyOf(k), META);
        await store.putObject('bkt', 'b', bodyOf('bigger b'), META);
        await store.deleteObject('bkt', 'a');
        const page = await store.listObjects('bkt', { maxKeys: 10 });
        expect(page.objects.map((o) => [o.key, o.size])).toEqual([
          ['b', 8],
          ['c', 1],
        ]);
      });

      it(`lists ${S3_LIMITS.maxListKeys} keys per page at most`, async () => {
        for (let i = 0; i < 1005; i += 50) {
          await Promise.all(Array.from({ length: Math.min(50, 1005 - i) }, (_, j) => store.putObject('bkt', `k${String(i + j).padStart(4, '0')}`, bodyOf(''), META)));
        }
        const page = await store.listObjects('bkt', { maxKeys: 1000 });
        expect(page.objects).toHaveLength(1000);
        expect(page.isTruncated).toBe(true);
        expect(page.lastReturned).toBe('k0999');
        const rest = await store.listObjects('bkt', { maxKeys: 1000, startAfter: page.lastReturned! });
        expect(rest.objects.map((o) => o.key)).toEqual(['k1000', 'k1001', 'k1002', 'k1003', 'k1004']);
        expect(rest.isTruncated).toBe(false);
      });
    });

    describe('append (docs/append.md)', () => {
      appendContract(() => store, { minPart: CONTRACT_MIN_PART, ...(capabilities.appendRefused === true ? { refused: true } : {}) });
    });

    if (capabilities.versioning !== false) {
      describe('versioning (docs/versioning.md)', () => {
        versioningContract(() => store, { markerOwner: capabilities.deleteMarkerOwner !== false, versionsInPlace: capabilities.versionsInPlace !== false });
      });
    }

    describe('multipart', () => {
      const P = CONTRACT_MIN_PART;

      it('uploads parts, lists them and completes into one object', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', { contentType: 'video/mp4', userMetadata: { m: '1' } });
        expect(up.key).toBe('mp');
        expect(up.initiated).toBeInstanceOf(Date);
        const parts = [bytes(P, 1), bytes(P + 5, 2), bytes(10, 3)];
        const infos = [];
        for (const [i, p] of parts.entries()) {
          infos.push(await store.uploadPart('bkt', 'mp', up.uploadId, i + 1, bodyOf(p)));
        }
        if (partMd5) expect(infos.map((i) => i.etag)).toEqual(parts.map((p) => `"${md5Hex(p)}"`));
        const listed = await store.listParts('bkt', 'mp', up.uploadId, { maxParts: 1000 });
        expect(listed.parts.map((p) => [p.partNumber, p.size, p.etag])).toEqual(infos.map((i, n) => [n + 1, parts[n]!.length, i.etag]));
        expect(listed.isTruncated).toBe(false);
        expect(listed.upload.uploadId).toBe(up.uploadId);
        // the object is not visible before completion
        expect(await store.headObject('bkt', 'mp')).toBeNull();

        const info = await store.completeMultipartUpload(
          'bkt',
          'mp',
          up.uploadId,
          infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
        );
        const whole = Buffer.concat(parts);
        const expectedEtag = md5Hex(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest())));
        expect(info.etag).toBe(partMd5 ? `"${expectedEtag}-3"` : multipartEtag(infos.map((i) => Buffer.from(i.etag.replace(/"/g, ''), 'hex'))));
        expect(info.size).toBe(whole.length);
        expect(info.metadata.partSizes).toEqual(parts.map((p) => p.length));
        expect(info.metadata.contentType).toBe('video/mp4');
        expect((await getBytes(store, 'bkt', 'mp'))!.equals(whole)).toBe(true);
        expect((await store.headObject('bkt', 'mp'))!.etag).toBe(info.etag);
        // ranges across part boundaries
        for (const [start, end] of [
          [P - 3, P + 3],
          [0, whole.length - 1],
          [P + 2, whole.length - 2],
          [whole.length - 10, whole.length - 1],
        ] as const) {
          const got = await store.getObject('bkt', 'mp', { start, end });
          expect((await readAll(got!.body)).equals(whole.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
        }
        // the upload is gone
        await expectStoreError(store.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 }), 'NoSuchUpload');
        expect((await store.listMultipartUploads('bkt', { maxUploads: 10 })).uploads).toEqual([]);
        await expectStoreError(store.abortMultipartUpload('bkt', 'mp', up.uploadId), 'NoSuchUpload');
      });

      it('stores a checksum given at completion (and drops an empty announced one)', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', {
          userMetadata: {},
          checksum: { algorithm: 'CRC32', value: '', type: 'COMPOSITE' },
        });
        const a = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf('abc'));
        const plain = await store.completeMultipartUpload('bkt', 'mp', up.uploadId, [{ partNumber: 1, etag: a.etag }]);
        expect(plain.metadata.checksum).toBeUndefined();
        const up2 = await store.createMultipartUpload('bkt', 'mp2', META);
        const b = await store.uploadPart('bkt', 'mp2', up2.uploadId, 1, bodyOf('abc'));
        const checksum = { algorithm: 'CRC32' as const, value: 'NSRBwg==-1', type: 'COMPOSITE' as const };
        const info = await store.completeMultipartUpload('bkt', 'mp2', up2.uploadId, [{ partNumber: 1, etag: b.etag }], { checksum });
        expect(info.metadata.checksum).toEqual(checksum);
        expect((await store.headObject('bkt', 'mp2'))!.metadata.checksum).toEqual(checksum);
      });

      it("keeps each part's checksum on the completed object (a copy drops them); a repeated part number names the later entry's part", async () => {
        const sha = (b: Buffer): string => createHash('sha256').update(b).digest('base64');
        const [one, two] = [bytes(P, 1), bytes(7, 2)];
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        const a = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(one), { checksum: { algorithm: 'SHA256', value: sha(one) } });
        const b = await store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf(two), { checksum: { algorithm: 'SHA256', value: sha(two) } });
        const checksum = { algorithm: 'SHA256' as const, value: `${sha(Buffer.from(sha(one) + sha(two)))}-2`, type: 'COMPOSITE' as const };
        const refs = [
          { partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }, // an earlier send of part 1, listed first
          { partNumber: 1, etag: a.etag },
          { partNumber: 2, etag: b.etag },
        ];
        const info = await store.completeMultipartUpload('bkt', 'mp', up.uploadId, refs, { checksum });
        expect(info.metadata.partSizes).toEqual([P, 7]);
        expect(info.metadata.partChecksums).toEqual([sha(one), sha(two)]);
        const head = await store.headObject('bkt', 'mp');
        expect([head!.metadata.checksum, head!.metadata.partChecksums]).toEqual([checksum, [sha(one), sha(two)]]);
        expect((await getBytes(store, 'bkt', 'mp'))!.equals(Buffer.concat([one, two]))).toBe(true);
        const copy = await store.copyObject({ bucket: 'bkt', key: 'mp' }, { bucket: 'bkt', key: 'copy' }, META);
        expect(copy.metadata.partChecksums).toBeUndefined();
        expect((await store.headObject('bkt', 'copy'))!.metadata.partChecksums).toBeUndefined();
      });

      it('completes with a subset of parts and unquoted ETags; replaces a part number', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(P, 1)));
        const p1 = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(P, 9))); // replaces
        await store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf(bytes(P, 2)));
        const p3 = await store.uploadPart('bkt', 'mp', up.uploadId, 3, bodyOf(bytes(7, 3)));
        const listed = await store.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 });
        expect(listed.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
        expect(listed.parts[0]!.etag).toBe(p1.etag);
        if (!subsets) {
          const all = await store.completeMultipartUpload('bkt', 'mp', up.uploadId, [
            { partNumber: 1, etag: p1.etag.replaceAll('"', '') },
            { partNumber: 2, etag: listed.parts[1]!.etag },
            { partNumber: 3, etag: p3.etag },
          ]);
          expect(all.etag.endsWith('-3"')).toBe(true);
          expect((await getBytes(store, 'bkt', 'mp'))!.equals(Buffer.concat([bytes(P, 9), bytes(P, 2), bytes(7, 3)]))).toBe(true);
          return;
        }
        const info = await store.completeMultipartUpload('bkt', 'mp', up.uploadId, [
          { partNumber: 1, etag: p1.etag.replaceAll('"', '') },
          { partNumber: 3, etag: p3.etag },
        ]);
        expect(info.etag.endsWith('-2"')).toBe(true);
        expect((await getBytes(store, 'bkt', 'mp'))!.equals(Buffer.concat([bytes(P, 9), bytes(7, 3)]))).toBe(true);
      });

      it('completion errors: InvalidPart, InvalidPartOrder, EntityTooSmall; the upload survives them', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        const a = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(P - 1, 1)));
        const b = await store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf(bytes(P, 2)));
        const id = up.uploadId;
        await expectStoreError(store.completeMultipartUpload('bkt', 'mp', id, [{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }]), 'InvalidPart');
        await expectStoreError(store.completeMultipartUpload('bkt', 'mp', id, [{ partNumber: 5, etag: a.etag }]), 'InvalidPart');
        await expectStoreError(
          store.completeMultipartUpload('bkt', 'mp', id, [
            { partNumber: 2, etag: b.etag },
            { partNumber: 1, etag: a.etag },
          ]),
          'InvalidPartOrder',
        );
        await expectStoreError(
          store.completeMultipartUpload('bkt', 'mp', id, [
            { partNumber: 1, etag: a.etag },
            { partNumber: 2, etag: b.etag },
          ]),
          'EntityTooSmall',
        );
        expect(await store.headObject('bkt', 'mp')).toBeNull();
        // a too-small part is fine as the last (or only) part
        if (!subsets) {
          const a2 = await store.uploadPart('bkt', 'mp', id, 1, bodyOf(bytes(P, 1)));
          const b2 = await store.uploadPart('bkt', 'mp', id, 2, bodyOf(bytes(P - 1, 2)));
          const all = await store.completeMultipartUpload('bkt', 'mp', id, [
            { partNumber: 1, etag: a2.etag },
            { partNumber: 2, etag: b2.etag },
          ]);
          expect(all.size).toBe(2 * P - 1);
          return;
        }
        const info = await store.completeMultipartUpload('bkt', 'mp', id, [{ partNumber: 1, etag: a.etag }]);
        expect(info.size).toBe(P - 1);
      });

      it('defaults the minimum part size to 5 MiB', async () => {
        const strict = await make({});
        await strict.createBucket('b', { region: 'us-east-1' });
        const up = await strict.createMultipartUpload('b', 'k', META);
        const a = await strict.uploadPart('b', 'k', up.uploadId, 1, bodyOf(bytes(S3_LIMITS.minPartBytes - 1, 1)));
        const b = await strict.uploadPart('b', 'k', up.uploadId, 2, bodyOf('tail'));
        await expectStoreError(
          strict.completeMultipartUpload('b', 'k', up.uploadId, [
            { partNumber: 1, etag: a.etag },
            { partNumber: 2, etag: b.etag },
          ]),
          'EntityTooSmall',
        );
        const c = await strict.uploadPart('b', 'k', up.uploadId, 1, bodyOf(bytes(S3_LIMITS.minPartBytes, 1)));
        const info = await strict.completeMultipartUpload('b', 'k', up.uploadId, [
          { partNumber: 1, etag: c.etag },
          { partNumber: 2, etag: b.etag },
        ]);
        expect(info.size).toBe(S3_LIMITS.minPartBytes + 4);
      });

      it('unknown uploads, wrong keys and bad part numbers', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        await expectStoreError(store.uploadPart('bkt', 'mp', 'no-such-upload', 1, bodyOf('x')), 'NoSuchUpload');
        await expectStoreError(store.uploadPart('bkt', 'mp', '../../etc', 1, bodyOf('x')), 'NoSuchUpload');
        await expectStoreError(store.uploadPart('bkt', 'other-key', up.uploadId, 1, bodyOf('x')), 'NoSuchUpload');
        await expectStoreError(store.uploadPart('bkt', 'mp', up.uploadId, 0, bodyOf('x')), 'InvalidArgument');
        await expectStoreError(store.uploadPart('bkt', 'mp', up.uploadId, 10_001, bodyOf('x')), 'InvalidArgument');
        await store.uploadPart('bkt', 'mp', up.uploadId, 10_000, bodyOf('x'));
        await expectStoreError(store.completeMultipartUpload('bkt', 'mp', 'nope', [{ partNumber: 1, etag: 'x' }]), 'NoSuchUpload');
        await expectStoreError(store.listParts('bkt', 'mp', 'nope', { maxParts: 1 }), 'NoSuchUpload');
        await expectStoreError(store.abortMultipartUpload('bkt', 'mp', 'nope'), 'NoSuchUpload');
      });

      it('a part with a bad Content-MD5 or size is refused and not listed', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        await expectStoreError(store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf('data'), { contentMd5: md5Base64('other') }), 'BadDigest');
        await expectStoreError(store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf('data'), { expectedSize: 5 }), 'IncompleteBody');
        expect((await store.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 })).parts).toEqual([]);
        const ok = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf('data'), {
          contentMd5: md5Base64('data'),
          expectedSize: 4,
          checksum: { algorithm: 'SHA256', value: 'abc=' },
        });
        expect(ok.checksum).toEqual({ algorithm: 'SHA256', value: 'abc=' });
      });

      it('aborts: parts and upload disappear', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf('x'));
        await store.abortMultipartUpload('bkt', 'mp', up.uploadId);
        await expectStoreError(store.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 }), 'NoSuchUpload');
        await expectStoreError(store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf('x')), 'NoSuchUpload');
        expect((await store.listMultipartUploads('bkt', { maxUploads: 10 })).uploads).toEqual([]);
        expect(await store.headObject('bkt', 'mp')).toBeNull();
      });

      it('Complete racing Abort (and a second Complete): exactly one outcome, nothing half done', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        const a = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(P, 1)));
        const parts = [{ partNumber: 1, etag: a.etag }];
        const [c1, ab, c2] = await Promise.allSettled([
          store.completeMultipartUpload('bkt', 'mp', up.uploadId, parts),
          store.abortMultipartUpload('bkt', 'mp', up.uploadId),
          store.completeMultipartUpload('bkt', 'mp', up.uploadId, parts),
        ]);
        const wins = [c1, ab, c2].filter((r) => r.status === 'fulfilled');
        expect(wins).toHaveLength(1);
        for (const r of [c1, ab, c2]) if (r.status === 'rejected') expect(isStoreError(r.reason, 'NoSuchUpload')).toBe(true);
        const head = await store.headObject('bkt', 'mp');
        if (ab.status === 'fulfilled') expect(head).toBeNull();
        else expect((await getBytes(store, 'bkt', 'mp'))!.equals(bytes(P, 1))).toBe(true);
        expect((await store.listMultipartUploads('bkt', { maxUploads: 10 })).uploads).toEqual([]);
      });

      it('paginates parts', async () => {
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        for (const n of [5, 1, 3, 2, 4]) await store.uploadPart('bkt', 'mp', up.uploadId, n, bodyOf(`p${n}`));
        const first = await store.listParts('bkt', 'mp', up.uploadId, { maxParts: 2 });
        expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2]);
        expect(first.isTruncated).toBe(true);
        expect(first.nextPartNumberMarker).toBe(2);
        const second = await store.listParts('bkt', 'mp', up.uploadId, { maxParts: 10, partNumberMarker: 2 });
        expect(second.parts.map((p) => p.partNumber)).toEqual([3, 4, 5]);
        expect(second.isTruncated).toBe(false);
      });

      it('lists uploads by key with prefix, delimiter and markers', async () => {
        const ids: Record<string, string> = {};
        for (const k of ['b/2', 'a', 'b/1', 'c', 'é']) ids[k] = (await store.createMultipartUpload('bkt', k, META)).uploadId;
        const again = (await store.createMultipartUpload('bkt', 'a', META)).uploadId;
        const all = await store.listMultipartUploads('bkt', { maxUploads: 100 });
        expect(all.uploads.map((u) => u.key)).toEqual(['a', 'a', 'b/1', 'b/2', 'c', 'é']);
        expect(
          all.uploads
            .slice(0, 2)
            .map((u) => u.uploadId)
            .sort(),
        ).toEqual([ids.a!, again].sort());
        expect(all.isTruncated).toBe(false);

        const grouped = await store.listMultipartUploads('bkt', { maxUploads: 100, delimiter: '/' });
        expect(grouped.uploads.map((u) => u.key)).toEqual(['a', 'a', 'c', 'é']);
        expect(grouped.commonPrefixes).toEqual(['b/']);

        const prefixed = await store.listMultipartUploads('bkt', { maxUploads: 100, prefix: 'b/' });
        expect(prefixed.uploads.map((u) => u.key)).toEqual(['b/1', 'b/2']);

        const seen: string[] = [];
        let keyMarker: string | undefined;
        let uploadIdMarker: string | undefined;
        for (let pages = 0; pages < 10; pages++) {
          const page = await store.listMultipartUploads('bkt', {
            maxUploads: 2,
            ...(keyMarker !== undefined ? { keyMarker } : {}),
            ...(uploadIdMarker !== undefined ? { uploadIdMarker } : {}),
          });
          seen.push(...page.uploads.map((u) => u.uploadId));
          if (!page.isTruncated) break;
          keyMarker = page.nextKeyMarker;
          uploadIdMarker = page.nextUploadIdMarker;
        }
        expect(seen).toEqual(all.uploads.map((u) => u.uploadId));

        const afterA = await store.listMultipartUploads('bkt', { maxUploads: 100, keyMarker: 'a' });
        expect(afterA.uploads.map((u) => u.key)).toEqual(['b/1', 'b/2', 'c', 'é']);
      });

      it('UploadPartCopy makes a part from a range of an object', async () => {
        const src = bytes(3 * P, 4);
        await store.putObject('bkt', 'src', bodyOf(src), META);
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        const p1 = await store.uploadPartCopy('bkt', 'mp', up.uploadId, 1, { bucket: 'bkt', key: 'src', range: { start: 0, end: P - 1 } });
        const p2 = await store.uploadPartCopy('bkt', 'mp', up.uploadId, 2, { bucket: 'bkt', key: 'src' });
        expect(p1.size).toBe(P);
        if (partMd5) expect(p1.etag).toBe(`"${md5Hex(src.subarray(0, P))}"`);
        expect(p2.size).toBe(3 * P);
        await expectStoreError(store.uploadPartCopy('bkt', 'mp', up.uploadId, 3, { bucket: 'bkt', key: 'nope' }), 'NoSuchKey');
        await store.completeMultipartUpload('bkt', 'mp', up.uploadId, [
          { partNumber: 1, etag: p1.etag },
          { partNumber: 2, etag: p2.etag },
        ]);
        expect((await getBytes(store, 'bkt', 'mp'))!.equals(Buffer.concat([src.subarray(0, P), src]))).toBe(true);
      });

      it('completion replaces an existing object; a copy of a multipart object keeps its bytes', async () => {
        await store.putObject('bkt', 'mp', bodyOf('old'), META);
        const up = await store.createMultipartUpload('bkt', 'mp', META);
        const a = await store.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(P, 1)));
        const b = await store.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf(bytes(P, 2)));
        const info = await store.completeMultipartUpload('bkt', 'mp', up.uploadId, [
          { partNumber: 1, etag: a.etag },
          { partNumber: 2, etag: b.etag },
        ]);
        const whole = Buffer.concat([bytes(P, 1), bytes(P, 2)]);
        expect((await getBytes(store, 'bkt', 'mp'))!.equals(whole)).toBe(true);
        const copy = await store.copyObject({ bucket: 'bkt', key: 'mp' }, { bucket: 'bkt', key: 'copy' }, META);
        expect(copy.size).toBe(info.size);
        await store.deleteObject('bkt', 'mp');
        expect((await getBytes(store, 'bkt', 'copy'))!.equals(whole)).toBe(true);
      });
    });
    describe('system documents (drivers implementing SystemDocuments)', () => {
      it('creates once: the first document stays, every later create returns it', async (ctx) => {
        if (!hasSystemDocuments(store)) return ctx.skip();
        expect(await store.getSystemDocument('creds')).toBeNull();
        expect(await store.createSystemDocument('creds', '{"a":1} é')).toBe('{"a":1} é');
        expect(await store.createSystemDocument('creds', '{"a":2}')).toBe('{"a":1} é');
        expect(await store.getSystemDocument('creds')).toBe('{"a":1} é');
        expect(await store.getSystemDocument('other')).toBeNull();
      });

      it('concurrent creates agree on one document', async (ctx) => {
        if (!hasSystemDocuments(store)) return ctx.skip();
        const results = await Promise.all(['x', 'y', 'z'].map((d) => store_(store).createSystemDocument('race', d)));
        expect(new Set(results).size).toBe(1);
        expect(await store_(store).getSystemDocument('race')).toBe(results[0]);
      });

      it('refuses names that are not plain', async (ctx) => {
        if (!hasSystemDocuments(store)) return ctx.skip();
        await expectStoreError(store.getSystemDocument('../x'), 'InvalidArgument');
        await expectStoreError(store.createSystemDocument('a/b', 'x'), 'InvalidArgument');
        await expectStoreError(store.createSystemDocument('', 'x'), 'InvalidArgument');
      });

      it('system documents are not buckets or objects', async (ctx) => {
        if (!hasSystemDocuments(store)) return ctx.skip();
        await store.createSystemDocument('creds', 'x');
        expect((await store.listBuckets()).map((b) => b.name)).toEqual(['bkt']);
        expect((await store.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
      });
    });
    describe('event outbox (drivers implementing EventOutbox; docs/notifications.md#the-outbox)', () => {
      it('appends batches and reads them back oldest first, records intact', async (ctx) => {
        if (!hasEventOutbox(store)) return ctx.skip();
        expect(await store.listOutboxPartitions()).toEqual([]);
        expect(await store.readOutbox('node-a', 10)).toEqual([]);
        const records = ['{"a":1}', 'é \u{1F600} "quoted" \n', ''];
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await store.appendOutbox('node-a', [...records, String(i)]));
        expect([...ids].sort()).toEqual(ids);
        expect(new Set(ids).size).toBe(5);
        const all = await store.readOutbox('node-a', 100);
        expect(all.map((b) => b.id)).toEqual(ids);
        expect(all[3]!.records).toEqual([...records, '3']);
        expect(await store.listOutboxPartitions()).toEqual(['node-a']);
      });

      it('pages with limit and after', async (ctx) => {
        if (!hasEventOutbox(store)) return ctx.skip();
        const ids: string[] = [];
        for (let i = 0; i < 7; i++) ids.push(await store.appendOutbox('p1', [String(i)]));
        const first = await store.readOutbox('p1', 3);
        expect(first.map((b) => b.id)).toEqual(ids.slice(0, 3));
        const next = await store.readOutbox('p1', 3, first[2]!.id);
        expect(next.map((b) => b.id)).toEqual(ids.slice(3, 6));
        expect((await store.readOutbox('p1', 3, next[2]!.id)).map((b) => b.records[0])).toEqual(['6']);
      });

      it('keeps partitions apart and removes batches (missing ids ignored)', async (ctx) => {
        if (!hasEventOutbox(store)) return ctx.skip();
        const a1 = await store.appendOutbox('node-a', ['a1']);
        const a2 = await store.appendOutbox('node-a', ['a2']);
        const b1 = await store.appendOutbox('node-b', ['b1']);
        expect(await store.listOutboxPartitions()).toEqual(['node-a', 'node-b']);
        await store.removeOutbox('node-a', [a1, b1, '000000000000-00000000-00000000']);
        expect((await store.readOutbox('node-a', 10)).map((b) => b.id)).toEqual([a2]);
        expect((await store.readOutbox('node-b', 10)).map((b) => b.id)).toEqual([b1]);
        await store.removeOutbox('node-a', [a2]);
        expect(await store.listOutboxPartitions()).toEqual(['node-b']);
      });

      it('concurrent appends each get their own batch', async (ctx) => {
        if (!hasEventOutbox(store)) return ctx.skip();
        const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => store_outbox(store).appendOutbox('node-a', [String(i)])));
        expect(new Set(ids).size).toBe(20);
        const read = await store_outbox(store).readOutbox('node-a', 100);
        expect(read.map((b) => b.records[0]).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
      });

      it('refuses partition names that are not plain; outbox batches are not objects', async (ctx) => {
        if (!hasEventOutbox(store)) return ctx.skip();
        await expectStoreError(store.appendOutbox('../x', ['r']), 'InvalidArgument');
        await expectStoreError(store.readOutbox('a/b', 1), 'InvalidArgument');
        await expectStoreError(store.removeOutbox('', []), 'InvalidArgument');
        await store.appendOutbox('node-a', ['r']);
        expect((await store.listBuckets()).map((b) => b.name)).toEqual(['bkt']);
        expect((await store.listObjects('bkt', { maxKeys: 10 })).objects).toEqual([]);
      });
    });
  });
}
