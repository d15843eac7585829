/**
 * The s3 driver's own behavior over a real S3 backend (a bucketfront origin
 * on the fs driver): what it stores where, adopted buckets, bodies that are
 * too short or too long, bounded memory, listings resuming after a common
 * prefix, metadata the backend cannot hold natively, and several nodes
 * sharing one cluster.
 */
import { createHash } from 'node:crypto';
import http, { type Server } from 'node:http';
import { Readable, Transform, pipeline } from 'node:stream';
import { signRequest, UNSIGNED_PAYLOAD } from '@bucketfront/sigv4';
import type { AccessLogEntry } from '../src/http/access-log.js';
import { createOriginHandler } from '../src/origin-handler.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Store, hasSystemDocuments, withBucketCache, type ObjectStore, type S3StoreOptions } from '@bucketfront/object-store';
import { bodyOf, bytes, expectStoreError, getBytes, md5Hex, readAll } from '@bucketfront/object-store/contract';
import { listenOnLoopback } from '@bucketfront/test-support';
import { startS3Backend, uniquePrefix, type S3Backend } from './s3-backend.js';

const META = { userMetadata: {} };

/** Bytes the backend's store has pulled from request bodies so far. */
let consumed = 0;

function counting(body: Readable): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      consumed += chunk.length;
      cb(null, chunk);
    },
  });
  pipeline(body, counter, () => {});
  return counter;
}

/** Every request the backend answered. */
const backendLog: AccessLogEntry[] = [];

let backend: S3Backend;
beforeAll(async () => {
  backend = await startS3Backend({
    minPartSize: 1024,
    accessLog: (entry) => backendLog.push(entry),
    wrapStore: (store) =>
      new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'putObject') {
            return (b: string, k: string, body: Readable, md: never, o: never) => target.putObject(b, k, counting(body), md, o);
          }
          if (prop === 'uploadPart') {
            return (b: string, k: string, u: string, n: number, body: Readable, o: never) => target.uploadPart(b, k, u, n, counting(body), o);
          }
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }),
  });
});
afterAll(async () => {
  await backend.close();
});

const open: ObjectStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function makeStore(extra: Partial<S3StoreOptions> = {}): Promise<ObjectStore & { prefix: string; checkPayloadHashing(): Promise<void>; readonly payloadHashing: string }> {
  const bucketPrefix = extra.bucketPrefix ?? uniquePrefix();
  const s = await createS3Store({ endpoint: backend.endpoint, credentials: backend.credentials, bucketPrefix, minPartSize: 1024, ...extra });
  open.push(s);
  return Object.assign(s, { prefix: bucketPrefix });
}

/** A body of `size` bytes from a generator (fresh 64 KiB chunks), recording how far ahead of the backend it got. */
function generated(size: number): { body: Readable; md5: () => string; maxAhead: () => number } {
  const hash = createHash('md5');
  let produced = 0;
  let maxAhead = 0;
  const start = consumed;
  const body = Readable.from(
    (function* () {
      while (produced < size) {
        const n = Math.min(65_536, size - produced);
        const chunk = Buffer.alloc(n, produced % 251);
        hash.update(chunk);
        produced += n;
        maxAhead = Math.max(maxAhead, produced - (consumed - start));
        yield chunk;
      }
    })(),
  );
  return { body, md5: () => hash.digest('hex'), maxAhead: () => maxAhead };
}

describe('s3 driver over a bucketfront origin', () => {
  it('reserved metadata lives in x-amz-meta-bucketfront-* on the backend and never shows as user metadata', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const md = {
      userMetadata: { colour: 'blue' },
      acl: 'public-read' as const,
      checksum: { algorithm: 'CRC32' as const, value: 'AAAAAA==', type: 'FULL_OBJECT' as const },
    };
    await s.putObject('bkt', 'k', bodyOf('x'), md);
    const raw = await backend.store.headObject(`${s.prefix}bkt`, 'k');
    expect(raw!.metadata.userMetadata).toEqual({ colour: 'blue', 'bucketfront-acl': 'public-read', 'bucketfront-checksum': 'CRC32:F:AAAAAA==' });
    expect(raw!.metadata.acl).toBeUndefined(); // the backend's own object ACL stays untouched (private)
    const head = await s.headObject('bkt', 'k');
    expect(head!.metadata).toEqual(md);
    const listed = await s.listObjects('bkt', { maxKeys: 10 });
    expect(listed.objects[0]!.metadata.userMetadata).toEqual({});
    await expectStoreError(s.putObject('bkt', 'k2', bodyOf('x'), { userMetadata: { 'bucketfront-acl': 'public-read' } }), 'InvalidArgument');
  });

  it('metadata values HTTP cannot carry verbatim (non-ASCII, outer spaces) round-trip', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const md = {
      contentType: 'text/plain; charset=utf-8',
      contentDisposition: 'attachment; filename="résumé.pdf"',
      userMetadata: { x: ' 日本 😀 ', y: '=?UTF-8?B?aGk=?=', z: 'Ã©' },
    };
    await s.putObject('bkt', 'k', bodyOf('x'), md);
    expect((await s.headObject('bkt', 'k'))!.metadata).toEqual(md);
    expect((await s.getObject('bkt', 'k'))!.info.metadata).toEqual(md);
  });

  it('serves an existing backend bucket with the prefix as it is (adopted): private, the store region', async () => {
    const s = await makeStore();
    await backend.store.createBucket(`${s.prefix}legacy`, { region: 'us-east-1' });
    await backend.store.putObject(`${s.prefix}legacy`, 'hello.txt', bodyOf('hi'), { contentType: 'text/plain', userMetadata: {} });
    await backend.store.createBucket(`x${s.prefix}other`, { region: 'us-east-1' }); // not ours
    const buckets = await s.listBuckets();
    expect(buckets.map((b) => [b.name, b.acl, b.region])).toEqual([['legacy', 'private', 'us-east-1']]);
    expect(buckets[0]!.creationDate.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(await s.headBucket('legacy')).toMatchObject({ name: 'legacy', acl: 'private', region: 'us-east-1' });
    expect((await getBytes(s, 'legacy', 'hello.txt'))!.toString()).toBe('hi');
    expect((await s.headObject('legacy', 'hello.txt'))!.metadata).toEqual({ contentType: 'text/plain', userMetadata: {} });
    await s.setBucketAcl('legacy', 'public-read');
    expect((await s.headBucket('legacy'))!.acl).toBe('public-read');
    await s.deleteObject('legacy', 'hello.txt');
    await s.deleteBucket('legacy');
    expect(await s.listBuckets()).toEqual([]);
  });

  it('the system bucket is no bucket of ours, and its name is refused', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    await s.putBucketConfig('bkt', 'website', '<w/>');
    expect(await backend.store.headBucket(`${s.prefix}bucketfront-system`)).not.toBeNull();
    expect((await s.listBuckets()).map((b) => b.name)).toEqual(['bkt']);
    expect(await s.headBucket('bucketfront-system')).toBeNull();
    await expectStoreError(s.createBucket('bucketfront-system', { region: 'us-east-1' }), 'InvalidArgument');
    await expectStoreError(s.listObjects('bucketfront-system', { maxKeys: 1 }), 'NoSuchBucket');
  });

  it('a body shorter or longer than declared stores nothing, old version kept (objects and parts)', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const full = `${s.prefix}bkt`;
    await s.putObject('bkt', 'k', bodyOf('old'), META);
    const big = bytes(3 * 1024 * 1024, 5);
    const chunks = (b: Buffer): Readable => Readable.from(Array.from({ length: Math.ceil(b.length / 65_536) }, (_, i) => b.subarray(i * 65_536, (i + 1) * 65_536)));
    await expectStoreError(s.putObject('bkt', 'k', chunks(big), META, { expectedSize: big.length + 1 }), 'IncompleteBody');
    await expectStoreError(s.putObject('bkt', 'k', chunks(big), META, { expectedSize: big.length - 1 }), 'IncompleteBody');
    await expectStoreError(s.putObject('bkt', 'fresh', chunks(big), META, { expectedSize: big.length - 65_536 }), 'IncompleteBody');
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('old');
    expect(await s.headObject('bkt', 'fresh')).toBeNull();
    expect(await backend.store.headObject(full, 'fresh')).toBeNull();
    const up = await s.createMultipartUpload('bkt', 'mp', META);
    await expectStoreError(s.uploadPart('bkt', 'mp', up.uploadId, 1, chunks(big), { expectedSize: big.length + 10 }), 'IncompleteBody');
    await expectStoreError(s.uploadPart('bkt', 'mp', up.uploadId, 1, chunks(big), { expectedSize: big.length - 10 }), 'IncompleteBody');
    expect((await s.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 })).parts).toEqual([]);
    await s.abortMultipartUpload('bkt', 'mp', up.uploadId);
  });

  it('payloadSha256: the backend checks the hash the client signed; a body that does not match stores nothing', async () => {
    const s = await makeStore();
    expect(s.verifiesPayloadSha256).toBe(false); // until the start-up probe has seen the backend refuse a mismatch
    await expectStoreError(s.putObject('bkt', 'k', bodyOf('x'), META, { payloadSha256: 'a'.repeat(64) }), 'InternalError');
    await s.checkPayloadHashing();
    expect(s.verifiesPayloadSha256).toBe(true);
    await s.createBucket('bkt', { region: 'us-east-1' });
    const full = `${s.prefix}bkt`;
    const good = bytes(200_000, 1);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    await s.putObject('bkt', 'k', bodyOf('old'), META);
    const err = await s.putObject('bkt', 'k', bodyOf(bytes(200_000, 2)), META, { expectedSize: 200_000, payloadSha256: sha(good) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'XAmzContentSHA256Mismatch', detail: { ClientComputedContentSHA256: sha(good) } });
    await expectStoreError(s.putObject('bkt', 'fresh', bodyOf(Buffer.from('not it')), META, { payloadSha256: sha(good) }), 'XAmzContentSHA256Mismatch');
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('old');
    expect(await backend.store.headObject(full, 'fresh')).toBeNull();
    await s.putObject('bkt', 'k', bodyOf(good), META, { expectedSize: good.length, payloadSha256: sha(good) });
    expect((await getBytes(s, 'bkt', 'k'))!.equals(good)).toBe(true);
  });

  it('a 64 MiB part and a 64 MiB object stream through with bounded memory', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const size = 64 * 1024 * 1024;
    const up = await s.createMultipartUpload('bkt', 'mp', META);
    const part = generated(size);
    const info = await s.uploadPart('bkt', 'mp', up.uploadId, 1, part.body, { expectedSize: size });
    expect(info.etag).toBe(`"${part.md5()}"`);
    expect(info.size).toBe(size);
    // Bytes produced but not yet taken by the backend: socket buffers and stream high-water marks, never the part.
    expect(part.maxAhead()).toBeLessThan(16 * 1024 * 1024);
    await s.abortMultipartUpload('bkt', 'mp', up.uploadId);

    const obj = generated(size);
    const put = await s.putObject('bkt', 'big', obj.body, META, { expectedSize: size });
    expect(put.etag).toBe(`"${obj.md5()}"`);
    expect(obj.maxAhead()).toBeLessThan(16 * 1024 * 1024);
  });

  it('a body of unknown length over 1 MiB is spooled, then stored whole', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const data = bytes(2 * 1024 * 1024 + 3, 8);
    const info = await s.putObject('bkt', 'k', Readable.from([data.subarray(0, 1_500_000), data.subarray(1_500_000)]), META);
    expect(info).toMatchObject({ size: data.length, etag: `"${md5Hex(data)}"` });
    expect((await getBytes(s, 'bkt', 'k'))!.equals(data)).toBe(true);
  });

  it('listing resumes after a common prefix without repeating it', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    for (const k of ['dir/a', 'dir/b', 'dir/sub/c', 'e', 'f']) await s.putObject('bkt', k, bodyOf(k), META);
    const first = await s.listObjects('bkt', { maxKeys: 1, delimiter: '/' });
    expect(first).toMatchObject({ commonPrefixes: ['dir/'], isTruncated: true, lastReturned: 'dir/' });
    const next = await s.listObjects('bkt', { maxKeys: 1, delimiter: '/', startAfter: 'dir/' });
    expect(next.objects.map((o) => o.key)).toEqual(['e']);
    expect(next).toMatchObject({ commonPrefixes: [], isTruncated: true, lastReturned: 'e' });
    const rest = await s.listObjects('bkt', { maxKeys: 10, delimiter: '/', startAfter: 'dir/' });
    expect(rest.objects.map((o) => o.key)).toEqual(['e', 'f']);
    expect(rest.isTruncated).toBe(false);
    const inner = await s.listObjects('bkt', { maxKeys: 1, delimiter: '/', prefix: 'dir/', startAfter: 'dir/b' });
    expect(inner.commonPrefixes).toEqual(['dir/sub/']);
    const after = await s.listObjects('bkt', { maxKeys: 5, delimiter: '/', prefix: 'dir/', startAfter: 'dir/sub/' });
    expect(after).toMatchObject({ objects: [], commonPrefixes: [], isTruncated: false });
  });

  it('a checksum known only at the end of the body (trailer) is stored too', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const md: { userMetadata: Record<string, string>; checksum?: { algorithm: 'CRC32'; value: string; type: 'FULL_OBJECT' } } = {
      userMetadata: { a: '1' },
    };
    const body = bodyOf('trailer body');
    body.once('end', () => (md.checksum = { algorithm: 'CRC32', value: 'q6NG3A==', type: 'FULL_OBJECT' }));
    const info = await s.putObject('bkt', 'k', body, md, { expectedSize: 12 });
    expect(info.metadata.checksum).toEqual(md.checksum);
    expect(info.etag).toBe(`"${md5Hex('trailer body')}"`);
    const head = await s.headObject('bkt', 'k');
    expect(head!.metadata).toEqual({ userMetadata: { a: '1' }, checksum: md.checksum });
    expect(head!.etag).toBe(info.etag);
  });

  it('multipart: part checksums and the announced algorithm come back from listParts; part sizes, the checksum and the part checksums reach the object', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const up = await s.createMultipartUpload('bkt', 'mp', {
      contentType: 'video/mp4',
      userMetadata: { m: '1' },
      acl: 'public-read',
      checksum: { algorithm: 'CRC32', value: '', type: 'COMPOSITE' },
    });
    const p1 = await s.uploadPart('bkt', 'mp', up.uploadId, 1, bodyOf(bytes(2048, 1)), { checksum: { algorithm: 'CRC32', value: 'AAAAAQ==' } });
    const p2 = await s.uploadPart('bkt', 'mp', up.uploadId, 2, bodyOf(bytes(100, 2)), { checksum: { algorithm: 'CRC32', value: 'AAAAAg==' } });
    const listed = await s.listParts('bkt', 'mp', up.uploadId, { maxParts: 10 });
    expect(listed.upload.metadata.checksum).toEqual({ algorithm: 'CRC32', value: '', type: 'COMPOSITE' });
    expect(listed.parts.map((p) => p.checksum)).toEqual([
      { algorithm: 'CRC32', value: 'AAAAAQ==' },
      { algorithm: 'CRC32', value: 'AAAAAg==' },
    ]);
    const checksum = { algorithm: 'CRC32' as const, value: 'zzzzzz==-2', type: 'COMPOSITE' as const };
    const info = await s.completeMultipartUpload(
      'bkt',
      'mp',
      up.uploadId,
      [p1, p2].map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      { checksum },
    );
    expect(info.etag).toMatch(/-2"$/);
    const expected = { contentType: 'video/mp4', userMetadata: { m: '1' }, acl: 'public-read', partSizes: [2048, 100], partChecksums: ['AAAAAQ==', 'AAAAAg=='], checksum };
    expect(info.metadata).toEqual(expected);
    const head = await s.headObject('bkt', 'mp');
    expect(head!.metadata).toEqual(expected);
    expect(head!.etag).toBe(info.etag);
    // the upload's entries in the system bucket are gone
    await expect.poll(async () => (await backend.store.listObjects(`${s.prefix}bucketfront-system`, { prefix: 'uploads/', maxKeys: 100 })).objects).toEqual([]);
    // a copy keeps the part layout, as on the fs driver
    const copy = await s.copyObject({ bucket: 'bkt', key: 'mp' }, { bucket: 'bkt', key: 'copy' }, META);
    expect(copy.metadata.partSizes).toEqual([2048, 100]);
  });

  it('an unchanged bucket configuration is the same string instance', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    await s.putBucketConfig('bkt', 'policy', '{"Version":"2012-10-17"}');
    const a = await s.getBucketConfig('bkt', 'policy');
    const b = await s.getBucketConfig('bkt', 'policy');
    expect(a).toBe('{"Version":"2012-10-17"}');
    expect(Object.is(a, b)).toBe(true);
    await s.putBucketConfig('bkt', 'policy', '{"Version":"2012-10-17","x":1}');
    expect(await s.getBucketConfig('bkt', 'policy')).toBe('{"Version":"2012-10-17","x":1}');
  });

  it('nodes sharing one cluster (same prefix) share buckets, ACLs, configurations and system documents', async () => {
    const a = await makeStore();
    const b = await makeStore({ bucketPrefix: a.prefix });
    await a.createBucket('site', { region: 'eu-west-1', acl: 'public-read' });
    await a.putBucketConfig('site', 'website', '<WebsiteConfiguration/>');
    expect(await b.headBucket('site')).toMatchObject({ region: 'eu-west-1', acl: 'public-read' });
    expect(await b.getBucketConfig('site', 'website')).toBe('<WebsiteConfiguration/>');
    await expectStoreError(b.createBucket('site', { region: 'us-east-1' }), 'BucketAlreadyOwnedByYou');
    expect(hasSystemDocuments(a) && hasSystemDocuments(b)).toBe(true);
    if (!hasSystemDocuments(a) || !hasSystemDocuments(b)) return;
    // (Sequential: this backend checks If-None-Match before writing, not atomically, so truly
    // simultaneous creates on two nodes could both store; AWS S3 and radosgw refuse the second.)
    expect(await a.createSystemDocument('creds', 'from-a')).toBe('from-a');
    expect(await b.createSystemDocument('creds', 'from-b')).toBe('from-a');
    expect(await b.getSystemDocument('creds')).toBe('from-a');
    // and another prefix sees none of it
    const c = await makeStore();
    expect(await c.headBucket('site')).toBeNull();
    if (hasSystemDocuments(c)) expect(await c.getSystemDocument('creds')).toBeNull();
  });

  it('a GET of an object over the object cache limit streams the backend response; a reader keeps its version', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    const v1 = bytes(4 * 1024 * 1024 + 1, 1);
    await s.putObject('bkt', 'k', bodyOf(v1), META);
    const got = await s.getObject('bkt', 'k');
    expect(got!.buffer).toBeUndefined();
    await s.putObject('bkt', 'k', bodyOf(bytes(10, 2)), META);
    expect((await readAll(got!.body)).equals(v1)).toBe(true);
    const range = await s.getObject('bkt', 'k', { start: 2, end: 5 });
    expect(range!.info.size).toBe(10);
    expect((await readAll(range!.body)).equals(bytes(10, 2).subarray(2, 6))).toBe(true);
  });

  it('replication statuses: written PENDING with the version, COMPLETED later in a sidecar that reads overlay; only PENDING versions (and, in a bucket whose existing objects were replicated, versions without a status) pay its GET', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    await s.putBucketVersioning('bkt', 'Enabled');
    const pending = await s.putObject('bkt', 'k', bodyOf('one'), { userMetadata: {}, replicationStatus: 'PENDING' });
    const plain = await s.putObject('bkt', 'other', bodyOf('two'), META);
    const raw = await backend.store.headObject(`${s.prefix}bkt`, 'k');
    expect(raw!.metadata.userMetadata).toEqual({ 'bucketfront-replication-status': 'PENDING' });
    expect((await s.headObject('bkt', 'k'))!.metadata.replicationStatus).toBe('PENDING');
    const sidecars = async (): Promise<string[]> => (await backend.store.listObjects(`${s.prefix}bucketfront-system`, { prefix: 'replication-status/', maxKeys: 100 })).objects.map((o) => o.key);
    expect(await sidecars()).toEqual([]);

    const done = await s.updateVersionMetadata('bkt', 'k', pending.versionId!, { replicationStatus: 'COMPLETED' });
    expect(done).toMatchObject({ versionId: pending.versionId, etag: pending.etag, metadata: { replicationStatus: 'COMPLETED' } });
    expect(await sidecars()).toEqual([`replication-status/bkt/${createHash('sha256').update('k').digest('hex')}/${pending.versionId}`]);
    // The version itself is untouched: no new version, same Last-Modified.
    const versions = await s.listObjectVersions('bkt', { maxKeys: 10 });
    expect(versions.versions.map((v) => v.versionId).sort()).toEqual([pending.versionId, plain.versionId].sort());
    for (const read of [
      (await s.headObject('bkt', 'k'))!,
      (await s.headObject('bkt', 'k', { versionId: pending.versionId! }))!,
      (await s.getObject('bkt', 'k'))!.info,
      (await s.getObject('bkt', 'k', undefined, { versionId: pending.versionId! }))!.info,
    ]) {
      expect([read.metadata.replicationStatus, read.lastModified.getTime()]).toEqual(['COMPLETED', pending.lastModified.getTime()]);
    }

    // A version written without a status reads in one backend request: no sidecar lookup (its bucket
    // never had existing objects replicated: the mark saying so is looked for at most every 2 s).
    expect((await s.headObject('bkt', 'other'))!.metadata.replicationStatus).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    let before = backendLog.length;
    expect((await s.headObject('bkt', 'other'))!.metadata.replicationStatus).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50)); // access-log lines are written when responses close
    expect(backendLog.slice(before).map((e) => e.operation)).toEqual(['HeadObject']);
    before = backendLog.length;
    await s.headObject('bkt', 'k');
    await new Promise((r) => setTimeout(r, 50));
    expect(backendLog.slice(before).map((e) => e.operation)).toEqual(['HeadObject', 'GetObject']);

    // Only a status changes by id; anything else stays NotImplemented.
    await expectStoreError(s.updateVersionMetadata('bkt', 'k', pending.versionId!, { tagging: 'a=1' }), 'NotImplemented');
    await expectStoreError(s.updateVersionMetadata('bkt', 'k', pending.versionId!, { tagging: 'a=1', replicationStatus: 'FAILED' }), 'NotImplemented');
    await expectStoreError(s.updateVersionMetadata('bkt', 'k', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', { replicationStatus: 'COMPLETED' }), 'NoSuchVersion');
    // A replica cannot keep its source's version id over a backend that makes its own.
    await expectStoreError(s.putObject('bkt', 'k', bodyOf('x'), { userMetadata: {}, replicationStatus: 'REPLICA' }, { versionId: pending.versionId! }), 'NotImplemented');
    await expectStoreError(s.deleteObject('bkt', 'k', { markerVersionId: pending.versionId! }), 'NotImplemented');

    // Without a version id a change rewrites the current object as a new version, which nothing replicates: no status.
    const retagged = await s.updateVersionMetadata('bkt', 'k', undefined, { tagging: 'a=1' });
    expect(retagged.versionId).not.toBe(pending.versionId);
    const now = (await s.headObject('bkt', 'k'))!.metadata;
    expect([now.tagging, now.replicationStatus]).toEqual(['a=1', undefined]);
    expect((await s.headObject('bkt', 'k', { versionId: pending.versionId! }))!.metadata.replicationStatus).toBe('COMPLETED');

    // Deleting the version by its id takes its sidecar with it.
    await s.deleteObject('bkt', 'k', { versionId: pending.versionId! });
    expect(await sidecars()).toEqual([]);

    // The replication of existing objects gives a version written without a status one (PENDING, then
    // COMPLETED), in a sidecar too: the bucket is marked first, and reads of such versions then look for it.
    const marks = async (): Promise<string[]> => (await backend.store.listObjects(`${s.prefix}bucketfront-system`, { prefix: 'system/repl-sidecars.', maxKeys: 100 })).objects.map((o) => o.key);
    expect(await marks()).toEqual([]);
    await s.updateVersionMetadata('bkt', 'other', plain.versionId!, { replicationStatus: 'PENDING' });
    expect(await marks()).toEqual(['system/repl-sidecars.bkt']);
    expect((await s.headObject('bkt', 'other', { versionId: plain.versionId! }))!.metadata.replicationStatus).toBe('PENDING');
    await s.updateVersionMetadata('bkt', 'other', plain.versionId!, { replicationStatus: 'COMPLETED' });
    for (const read of [(await s.headObject('bkt', 'other'))!, (await s.getObject('bkt', 'other', undefined, { versionId: plain.versionId! }))!.info]) {
      expect([read.versionId, read.etag, read.metadata.replicationStatus]).toEqual([plain.versionId, plain.etag, 'COMPLETED']);
    }
    expect(await sidecars()).toEqual([`replication-status/bkt/${createHash('sha256').update('other').digest('hex')}/${plain.versionId}`]);
    // DeleteBucket takes the sidecars and the mark along.
    for (const v of (await s.listObjectVersions('bkt', { maxKeys: 10 })).versions) await s.deleteObject('bkt', v.key, { versionId: v.versionId });
    await s.deleteBucket('bkt');
    expect([await sidecars(), await marks()]).toEqual([[], []]);
  });

  it('through an origin, a GET and a PUT are one backend request each', async () => {
    const s = await makeStore();
    const credentials = { accessKeyId: 'FRONTKEY', secretAccessKey: 'front-secret-front-secret-front' };
    // As startOrigin does: the bucket-facts cache in front (long-lived here: this test counts requests, not freshness).
    const server: Server = http.createServer(createOriginHandler({ store: withBucketCache(s, { revalidateMs: 60_000 }), credentials, accessLog: false }));
    const url = await listenOnLoopback(server);
    const agent = new http.Agent({ keepAlive: true });
    const send = (method: string, path: string, body?: Buffer): Promise<{ status: number; body: Buffer }> => {
      const headers: Record<string, string> = body ? { 'content-length': String(body.length) } : {};
      Object.assign(headers, signRequest({ method, url: `${url}${path}`, headers, credentials, region: 'us-east-1', service: 's3', payloadHash: UNSIGNED_PAYLOAD }));
      return new Promise((resolve, reject) => {
        const req = http.request(`${url}${path}`, { method, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    try {
      expect((await send('PUT', '/site')).status).toBe(200);
      const big = bytes(1024 * 1024, 3);
      expect((await send('PUT', '/site/warm', bodyOf('x').read() as Buffer)).status).toBe(200); // bucket facts cached
      for (const [name, body] of [
        ['small', Buffer.from('hello')],
        ['big', big],
      ] as const) {
        await new Promise((r) => setTimeout(r, 50));
        const before = backendLog.length;
        expect((await send('PUT', `/site/${name}`, body)).status).toBe(200);
        expect((await send('GET', `/site/${name}`)).body.equals(body)).toBe(true);
        await new Promise((r) => setTimeout(r, 50)); // access-log lines are written when responses close
        expect(backendLog.slice(before).map((e) => e.operation)).toEqual(['PutObject', 'GetObject']);
      }
    } finally {
      agent.destroy();
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });
});

/**
 * A gateway in front of the backend that re-signs every request with UNSIGNED-PAYLOAD (with the
 * backend's keys): a backend, as far as the s3 driver can tell, that checks no payload hash.
 */
async function resigningGateway(refuseProbe = false): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (refuseProbe && req.url?.includes('probe/payload-sha256') && req.method === 'PUT') {
      // Refuses the probe's writes for a reason of its own (as a bucket policy or a full disk would).
      res.writeHead(400, { 'content-type': 'application/xml', connection: 'close' }).end('<Error><Code>InvalidRequest</Code><Message>not here</Message></Error>');
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['authorization', 'x-amz-content-sha256', 'x-amz-date', 'host', 'connection'].includes(name)) headers[name] = value;
    }
    const url = `${backend.endpoint}${req.url}`;
    Object.assign(headers, signRequest({ method: req.method!, url, headers, credentials: backend.credentials, region: 'us-east-1', service: 's3', payloadHash: UNSIGNED_PAYLOAD }));
    const upstream = http.request(url, { method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const endpoint = await listenOnLoopback(server);
  return {
    endpoint,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('s3 driver behind an origin: a signed payload hash', () => {
  it('over a backend that does not check it (a re-signing gateway), the start-up probe finds out and the origin checks it', async () => {
    const gateway = await resigningGateway();
    try {
      const s = await makeStore({ endpoint: gateway.endpoint });
      await s.checkPayloadHashing();
      expect(s.verifiesPayloadSha256).toBe(false);
      expect(s.payloadHashing).toBe('signed body hashes checked by the origin (the backend stored a body that did not match)');
      const credentials = { accessKeyId: 'FRONTKEY', secretAccessKey: 'front-secret-front-secret-front' };
      const server: Server = http.createServer(createOriginHandler({ store: withBucketCache(s), credentials, accessLog: false }));
      const url = await listenOnLoopback(server);
      try {
        const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
        const put = (path: string, body: Buffer, payloadHash: string) => {
          const headers: Record<string, string> = { 'content-length': String(body.length) };
          Object.assign(headers, signRequest({ method: 'PUT', url: `${url}${path}`, headers, credentials, region: 'us-east-1', service: 's3', payloadHash }));
          return new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = http.request(`${url}${path}`, { method: 'PUT', headers }, (res) => {
              let text = '';
              res.setEncoding('utf8').on('data', (d: string) => (text += d));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
            });
            req.on('error', reject);
            req.end(body);
          });
        };
        const created = await put('/gateway', Buffer.alloc(0), sha(Buffer.alloc(0)));
        expect(created.status, created.body).toBe(200);
        const refused = await put('/gateway/k', bytes(100_000, 1), sha(bytes(100_000, 2)));
        expect(refused.status).toBe(400);
        expect(refused.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
        expect(await backend.store.headObject(`${s.prefix}gateway`, 'k')).toBeNull();
        expect(await backend.store.headObject(`${s.prefix}bucketfront-system`, 'probe/payload-sha256')).toBeNull(); // the probe cleaned up
      } finally {
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      }
    } finally {
      await gateway.close();
    }
  });

  it('a probe refused for another reason (its control write fails) is not taken for a backend that checks hashes', async () => {
    const gateway = await resigningGateway(true);
    try {
      const s = await makeStore({ endpoint: gateway.endpoint });
      await s.checkPayloadHashing();
      expect(s.verifiesPayloadSha256).toBe(false);
      expect(s.payloadHashing).toMatch(/^signed body hashes checked by the origin \(the probe failed: .*not here/);
    } finally {
      await gateway.close();
    }
  });

  it('is checked by the backend: a PutObject whose body does not match is XAmzContentSHA256Mismatch and stores nothing; an SSE-S3 one is checked by the origin', async () => {
    const s = await makeStore();
    await s.checkPayloadHashing();
    expect(s.verifiesPayloadSha256).toBe(true);
    const credentials = { accessKeyId: 'FRONTKEY', secretAccessKey: 'front-secret-front-secret-front' };
    const server: Server = http.createServer(createOriginHandler({ store: withBucketCache(s), credentials, accessLog: false }));
    const url = await listenOnLoopback(server);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const send = (method: string, path: string, body: Buffer, payloadHash: string, extra: Record<string, string> = {}): Promise<{ status: number; body: string }> => {
      const headers: Record<string, string> = { 'content-length': String(body.length), ...extra };
      Object.assign(headers, signRequest({ method, url: `${url}${path}`, headers, credentials, region: 'us-east-1', service: 's3', payloadHash }));
      return new Promise((resolve, reject) => {
        const req = http.request(`${url}${path}`, { method, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        });
        req.on('error', reject);
        req.end(body);
      });
    };
    try {
      expect((await send('PUT', '/sha', Buffer.alloc(0), sha(Buffer.alloc(0)))).status).toBe(200);
      const good = bytes(300_000, 4);
      const bad = bytes(300_000, 5);
      for (const extra of [{}, { 'x-amz-server-side-encryption': 'AES256' }] as Record<string, string>[]) {
        const refused = await send('PUT', '/sha/k', bad, sha(good), extra);
        expect(refused.status, JSON.stringify(extra)).toBe(400);
        expect(refused.body).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
        expect(refused.body).toContain(`<ClientComputedContentSHA256>${sha(good)}</ClientComputedContentSHA256>`);
        // Only the origin's own check knows the hash it computed: without it, the backend checked.
        if (Object.keys(extra).length === 0) expect(refused.body).not.toContain('S3ComputedContentSHA256');
        else expect(refused.body).toContain(`<S3ComputedContentSHA256>${sha(bad)}</S3ComputedContentSHA256>`);
        expect(await backend.store.headObject(`${s.prefix}sha`, 'k')).toBeNull();
      }
      expect((await send('PUT', '/sha/k', good, sha(good))).status).toBe(200);
      expect((await getBytes(s, 'sha', 'k'))!.equals(good)).toBe(true);
    } finally {
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });
});

describe('s3 driver: the object cache (bodies kept by a node, revalidated by a HEAD on every read)', () => {
  /** The backend operations a step caused (access-log lines are written when responses close). */
  async function backendOps(step: () => Promise<unknown>): Promise<string[]> {
    await new Promise((r) => setTimeout(r, 30));
    const before = backendLog.length;
    await step();
    await new Promise((r) => setTimeout(r, 30));
    // A store's first look at a bucket also reads its versioning state (remembered): not counted.
    return backendLog
      .slice(before)
      .map((e) => e.operation)
      .filter((op) => op !== 'GetBucketVersioning');
  }

  /** Waits into the next whole second: what was written before is then "last modified in an earlier second". */
  const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));

  it('a second read is a HEAD to the backend and the body from memory, in one piece; ranges are cut from memory; objects over the limit, or with the cache off, are read each time', async () => {
    const s = await makeStore({ objectCache: { maxObjectBytes: 1024 * 1024 } });
    await s.createBucket('bkt', { region: 'us-east-1' });
    const body = bytes(1024 * 1024, 7);
    await s.putObject('bkt', 'k', bodyOf(body), { userMetadata: { a: '1' }, contentType: 'image/png' });
    await nextSecond();
    expect(await backendOps(async () => expect((await getBytes(s, 'bkt', 'k'))!.equals(body)).toBe(true))).toEqual(['GetObject']);
    const chunks: Buffer[] = [];
    let got: Awaited<ReturnType<typeof s.getObject>> = null;
    expect(
      await backendOps(async () => {
        got = await s.getObject('bkt', 'k');
        for await (const c of got!.body) chunks.push(c as Buffer);
      }),
    ).toEqual(['HeadObject']);
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
    // One write downstream, of a copy: a slow reader pins its own answer, not the kept body.
    expect(chunks.length).toBe(1);
    expect(chunks[0]!.buffer.byteLength).toBe(body.length);
    const again = await s.getObject('bkt', 'k');
    const piece = (await again!.body[Symbol.asyncIterator]().next()).value as Buffer;
    again!.body.destroy();
    expect(piece.buffer === chunks[0]!.buffer).toBe(false);
    expect([got!.info.metadata.userMetadata, got!.info.metadata.contentType, got!.info.size]).toEqual([{ a: '1' }, 'image/png', body.length]);
    // A range of a kept object is cut from memory, a small one copied out whole.
    let range: Awaited<ReturnType<typeof s.getObject>> = null;
    expect(await backendOps(async () => (range = await s.getObject('bkt', 'k', { start: 1000, end: 1999 })))).toEqual(['HeadObject']);
    expect(range!.info.size).toBe(body.length);
    expect(range!.buffer!.equals(body.subarray(1000, 2000))).toBe(true);
    expect(range!.buffer!.buffer.byteLength).toBeLessThan(64 * 1024);

    const big = bytes(1024 * 1024 + 1, 8);
    await s.putObject('bkt', 'big', bodyOf(big), META);
    await nextSecond();
    for (let i = 0; i < 2; i++) expect(await backendOps(async () => expect((await getBytes(s, 'bkt', 'big'))!.equals(big)).toBe(true))).toEqual(['GetObject']);

    const off = await makeStore({ bucketPrefix: s.prefix, objectCache: { maxBytes: 0 } });
    for (let i = 0; i < 2; i++) expect(await backendOps(async () => expect((await getBytes(off, 'bkt', 'k'))!.equals(body)).toBe(true))).toEqual(['GetObject']);
  });

  it('an object read in the second it was last modified is not kept (a same-second overwrite could carry the same validators)', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    await nextSecond(); // a whole second ahead for the write and both reads
    await s.putObject('bkt', 'fresh', bodyOf('fresh bytes'), META);
    for (let i = 0; i < 2; i++) expect(await backendOps(() => getBytes(s, 'bkt', 'fresh'))).toEqual(['GetObject']);
    await nextSecond();
    expect(await backendOps(() => getBytes(s, 'bkt', 'fresh'))).toEqual(['GetObject']);
    expect(await backendOps(() => getBytes(s, 'bkt', 'fresh'))).toEqual(['HeadObject']);
  });

  it('a change made through another node, or straight on the backend, is read at once: same-size overwrite, metadata-only copy, delete', async () => {
    const a = await makeStore();
    const b = await makeStore({ bucketPrefix: a.prefix });
    await a.createBucket('bkt', { region: 'us-east-1' });
    const keep = async (expected: Buffer): Promise<void> => {
      await nextSecond();
      expect((await getBytes(a, 'bkt', 'k'))!.equals(expected)).toBe(true);
      expect(await backendOps(async () => expect((await getBytes(a, 'bkt', 'k'))!.equals(expected)).toBe(true))).toEqual(['HeadObject']); // kept by a
    };
    await a.putObject('bkt', 'k', bodyOf(bytes(4096, 1)), META);
    await keep(bytes(4096, 1));
    // Same size, through node b.
    await b.putObject('bkt', 'k', bodyOf(bytes(4096, 2)), META);
    expect(await backendOps(async () => expect((await getBytes(a, 'bkt', 'k'))!.equals(bytes(4096, 2))).toBe(true))).toEqual(['HeadObject', 'GetObject']);
    await keep(bytes(4096, 2));
    // Straight on the backend (another client of the cluster), bypassing every node.
    await backendPut(`${a.prefix}bkt`, 'k', bytes(4096, 3));
    expect((await getBytes(a, 'bkt', 'k'))!.equals(bytes(4096, 3))).toBe(true);
    await keep(bytes(4096, 3));
    // The metadata alone, through b: same bytes, the new metadata.
    await b.copyObject({ bucket: 'bkt', key: 'k' }, { bucket: 'bkt', key: 'k' }, { userMetadata: { changed: 'yes' }, contentType: 'text/plain' });
    const got = await a.getObject('bkt', 'k');
    expect([got!.info.metadata.userMetadata, got!.info.metadata.contentType]).toEqual([{ changed: 'yes' }, 'text/plain']);
    expect((await readAll(got!.body)).equals(bytes(4096, 3))).toBe(true);
    // Deleted through b: gone for a too, and the entry with it (the next read is one GET, no HEAD).
    await b.deleteObject('bkt', 'k');
    expect(await a.getObject('bkt', 'k')).toBeNull();
    expect(await backendOps(() => a.getObject('bkt', 'k'))).toEqual(['GetObject']);
  });

  it('versions are kept apart: each id reads its own bytes from memory, the current one follows new writes', async () => {
    const s = await makeStore();
    await s.createBucket('bkt', { region: 'us-east-1' });
    await s.putBucketVersioning('bkt', 'Enabled');
    const v1 = await s.putObject('bkt', 'k', bodyOf('first'), META);
    const v2 = await s.putObject('bkt', 'k', bodyOf('second'), META);
    await nextSecond();
    const readVersion = async (id: string): Promise<string> => (await readAll((await s.getObject('bkt', 'k', undefined, { versionId: id }))!.body)).toString();
    for (let i = 0; i < 2; i++) {
      const ops = await backendOps(async () => {
        expect(await readVersion(v1.versionId!)).toBe('first');
        expect(await readVersion(v2.versionId!)).toBe('second');
        expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('second');
      });
      // The first pass reads each version whole; the second only asks the backend whether each is still the same.
      if (i === 0) expect(ops.filter((op) => op === 'GetObject').length).toBeGreaterThanOrEqual(3);
      else expect(ops).toEqual(['HeadObject', 'HeadObject', 'HeadObject']);
    }
    const b = await makeStore({ bucketPrefix: s.prefix });
    await b.putObject('bkt', 'k', bodyOf('third'), META);
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('third');
    expect(await readVersion(v1.versionId!)).toBe('first');
  });

  it('bodies held by requests are bounded by the cache size: past it, reads stream from the backend; a finished or abandoned answer gives its share back', async () => {
    const s = await makeStore({ objectCache: { maxBytes: 3 * 1024 * 1024, maxObjectBytes: 1024 * 1024 } });
    await s.createBucket('bkt', { region: 'us-east-1' });
    for (let i = 0; i < 4; i++) await s.putObject('bkt', `k${i}`, bodyOf(bytes(1024 * 1024, 20 + i)), META);
    await nextSecond();
    const isBackendStream = (r: Awaited<ReturnType<typeof s.getObject>>): boolean => r!.body instanceof http.IncomingMessage;
    // Four answers never read (slow clients): three fit the 3 MiB budget, the fourth streams.
    const held: Awaited<ReturnType<typeof s.getObject>>[] = [];
    for (let i = 0; i < 4; i++) held.push(await s.getObject('bkt', `k${i}`));
    expect(held.map(isBackendStream)).toEqual([false, false, false, true]);
    // Still held: a read of a kept object cannot be answered from memory either.
    const again = await s.getObject('bkt', 'k0');
    expect(isBackendStream(again)).toBe(true);
    expect((await readAll(again!.body)).equals(bytes(1024 * 1024, 20))).toBe(true);
    // Abandoned (destroyed) and sent (read to the end) answers give their bytes back.
    held[0]!.body.destroy();
    expect((await readAll(held[1]!.body)).equals(bytes(1024 * 1024, 21))).toBe(true);
    held[2]!.body.destroy();
    held[3]!.body.destroy();
    await new Promise((r) => setImmediate(r));
    const from = await Promise.all([0, 1].map((i) => s.getObject('bkt', `k${i}`)));
    expect(from.map(isBackendStream)).toEqual([false, false]);
    for (const [i, r] of from.entries()) expect((await readAll(r!.body)).equals(bytes(1024 * 1024, 20 + i))).toBe(true);
  });
});

/** A PUT straight to the backend with its own keys (as any other client of the cluster). */
async function backendPut(bucket: string, key: string, body: Buffer): Promise<void> {
  const url = `${backend.endpoint}/${bucket}/${key}`;
  const headers: Record<string, string> = { 'content-length': String(body.length) };
  Object.assign(headers, signRequest({ method: 'PUT', url, headers, credentials: backend.credentials, region: 'us-east-1', service: 's3', payloadHash: UNSIGNED_PAYLOAD }));
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
  expect(status).toBe(200);
}
