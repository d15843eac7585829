/**
 * The append part of the ObjectStore contract (appendObject; docs/append.md), run by
 * runObjectStoreContract for every driver.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { bytes } from './contract-bytes.js';
import { bodyOf, expectStoreError, getBytes, readAll } from './contract.js';
import type { ObjectMetadata, ObjectStore } from './types.js';

const META: ObjectMetadata = { userMetadata: {} };
const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();

export interface AppendContractOptions {
  /** The store encrypts every write (a test harness): every append is refused with InvalidRequest. */
  refused?: boolean;
  /** A minimum part size the store accepts for multipart uploads. */
  minPart: number;
}

/** Registers the append cases; `store()` is the fresh store of the current test, with bucket `bkt`. */
export function appendContract(store: () => ObjectStore, opts: AppendContractOptions): void {
  if (opts.refused === true) {
    it('refuses every append with InvalidRequest, nothing changed', async () => {
      const s = store();
      await s.putObject('bkt', 'k', bodyOf('abc'), META);
      await expectStoreError(s.appendObject('bkt', 'k', 3, bodyOf('def'), META), 'InvalidRequest');
      expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('abc');
    });
    return;
  }

  it('offset 0 on a missing key creates it with the metadata given', async () => {
    const info = await store().appendObject('bkt', 'log', 0, bodyOf('first'), { contentType: 'text/plain', userMetadata: { a: '1' } });
    expect(info.size).toBe(5);
    expect(info.etag).toBe(`"${md5(Buffer.from('first')).toString('hex')}"`);
    const head = await store().headObject('bkt', 'log');
    expect(head).toMatchObject({ size: 5, etag: info.etag, metadata: { contentType: 'text/plain', userMetadata: { a: '1' } } });
  });

  it('appends at the current size: bytes concatenated, one more part, metadata kept, a new ETag', async () => {
    const s = store();
    const first = await s.putObject('bkt', 'k', bodyOf('hello '), { contentType: 'text/plain', userMetadata: { a: '1' }, checksum: { algorithm: 'CRC32', value: 'AAAAAA==', type: 'FULL_OBJECT' } });
    const info = await s.appendObject('bkt', 'k', 6, bodyOf('world'), { contentType: 'image/png', userMetadata: {} });
    expect(info.size).toBe(11);
    expect(info.etag).not.toBe(first.etag);
    const head = (await s.headObject('bkt', 'k'))!;
    expect(head.etag).toBe(info.etag);
    expect(head.size).toBe(11);
    expect(head.metadata.contentType).toBe('text/plain');
    expect(head.metadata.userMetadata).toEqual({ a: '1' });
    expect(head.metadata.partSizes).toEqual([6, 5]);
    expect(head.metadata.checksum).toBeUndefined();
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('hello world');
  });

  it('a wrong offset is InvalidWriteOffset and changes nothing', async () => {
    const s = store();
    const before = await s.putObject('bkt', 'k', bodyOf('abc'), META);
    for (const offset of [0, 2, 4, 1000]) await expectStoreError(s.appendObject('bkt', 'k', offset, bodyOf('zz'), META), 'InvalidWriteOffset');
    expect((await s.headObject('bkt', 'k'))!.etag).toBe(before.etag);
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('abc');
    await expectStoreError(s.appendObject('bkt', 'missing', 5, bodyOf('zz'), META), 'InvalidWriteOffset');
    expect(await s.headObject('bkt', 'missing')).toBeNull();
    await expectStoreError(s.appendObject('nope', 'k', 0, bodyOf('zz'), META), 'NoSuchBucket');
  });

  it('a Content-MD5 mismatch is BadDigest and changes nothing', async () => {
    const s = store();
    await s.putObject('bkt', 'k', bodyOf('abc'), META);
    await expectStoreError(s.appendObject('bkt', 'k', 3, bodyOf('def'), META, { contentMd5: md5(Buffer.from('xyz')).toString('base64') }), 'BadDigest');
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('abc');
  });

  it('concurrent appends at one offset: exactly one wins, the others InvalidWriteOffset, nothing torn', async () => {
    const s = store();
    await s.putObject('bkt', 'k', bodyOf('base:'), META);
    const bodies = [bytes(70_000, 1), bytes(10, 2), bytes(200_000, 3), bytes(5, 4)];
    const results = await Promise.allSettled(bodies.map((b) => s.appendObject('bkt', 'k', 5, bodyOf(b), META)));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('InvalidWriteOffset');
    const expected = Buffer.concat([Buffer.from('base:'), bodies[won[0]!]!]);
    expect((await getBytes(s, 'bkt', 'k'))!.equals(expected)).toBe(true);
  });

  it('100 appends, small and large, then whole and ranged GETs across segments', async () => {
    const s = store();
    const pieces: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < 100; i++) {
      const piece = bytes(i % 25 === 7 ? 70_000 + i : 1 + (i % 13) * 97, i);
      await s.appendObject('bkt', 'many', size, bodyOf(piece), META);
      pieces.push(piece);
      size += piece.length;
    }
    const whole = Buffer.concat(pieces);
    const head = (await s.headObject('bkt', 'many'))!;
    expect(head.size).toBe(whole.length);
    expect(head.metadata.partSizes).toEqual(pieces.map((p) => p.length));
    expect((await getBytes(s, 'bkt', 'many'))!.equals(whole)).toBe(true);
    for (const [start, end] of [
      [0, 0],
      [pieces[0]!.length - 1, pieces[0]!.length + 1],
      [1000, 150_000],
      [whole.length - 70_500, whole.length - 1],
    ] as const) {
      const got = await s.getObject('bkt', 'many', { start, end });
      expect((await readAll(got!.body)).equals(whole.subarray(start, end + 1))).toBe(true);
    }
  });

  it('appends to a multipart object as its next part', async () => {
    const s = store();
    const up = await s.createMultipartUpload('bkt', 'mp', { contentType: 'video/mp4', userMetadata: {} });
    const parts = [bytes(opts.minPart, 1), bytes(7, 2)];
    const infos = [];
    for (const [i, p] of parts.entries()) infos.push(await s.uploadPart('bkt', 'mp', up.uploadId, i + 1, bodyOf(p)));
    const done = await s.completeMultipartUpload(
      'bkt',
      'mp',
      up.uploadId,
      infos.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
    );
    const more = bytes(100_000, 3);
    const info = await s.appendObject('bkt', 'mp', done.size, bodyOf(more), META);
    expect(info.size).toBe(done.size + more.length);
    const head = (await s.headObject('bkt', 'mp'))!;
    expect(head.metadata.partSizes).toEqual([...parts.map((p) => p.length), more.length]);
    expect(head.metadata.contentType).toBe('video/mp4');
    expect((await getBytes(s, 'bkt', 'mp'))!.equals(Buffer.concat([...parts, more]))).toBe(true);
  });

  it('a reader of the old version keeps reading it across an append and an overwrite', async () => {
    const s = store();
    const old = bytes(300_000, 9);
    await s.putObject('bkt', 'k', bodyOf(old), META);
    const got = (await s.getObject('bkt', 'k'))!;
    await s.appendObject('bkt', 'k', old.length, bodyOf(bytes(1000, 1)), META);
    await s.putObject('bkt', 'k', bodyOf('replaced'), META);
    const read = got.buffer ?? (await readAll(got.body));
    expect(read.equals(old)).toBe(true);
    expect((await getBytes(s, 'bkt', 'k'))!.toString()).toBe('replaced');
  });

  it('an appended object can be copied and deleted', async () => {
    const s = store();
    await s.appendObject('bkt', 'k', 0, bodyOf(bytes(80_000, 1)), META);
    await s.appendObject('bkt', 'k', 80_000, bodyOf(bytes(90_000, 2)), META);
    await s.copyObject({ bucket: 'bkt', key: 'k' }, { bucket: 'bkt', key: 'c' }, META);
    await s.deleteObject('bkt', 'k');
    expect(await s.headObject('bkt', 'k')).toBeNull();
    expect((await getBytes(s, 'bkt', 'c'))!.equals(Buffer.concat([bytes(80_000, 1), bytes(90_000, 2)]))).toBe(true);
  });
}
