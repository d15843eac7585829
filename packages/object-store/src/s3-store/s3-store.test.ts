/**
 * The s3 driver's own behavior without a real S3 backend: a backend that is
 * down or silent (raw sockets), and the pure pieces (metadata encoding,
 * listing pages, XML, the length guard). The contract suite and the tests
 * that need an S3 backend run in apps/origin/test (over a bucketfront origin).
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Store, isStoreError, type ObjectStore, type S3StoreOptions } from '@bucketfront/object-store';
import { bodyOf, expectStoreError, readAll } from '../contract.js';
import { LengthGuard, withLength, SMALL_BODY_BYTES } from './body.js';
import { toStoreError, BackendError } from './errors.js';
import { finishListing, finishVersionListing, planListing, planVersionListing } from './listing.js';
import { decodeMetadata, decodePartSizes, decodeValue, encodeMetadata, encodePartSizes, encodeValue } from './metadata.js';
import { parseCompleteMultipartUpload, parseListObjectsV2, parseListVersions } from './xml.js';

const META = { userMetadata: {} };
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A raw TCP server; `onConnection` decides what (not) to answer. Every socket is destroyed after the test. */
async function rawServer(onConnection: (s: Socket) => void): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    onConnection(s);
  });
  const port = await listen(server);
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port, sockets };
}

/** Accepts connections, then reads nothing and writes nothing. */
function silentServer(): Promise<{ port: number; sockets: Socket[] }> {
  return rawServer((s) => s.pause());
}

async function store(port: number, extra: Partial<S3StoreOptions> = {}): Promise<ObjectStore> {
  const s = await createS3Store({ endpoint: `http://127.0.0.1:${port}`, credentials, ...extra });
  cleanups.push(() => s.close());
  return s;
}

async function timed<T>(p: Promise<T>): Promise<{ ms: number; err: unknown }> {
  const t = performance.now();
  try {
    await p;
    return { ms: performance.now() - t, err: undefined };
  } catch (err) {
    return { ms: performance.now() - t, err };
  }
}

describe('a backend that is down or silent', () => {
  it('a closed port is ServiceUnavailable at once (after a few quick retries), for reads and streamed writes', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((r) => probe.close(() => r()));
    const s = await store(port);
    const head = await timed(s.headBucket('b'));
    expect(isStoreError(head.err, 'ServiceUnavailable'), String(head.err)).toBe(true);
    expect(head.ms).toBeLessThan(3_000);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(65_536, i);
      })(),
    );
    const put = await timed(s.putObject('b', 'k', body, META, { expectedSize: 64 * 65_536 }));
    expect(isStoreError(put.err, 'ServiceUnavailable'), String(put.err)).toBe(true);
    expect(put.ms).toBeLessThan(1_000); // streamed writes are not retried
  });

  it('a backend that accepts but never answers is ServiceUnavailable within the response timeout', async () => {
    const { port, sockets } = await silentServer();
    const s = await store(port, { timeouts: { responseMs: 300 }, retries: 0 });
    const head = await timed(s.headObject('b', 'k'));
    expect(isStoreError(head.err, 'ServiceUnavailable'), String(head.err)).toBe(true);
    expect(head.ms).toBeGreaterThanOrEqual(250);
    expect(head.ms).toBeLessThan(1_500);
    expect(sockets.length).toBeGreaterThan(0);
    // With retries, each attempt is bounded too.
    const retrying = await store(port, { timeouts: { responseMs: 200 }, retries: 2 });
    const again = await timed(retrying.getObject('b', 'k'));
    expect(isStoreError(again.err, 'ServiceUnavailable')).toBe(true);
    expect(again.ms).toBeLessThan(3_000);
  });

  it('a backend that stops reading a streamed body is ServiceUnavailable after the idle timeout', async () => {
    const { port } = await silentServer();
    const s = await store(port, { timeouts: { idleMs: 300, responseMs: 60_000 } });
    const size = 256 * 1024 * 1024; // far beyond what the socket buffers hold
    let produced = 0;
    const body = Readable.from(
      (function* () {
        while (produced < size) {
          produced += 65_536;
          yield Buffer.alloc(65_536);
        }
      })(),
    );
    const put = await timed(s.putObject('b', 'k', body, META, { expectedSize: size }));
    expect(isStoreError(put.err, 'ServiceUnavailable'), String(put.err)).toBe(true);
    expect(put.ms).toBeLessThan(5_000);
    expect(produced).toBeLessThan(64 * 1024 * 1024); // backpressure held: nothing piled up in memory
  });

  it('a backend that stalls in the middle of a response body fails the body stream with ServiceUnavailable', async () => {
    const { port } = await rawServer((sock) => {
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: "x"\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n');
        sock.write(Buffer.alloc(10));
      });
    });
    const s = await store(port, { timeouts: { idleMs: 300 }, wholeBodyBytes: 0, objectCache: { maxBytes: 0 } });
    const got = await s.getObject('b', 'k');
    expect(got!.info.size).toBe(1000);
    const read = await timed(readAll(got!.body));
    expect(isStoreError(read.err, 'ServiceUnavailable'), String(read.err)).toBe(true);
    expect(read.ms).toBeLessThan(2_000);
    // A small body is read whole inside getObject, which then fails the same way.
    const whole = await store(port, { timeouts: { idleMs: 300 } });
    const small = await timed(whole.getObject('b', 'k'));
    expect(isStoreError(small.err, 'ServiceUnavailable'), String(small.err)).toBe(true);
    expect(small.ms).toBeLessThan(2_000);
  });

  it('a reader that stops reading is not mistaken for a stalled backend', async () => {
    const payload = Buffer.alloc(8 * 1024 * 1024, 7);
    const server = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Length': payload.length, ETag: '"x"', 'Last-Modified': new Date().toUTCString() });
      res.end(payload);
    });
    const port = await listen(server);
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        }),
    );
    const s = await store(port, { timeouts: { idleMs: 200 } });
    const got = await s.getObject('b', 'k');
    await new Promise((r) => setTimeout(r, 700)); // three idle periods without reading
    expect((await readAll(got!.body)).equals(payload)).toBe(true);
  });
});

describe('metadata encoding', () => {
  it('round-trips standard fields, user metadata and the reserved fields; hides the reserved names', () => {
    const md = {
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'max-age=60',
      contentDisposition: 'attachment; filename="résumé.pdf"',
      expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
      websiteRedirectLocation: '/x',
      userMetadata: { plain: 'v', odd: 'é 日本 😀', spaced: '  padded  ', looks: '=?UTF-8?B?aGk=?=', empty: '' },
      acl: 'public-read' as const,
      checksum: { algorithm: 'CRC32' as const, value: 'NSRBwg==-3', type: 'COMPOSITE' as const },
      partSizes: [5, 5, 5, 2],
      partChecksums: ['AAAAAA==', 'AAAAAQ==', 'AAAAAg==', 'AAAAAw=='],
    };
    const { headers, stored } = encodeMetadata(md);
    for (const v of Object.values(headers)) expect(v).toMatch(/^[\x20-\x7e]*$/);
    expect(headers['x-amz-meta-bucketfront-parts']).toBe('5x3,2');
    expect(headers['x-amz-meta-bucketfront-part-checksums']).toBe('AAAAAA==,AAAAAQ==,AAAAAg==,AAAAAw==');
    expect(stored).toEqual(md);
    expect(decodeMetadata(headers)).toEqual(md);
    const back = decodeMetadata({ ...headers, 'x-amz-meta-bucketfront-future': 'x' });
    expect(Object.keys(back.userMetadata).some((k) => k.startsWith('bucketfront-'))).toBe(false);
  });

  it('refuses reserved and malformed user metadata names', () => {
    expect(() => encodeMetadata({ userMetadata: { 'bucketfront-acl': 'public-read' } })).toThrow(/reserved/);
    expect(() => encodeMetadata({ userMetadata: { 'bad name': 'x' } })).toThrow(/header name/);
  });

  it('the default Content-Type reads back as unset', () => {
    expect(decodeMetadata({ 'content-type': 'binary/octet-stream' }).contentType).toBeUndefined();
  });

  it('drops the checksum and part sizes (never the ACL) when they would exceed the 2 KB budget', () => {
    const big = { k: 'x'.repeat(2040) };
    const { headers, stored } = encodeMetadata({
      userMetadata: big,
      acl: 'public-read',
      checksum: { algorithm: 'SHA256', value: 'a'.repeat(44) },
      partSizes: Array.from({ length: 500 }, (_, i) => 5_242_880 + i),
    });
    expect(stored.acl).toBe('public-read');
    expect(stored.checksum).toBeUndefined();
    expect(stored.partSizes).toBeUndefined();
    expect(headers['x-amz-meta-bucketfront-checksum']).toBeUndefined();
  });

  it('drops the part checksums alone when only they would exceed the budget', () => {
    const { headers, stored } = encodeMetadata({
      userMetadata: {},
      checksum: { algorithm: 'SHA256', value: `${'a'.repeat(44)}-100`, type: 'COMPOSITE' },
      partSizes: Array.from({ length: 100 }, () => 5_242_880),
      partChecksums: Array.from({ length: 100 }, () => 'b'.repeat(44)),
    });
    expect([stored.checksum?.value, stored.partSizes?.length, stored.partChecksums]).toEqual([`${'a'.repeat(44)}-100`, 100, undefined]);
    expect(headers['x-amz-meta-bucketfront-part-checksums']).toBeUndefined();
  });

  it('RFC 2047 words decode (B and Q), other values pass through', () => {
    expect(decodeValue(encodeValue('ünï'))).toBe('ünï');
    expect(decodeValue('=?UTF-8?Q?caf=C3=A9_au_lait?=')).toBe('café au lait');
    expect(decodeValue('=?nonsense')).toBe('=?nonsense');
    expect(encodeValue('plain value')).toBe('plain value');
  });

  it('part sizes: runs, and garbage is ignored', () => {
    expect(encodePartSizes([3, 3, 3])).toBe('3x3');
    expect(decodePartSizes('5242880x9999,17')).toHaveLength(10_000);
    expect(decodePartSizes('1x10001')).toBeUndefined();
    expect(decodePartSizes('a,b')).toBeUndefined();
  });
});

describe('listing pages', () => {
  const page = (objects: string[], prefixes: string[], isTruncated: boolean) => ({
    objects: objects.map((key) => ({ key, size: 1, etag: '"e"', lastModified: new Date(0) })),
    commonPrefixes: prefixes,
    isTruncated,
  });

  it('resuming after a common prefix never returns that prefix again, whether the backend skips it or not', () => {
    const plan = planListing({ delimiter: '/', startAfter: 'dir/', maxKeys: 2 });
    expect(plan.query).toContainEqual(['max-keys', '3']);
    // A backend that lists `dir/a` after start-after=dir/ (AWS semantics) groups it into dir/ again:
    const repeated = finishListing(plan, page(['e', 'f'], ['dir/'], true));
    expect(repeated).toMatchObject({ commonPrefixes: [], isTruncated: true, lastReturned: 'f' });
    expect(repeated.objects.map((o) => o.key)).toEqual(['e', 'f']);
    // A backend that skips the group itself (radosgw, bucketfront):
    const skipped = finishListing(plan, page(['e', 'f', 'g'], [], false));
    expect(skipped.objects.map((o) => o.key)).toEqual(['e', 'f']);
    expect(skipped).toMatchObject({ isTruncated: true, lastReturned: 'f' });
  });

  it('a start-after that is a key, not a group, is passed through', () => {
    const plan = planListing({ delimiter: '/', startAfter: 'dir/a', maxKeys: 2 });
    expect(plan.skipGroup).toBeUndefined();
    expect(plan.query).toContainEqual(['max-keys', '2']);
  });

  it('merges keys and prefixes in UTF-8 order', () => {
    const plan = planListing({ delimiter: '/', maxKeys: 10 });
    const out = finishListing(plan, page(['\u{1F600}', 'ﬀ'], ['a/'], false));
    expect(out.lastReturned).toBe('\u{1F600}');
  });
});

describe('version listings', () => {
  const version = (key: string, id: string, latest = false) =>
    `<Version><Key>${key}</Key><VersionId>${id}</VersionId><IsLatest>${latest}</IsLatest><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>1</Size></Version>`;
  const marker = (key: string, id: string, latest = false) =>
    `<DeleteMarker><Key>${key}</Key><VersionId>${id}</VersionId><IsLatest>${latest}</IsLatest><LastModified>2024-01-01T00:00:00.000Z</LastModified></DeleteMarker>`;
  const doc = (body: string, truncated = false) => Buffer.from(`<ListVersionsResult><EncodingType>url</EncodingType><IsTruncated>${truncated}</IsTruncated>${body}</ListVersionsResult>`);

  it('keeps versions and delete markers in document order (each key newest first)', () => {
    const page = parseListVersions(doc(version('a', '3', true) + marker('b%20c', '2', true) + version('b%20c', '1') + marker('b%20c', '0') + version('d', 'x', true)));
    expect(page.entries.map((e) => `${e.key}@${e.versionId}${e.deleteMarker ? ':dm' : ''}`)).toEqual(['a@3', 'b c@2:dm', 'b c@1', 'b c@0:dm', 'd@x']);
    expect(page.entries[0]).toMatchObject({ isLatest: true, size: 1, etag: '"e"' });
    expect(page.entries[1]).not.toHaveProperty('size');
  });

  it('refuses a document whose entries cannot be ordered from its text', () => {
    expect(() =>
      parseListVersions(doc(`<Version><Key><![CDATA[<Version>]]></Key><VersionId>1</VersionId><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>e</ETag><Size>1</Size></Version>`)),
    ).toThrow(/malformed/);
  });

  it('a page cut here resumes after its last entry; a key-marker that is a group is never listed again', () => {
    const plan = planVersionListing({ delimiter: '/', keyMarker: 'dir/', versionIdMarker: 'null', maxKeys: 2 });
    expect(plan.query).toContainEqual(['max-keys', '3']);
    expect(plan.query.some(([n]) => n === 'version-id-marker')).toBe(false);
    const out = finishVersionListing(plan, {
      ...parseListVersions(doc(version('e', '2', true) + version('e', '1'))),
      commonPrefixes: ['dir/'],
      isTruncated: true,
      nextKeyMarker: 'e',
      nextVersionIdMarker: '1',
    });
    expect(out.entries.map((e) => e.versionId)).toEqual(['2', '1']);
    expect(out).toMatchObject({ commonPrefixes: [], isTruncated: true, nextKeyMarker: 'e', nextVersionIdMarker: '1' });
    const cut = finishVersionListing(planVersionListing({ maxKeys: 1 }), parseListVersions(doc(version('e', '2', true) + version('e', '1'))));
    expect(cut).toMatchObject({ isTruncated: true, nextKeyMarker: 'e', nextVersionIdMarker: '2' });
    const onGroup = finishVersionListing(planVersionListing({ delimiter: '/', maxKeys: 1 }), { ...parseListVersions(doc(version('z', '1', true))), commonPrefixes: ['a/'] });
    expect(onGroup.commonPrefixes).toEqual(['a/']);
    expect(onGroup.nextKeyMarker).toBe('a/');
    expect(onGroup.nextVersionIdMarker).toBeUndefined();
  });
});

describe('XML and errors', () => {
  it('an <Error> in a 200 CompleteMultipartUpload answer is an error', () => {
    const xml = Buffer.from('<?xml version="1.0"?>\n\n<Error><Code>InternalError</Code><Message>boom</Message></Error>');
    let caught: unknown;
    try {
      parseCompleteMultipartUpload(xml);
    } catch (err) {
      caught = err;
    }
    expect(isStoreError(toStoreError(caught), 'ServiceUnavailable')).toBe(true);
  });

  it('decodes url-encoded listings', () => {
    const xml =
      '<ListBucketResult><Name>b</Name><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>' +
      '<Contents><Key>a%0Db+c%2Bd</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;e&quot;</ETag><Size>3</Size></Contents>' +
      '<CommonPrefixes><Prefix>x%2F%F0%9F%98%80/</Prefix></CommonPrefixes></ListBucketResult>';
    const page = parseListObjectsV2(Buffer.from(xml));
    expect(page.objects[0]).toMatchObject({ key: 'a\rb c+d', etag: '"e"', size: 3 });
    expect(page.commonPrefixes).toEqual(['x/\u{1F600}/']);
  });

  it('maps backend codes to store codes', () => {
    const code = (c: string, status = 400): unknown => (toStoreError(new BackendError(status, c, '')) as { code: string }).code;
    expect(code('SlowDown', 503)).toBe('SlowDown');
    expect(code('InternalError', 500)).toBe('ServiceUnavailable');
    expect(code('InvalidDigest')).toBe('BadDigest');
    expect(code('QuotaExceeded', 403)).toBe('InsufficientStorage');
    expect(code('SignatureDoesNotMatch', 403)).toBe('InternalError');
    expect(code('Whatever', 502)).toBe('ServiceUnavailable');
  });
});

describe('bodies', () => {
  it('LengthGuard: exact passes, short and long are IncompleteBody, the last chunk waits for the end', async () => {
    const out: Buffer[] = [];
    const sink = async (src: Readable, n: number): Promise<void> => {
      // biome-ignore lint/correctness/useYield: a consuming sink; pipeline accepts an async generator that yields nothing
      await pipeline(src, new LengthGuard(n), async function* (s) {
        for await (const c of s) out.push(c as Buffer);
      });
    };
    await sink(bodyOf('abcd'), 4);
    expect(Buffer.concat(out).toString()).toBe('abcd');
    await expectStoreError(sink(bodyOf('abc'), 4), 'IncompleteBody');
    await expectStoreError(sink(Readable.from([Buffer.from('abcd'), Buffer.from('e')]), 4), 'IncompleteBody');

    // The chunk completing the length is not passed on before the source ends.
    const guard = new LengthGuard(4);
    const seen: string[] = [];
    guard.on('data', (c: Buffer) => seen.push(c.toString()));
    guard.write(Buffer.from('ab'));
    guard.write(Buffer.from('cd'));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['ab']);
    guard.end();
    await new Promise((r) => guard.once('end', r));
    expect(seen).toEqual(['ab', 'cd']);
  });

  it('a body of unknown length: small ones in memory, larger ones spooled to disk', async () => {
    const small = await withLength(bodyOf('hello'), undefined);
    expect(small).toMatchObject({ length: 5 });
    expect(small.buffer!.toString()).toBe('hello');
    const data = Buffer.alloc(SMALL_BODY_BYTES * 3 + 5, 9);
    const chunks = [];
    for (let i = 0; i < data.length; i += 65_536) chunks.push(data.subarray(i, i + 65_536));
    const big = await withLength(Readable.from(chunks), undefined);
    expect(big.buffer).toBeUndefined();
    expect(big.length).toBe(data.length);
    expect((await readAll(big.stream!)).equals(data)).toBe(true);
    await big.cleanup();
  });
});
