/**
 * ListObjectVersions on buckets that are never versioned (every object is its `null` version), and
 * versionId=null on GetObject / HeadObject / DeleteObject. AWS SDK v3 and the aws CLI.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { hasAwsCli, runAws } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const Bucket = 'versions';
const KEYS = ['a.txt', 'dir/one', 'dir/sub/two', 'dir/three', 'z é+&.txt'];

let origin: TestOrigin;
beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
  for (const Key of KEYS) await origin.s3.send(new PutObjectCommand({ Bucket, Key, Body: `body of ${Key}` }));
  await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'sum', Body: 'x', ChecksumAlgorithm: 'CRC32' }));
});
afterAll(async () => {
  await origin?.stop();
});

async function errorOf(p: Promise<unknown>): Promise<{ status: number | undefined; code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { status: err.$metadata.httpStatusCode, code: err.name, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('ListObjectVersions on an unversioned bucket', () => {
  it('lists every object once as its null version, the latest, with what ListObjectsV2 reports', async () => {
    const out = await origin.s3.send(new ListObjectVersionsCommand({ Bucket }));
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket, FetchOwner: true }));
    expect(out.IsTruncated).toBe(false);
    expect(out.DeleteMarkers).toBeUndefined();
    expect(out.Name).toBe(Bucket);
    expect(out.Versions!.map((v) => v.Key)).toEqual(listed.Contents!.map((c) => c.Key));
    for (const [i, v] of out.Versions!.entries()) {
      const c = listed.Contents![i]!;
      expect(v).toMatchObject({ VersionId: 'null', IsLatest: true, ETag: c.ETag, Size: c.Size, StorageClass: 'STANDARD', Owner: c.Owner });
      expect(v.LastModified).toEqual(c.LastModified);
    }
    expect(out.Versions!.find((v) => v.Key === 'sum')!.ChecksumAlgorithm).toEqual(['CRC32']);
  });

  it('paginates with max-keys, NextKeyMarker and NextVersionIdMarker (the SDK v3 has no paginator for it)', async () => {
    const pages: { keys: (string | undefined)[]; next: [string | undefined, string | undefined] }[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let truncated = true; truncated; ) {
      const page = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      pages.push({ keys: (page.Versions ?? []).map((v) => v.Key), next: [page.NextKeyMarker, page.NextVersionIdMarker] });
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = page);
      truncated = page.IsTruncated === true;
    }
    expect(pages).toEqual([
      { keys: ['a.txt', 'dir/one'], next: ['dir/one', 'null'] },
      { keys: ['dir/sub/two', 'dir/three'], next: ['dir/three', 'null'] },
      { keys: ['sum', 'z é+&.txt'], next: [undefined, undefined] },
    ]);
  });

  it('groups under a delimiter, with prefix, and resumes after a common prefix', async () => {
    const first = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, Delimiter: '/', MaxKeys: 2 }));
    expect(first.Versions!.map((v) => v.Key)).toEqual(['a.txt']);
    expect(first.CommonPrefixes).toEqual([{ Prefix: 'dir/' }]);
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'dir/', NextVersionIdMarker: 'null', Delimiter: '/' });
    const next = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, Delimiter: '/', KeyMarker: first.NextKeyMarker, VersionIdMarker: first.NextVersionIdMarker }));
    expect(next.Versions!.map((v) => v.Key)).toEqual(['sum', 'z é+&.txt']);
    expect(next).toMatchObject({ IsTruncated: false, KeyMarker: 'dir/', VersionIdMarker: 'null' });
    const inDir = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'dir/', Delimiter: '/' }));
    expect(inDir.Versions!.map((v) => v.Key)).toEqual(['dir/one', 'dir/three']);
    expect(inDir.CommonPrefixes).toEqual([{ Prefix: 'dir/sub/' }]);
  });

  it('key-marker alone resumes after that key', async () => {
    const out = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: 'dir/sub/two' }));
    expect(out.Versions!.map((v) => v.Key)).toEqual(['dir/three', 'sum', 'z é+&.txt']);
  });

  it('encoding-type=url encodes keys, prefix and markers (the SDK v3 hands them over as sent)', async () => {
    const out = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'z ', KeyMarker: 'sum', EncodingType: 'url' }));
    expect(out.Versions!.map((v) => v.Key)).toEqual(['z%20%C3%A9%2B%26.txt']);
    expect(out).toMatchObject({ EncodingType: 'url', Prefix: 'z%20', KeyMarker: 'sum' });
  });

  it('answers AWS errors for version-id-marker: without key-marker, empty, not null', async () => {
    const noKey = await errorOf(origin.s3.send(new ListObjectVersionsCommand({ Bucket, VersionIdMarker: 'null' })));
    expect(noKey).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'A version-id marker cannot be specified without a key marker.' });
    const bad = await errorOf(origin.s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: 'a.txt', VersionIdMarker: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' })));
    expect(bad).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'Invalid version id specified' });
    const badMax = await errorOf(origin.s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: -1 })));
    expect(badMax).toMatchObject({ status: 400, code: 'InvalidArgument' });
    const missing = await errorOf(origin.s3.send(new ListObjectVersionsCommand({ Bucket: 'no-such-bucket-here' })));
    expect(missing).toMatchObject({ status: 404, code: 'NoSuchBucket' });
  });

  it('refuses anonymous callers on a private bucket', async () => {
    const res = await request(`${origin.url}/${Bucket}?versions`);
    await res.body.text();
    expect(res.statusCode).toBe(403);
  });

  it('max-keys=0: an empty page that is not truncated', async () => {
    const out = await origin.s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 0 }));
    expect(out).toMatchObject({ IsTruncated: false, MaxKeys: 0 });
    expect(out.Versions).toBeUndefined();
  });
});

describe('versionId=null on object operations', () => {
  it('GetObject / HeadObject with VersionId null read the object; another versionId is InvalidArgument', async () => {
    const got = await origin.s3.send(new GetObjectCommand({ Bucket, Key: 'a.txt', VersionId: 'null' }));
    expect(await got.Body!.transformToString()).toBe('body of a.txt');
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket, Key: 'a.txt', VersionId: 'null' }));
    expect(head.ContentLength).toBe('body of a.txt'.length);
  });

  it('DeleteObject with another versionId is refused and deletes nothing; with null it deletes', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'del-me', Body: 'x' }));
    const bad = await errorOf(origin.s3.send(new DeleteObjectCommand({ Bucket, Key: 'del-me', VersionId: 'UIORUnfndfiufdisojhr398493jfdkjFJjkndnqUifhnw89493jJFJ' })));
    expect(bad).toMatchObject({ status: 400, code: 'InvalidArgument', message: 'Invalid version id specified' });
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket, Key: 'del-me' }))).ContentLength).toBe(1);
    await origin.s3.send(new DeleteObjectCommand({ Bucket, Key: 'del-me', VersionId: 'null' }));
    const gone = await errorOf(origin.s3.send(new HeadObjectCommand({ Bucket, Key: 'del-me' })));
    expect(gone.status).toBe(404);
  });

  it('DeleteObjects with another VersionId reports that key as InvalidArgument and deletes nothing; null deletes', async () => {
    const b = 'versions-batch';
    await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
    await origin.s3.send(new PutObjectCommand({ Bucket: b, Key: 'keep-me', Body: 'x' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: b, Key: 'del-null', Body: 'x' }));
    const del = await origin.s3.send(
      new DeleteObjectsCommand({
        Bucket: b,
        Delete: {
          Objects: [
            { Key: 'keep-me', VersionId: 'UIORUnfndfiufdisojhr398493jfdkjFJjkndnqUifhnw89493jJFJ' },
            { Key: 'del-null', VersionId: 'null' },
          ],
        },
      }),
    );
    expect(del.Errors).toEqual([{ Key: 'keep-me', VersionId: 'UIORUnfndfiufdisojhr398493jfdkjFJjkndnqUifhnw89493jJFJ', Code: 'InvalidArgument', Message: 'Invalid version id specified' }]);
    expect(del.Deleted).toEqual([{ Key: 'del-null', VersionId: 'null' }]);
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'keep-me' }))).ContentLength).toBe(1);
    expect((await errorOf(origin.s3.send(new HeadObjectCommand({ Bucket: b, Key: 'del-null' })))).status).toBe(404);
  });

  it("ceph/s3-tests' nuke_bucket: list versions, DeleteObjects each Key + VersionId, bucket empty", async () => {
    const b = 'versions-nuke';
    await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
    for (let i = 0; i < 5; i++) await origin.s3.send(new PutObjectCommand({ Bucket: b, Key: `k${i}`, Body: 'x' }));
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let truncated = true; truncated; ) {
      const page = await origin.s3.send(new ListObjectVersionsCommand({ Bucket: b, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
      truncated = page.IsTruncated === true;
      const Objects = (page.Versions ?? []).map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
      const del = await origin.s3.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects, Quiet: true } }));
      expect(del.Errors).toBeUndefined();
    }
    expect((await origin.s3.send(new ListObjectVersionsCommand({ Bucket: b }))).Versions).toBeUndefined();
  });
});

describe.skipIf(!hasAwsCli())('aws s3api list-object-versions', () => {
  it('lists and paginates (the CLI follows NextKeyMarker / NextVersionIdMarker itself)', async () => {
    const r = await runAws(['s3api', 'list-object-versions', '--bucket', Bucket, '--page-size', '2', '--output', 'json'], {
      endpointUrl: origin.url,
      credentials: origin.credentials,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { Versions: { Key: string; VersionId: string; IsLatest: boolean }[] };
    expect(out.Versions.map((v) => v.Key)).toEqual([...KEYS, 'sum'].sort());
    expect(out.Versions.every((v) => v.VersionId === 'null' && v.IsLatest)).toBe(true);
    const withDelimiter = await runAws(['s3api', 'list-object-versions', '--bucket', Bucket, '--prefix', 'dir/', '--delimiter', '/', '--output', 'json'], {
      endpointUrl: origin.url,
      credentials: origin.credentials,
      timeoutMs: 120_000,
    });
    expect(withDelimiter.code, withDelimiter.stderr).toBe(0);
    expect(JSON.parse(withDelimiter.stdout)).toMatchObject({ CommonPrefixes: [{ Prefix: 'dir/sub/' }] });
  });
});
