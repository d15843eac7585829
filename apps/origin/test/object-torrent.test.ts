/**
 * GetObjectTorrent through the AWS SDK v3: the .torrent file describes the object (length, 256 KiB
 * pieces whose SHA-1s match the bytes, the object's URL as a web seed), another user without READ is
 * refused, a missing key is NoSuchKey. The decoder below is BEP 3's
 * grammar, written independently of the origin's encoder.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectTorrentCommand, PutObjectAclCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client, s3ErrorOf } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

type Value = number | Buffer | Value[] | Map<string, Value>;

function bdecode(buf: Buffer): Value {
  let at = 0;
  const next = (): Value => {
    const c = String.fromCharCode(buf[at]!);
    if (c === 'i') {
      const end = buf.indexOf(0x65, at);
      const n = Number(buf.subarray(at + 1, end).toString());
      at = end + 1;
      return n;
    }
    if (c === 'l' || c === 'd') {
      at++;
      const items: Value[] = [];
      while (buf[at] !== 0x65) items.push(next());
      at++;
      if (c === 'l') return items;
      const map = new Map<string, Value>();
      for (let i = 0; i < items.length; i += 2) map.set((items[i] as Buffer).toString(), items[i + 1]!);
      return map;
    }
    const colon = buf.indexOf(0x3a, at);
    const len = Number(buf.subarray(at, colon).toString());
    const out = buf.subarray(colon + 1, colon + 1 + len);
    at = colon + 1 + len;
    return out;
  };
  const v = next();
  expect(at).toBe(buf.length);
  return v;
}

const ALT = { accessKeyId: 'AKIATORRENTALT000001', secretAccessKey: 'torrent-alt-secret-torrent-alt-secret-00', displayName: 'alt' };
let origin: TestOrigin;
const Bucket = 'torrents';

beforeAll(async () => {
  origin = await startTestOrigin({ extraUsers: [ALT] });
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

describe('GetObjectTorrent', () => {
  it('describes the object: length, 256 KiB pieces with their SHA-1s, the object URL as web seed', async () => {
    const body = randomBytes(600 * 1024 + 17);
    await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'media/clip one.bin', Body: body }));
    const got = await origin.s3.send(new GetObjectTorrentCommand({ Bucket, Key: 'media/clip one.bin' }));
    const file = Buffer.from(await got.Body!.transformToByteArray());
    const meta = bdecode(file) as Map<string, Value>;
    const info = meta.get('info') as Map<string, Value>;
    expect(info.get('length')).toBe(body.length);
    expect((info.get('name') as Buffer).toString()).toBe('clip one.bin');
    expect(info.get('piece length')).toBe(262144);
    expect((info.get('x-amz-bucket') as Buffer).toString()).toBe(Bucket);
    expect((info.get('x-amz-key') as Buffer).toString()).toBe('media/clip one.bin');
    const pieces = info.get('pieces') as Buffer;
    const expected = [0, 1, 2].map((i) =>
      createHash('sha1')
        .update(body.subarray(i * 262144, (i + 1) * 262144))
        .digest(),
    );
    expect(pieces.equals(Buffer.concat(expected))).toBe(true);
    const seeds = (meta.get('url-list') as Buffer[]).map((u) => u.toString());
    expect(seeds).toEqual([`${origin.url}/${Bucket}/media/clip%20one.bin`]);
    // the web seed serves the bytes once the object is public (a BitTorrent client fetches it unsigned)
    await origin.s3.send(new PutObjectAclCommand({ Bucket, Key: 'media/clip one.bin', ACL: 'public-read' }));
    const seed = await request(seeds[0]!, { headers: { range: 'bytes=262144-524287' } });
    const piece = Buffer.from(await seed.body.arrayBuffer());
    expect(createHash('sha1').update(piece).digest().equals(expected[1]!)).toBe(true);
  });

  it('an empty object has one piece, the SHA-1 of nothing', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'empty', Body: '' }));
    const got = await origin.s3.send(new GetObjectTorrentCommand({ Bucket, Key: 'empty' }));
    const info = (bdecode(Buffer.from(await got.Body!.transformToByteArray())) as Map<string, Value>).get('info') as Map<string, Value>;
    expect(info.get('length')).toBe(0);
    expect((info.get('pieces') as Buffer).equals(createHash('sha1').digest())).toBe(true);
  });

  it('NoSuchKey, and AccessDenied for a user without READ', async () => {
    expect(await s3ErrorOf(origin.s3.send(new GetObjectTorrentCommand({ Bucket, Key: 'nope' })))).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'private', Body: 'secret' }));
    const alt = makeS3Client(origin.url, ALT);
    expect(await s3ErrorOf(alt.send(new GetObjectTorrentCommand({ Bucket, Key: 'private' })))).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });
});
