/**
 * Object tagging and storage classes against the real AWS SDK v3 and the `aws` CLI:
 * Put/Get/DeleteObjectTagging, x-amz-tagging on PutObject / CreateMultipartUpload / CopyObject,
 * x-amz-tagging-count, x-amz-storage-class; bad input answered as S3 does, nothing changed.
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  UploadPartCommand,
  type Tag,
} from '@aws-sdk/client-s3';
import { hasAwsCli, runAws, s3ErrorOf } from '@bucketfront/test-support';
import { signRequest } from '@bucketfront/sigv4';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const bucket = 'tagging';

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

const tags = (n: number): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` }));

async function tagSet(key: string): Promise<Tag[] | undefined> {
  return (await origin.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet;
}

describe('object tagging', () => {
  it('PutObjectTagging / GetObjectTagging / DeleteObjectTagging, and x-amz-tagging-count', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: 'hello' }));
    expect(await tagSet('a')).toEqual([]);
    const head0 = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(head0.TagCount).toBeUndefined();

    const put = await origin.s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'a',
        Tagging: {
          TagSet: [
            { Key: 'project', Value: 'blue sky' },
            { Key: 'env', Value: '' },
          ],
        },
      }),
    );
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect(await tagSet('a')).toEqual([
      { Key: 'env', Value: '' },
      { Key: 'project', Value: 'blue sky' },
    ]);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(head.TagCount).toBe(2);
    expect(head.ETag).toBe(head0.ETag);
    const get = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(get.TagCount).toBe(2);
    expect(await get.Body!.transformToString()).toBe('hello');

    // A new set replaces the old one.
    await origin.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'a', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    expect(await tagSet('a')).toEqual([{ Key: 'only', Value: 'one' }]);

    const del = await origin.s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'a' }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(await tagSet('a')).toEqual([]);
  });

  it('10 tags of 128 + 256 Unicode characters are accepted', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'max', Body: 'x' }));
    const set = Array.from({ length: 10 }, (_, i) => ({ Key: `${i}`.padEnd(128, 'é'), Value: 'ü'.repeat(256) }));
    await origin.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'max', Tagging: { TagSet: set } }));
    expect(await tagSet('max')).toEqual(set);
  });

  it('bad tag sets: InvalidTag / MalformedXML / NoSuchKey, and the stored set is unchanged', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad', Body: 'x', Tagging: 'keep=me' }));
    const cases: [Tag[], string][] = [
      [tags(11), 'Object tags cannot be greater than 10'],
      [[{ Key: 'k'.repeat(129), Value: 'v' }], 'The TagKey you have provided is too long, max 128'],
      [[{ Key: 'k', Value: 'v'.repeat(257) }], 'The TagValue you have provided is too long, max 256'],
      [
        [
          { Key: 'k', Value: '1' },
          { Key: 'k', Value: '2' },
        ],
        'Cannot provide multiple Tags with the same key',
      ],
      [[{ Key: 'aws:thing', Value: 'v' }], 'Your TagKey cannot be prefixed with aws:'],
      [[{ Key: 'bad*key', Value: 'v' }], 'The TagKey you have provided is invalid'],
      [[{ Key: 'k', Value: 'semi;colon' }], 'The TagValue you have provided is invalid'],
    ];
    for (const [set, message] of cases) {
      const err = await s3ErrorOf(origin.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'bad', Tagging: { TagSet: set } })));
      expect([err.$metadata.httpStatusCode, err.name, err.message]).toEqual([400, 'InvalidTag', message]);
    }
    for (const body of ['<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet>', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>', 'k=v']) {
      const url = `${origin.url}/${bucket}/bad?tagging`;
      const auth = signRequest({ method: 'PUT', url, headers: {}, body, credentials: origin.credentials, region: 'us-east-1', service: 's3' });
      const res = await request(url, { method: 'PUT', headers: auth, body });
      expect(res.statusCode, body).toBe(400);
      expect(await res.body.text()).toContain('<Code>MalformedXML</Code>');
    }
    expect(await tagSet('bad')).toEqual([{ Key: 'keep', Value: 'me' }]);
    const missing = await s3ErrorOf(origin.s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'nope' })));
    expect([missing.$metadata.httpStatusCode, missing.name]).toEqual([404, 'NoSuchKey']);
    const missingPut = await s3ErrorOf(origin.s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'nope', Tagging: { TagSet: tags(1) } })));
    expect([missingPut.$metadata.httpStatusCode, missingPut.name]).toEqual([404, 'NoSuchKey']);
  });

  it('x-amz-tagging on PutObject: bad headers are refused and nothing is stored', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hdr', Body: 'x', Tagging: 'foo=bar&bar' }));
    expect(await tagSet('hdr')).toEqual([
      { Key: 'bar', Value: '' },
      { Key: 'foo', Value: 'bar' },
    ]);
    const tooMany = await s3ErrorOf(
      origin.s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: 'hdr2',
          Body: 'x',
          Tagging: tags(11)
            .map((t) => `${t.Key}=${t.Value}`)
            .join('&'),
        }),
      ),
    );
    expect([tooMany.$metadata.httpStatusCode, tooMany.name]).toEqual([400, 'InvalidTag']);
    const dup = await s3ErrorOf(origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hdr2', Body: 'x', Tagging: 'a=1&a=2' })));
    expect([dup.$metadata.httpStatusCode, dup.name]).toEqual([400, 'InvalidArgument']);
    const gone = await s3ErrorOf(origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'hdr2' })));
    expect(gone.$metadata.httpStatusCode).toBe(404);
  });

  it('CreateMultipartUpload tags land on the completed object', async () => {
    const { UploadId } = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', Tagging: 'Hello=World&foo=bar', StorageClass: 'STANDARD_IA' }));
    const part = await origin.s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId, PartNumber: 1, Body: 'x' }));
    const parts = await origin.s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'mp', UploadId }));
    expect(parts.StorageClass).toBe('STANDARD_IA');
    await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    expect(await tagSet('mp')).toEqual([
      { Key: 'Hello', Value: 'World' },
      { Key: 'foo', Value: 'bar' },
    ]);
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mp' }))).StorageClass).toBe('STANDARD_IA');
  });

  it("CopyObject: x-amz-tagging-directive COPY keeps the tags, REPLACE sets the request's", async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: 'x', Tagging: 'a=1' }));
    await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/src` }));
    expect(await tagSet('copy')).toEqual([{ Key: 'a', Value: '1' }]);
    await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'replaced', CopySource: `${bucket}/src`, TaggingDirective: 'REPLACE', Tagging: 'b=2' }));
    expect(await tagSet('replaced')).toEqual([{ Key: 'b', Value: '2' }]);
    await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'cleared', CopySource: `${bucket}/src`, TaggingDirective: 'REPLACE' }));
    expect(await tagSet('cleared')).toEqual([]);
    // Copying onto itself with only a tagging change is a real change.
    await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'src', CopySource: `${bucket}/src`, TaggingDirective: 'REPLACE', Tagging: 'c=3' }));
    expect(await tagSet('src')).toEqual([{ Key: 'c', Value: '3' }]);
  });
});

describe('storage class', () => {
  it('is stored and returned by HeadObject, GetObject and ListObjectsV2; STANDARD sends no header', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sc/ia', Body: 'x', StorageClass: 'GLACIER_IR' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sc/std', Body: 'x', StorageClass: 'STANDARD' }));
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc/ia' }))).StorageClass).toBe('GLACIER_IR');
    expect((await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'sc/ia' }))).StorageClass).toBe('GLACIER_IR');
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc/std' }))).StorageClass).toBeUndefined();
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'sc/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.StorageClass])).toEqual([
      ['sc/ia', 'GLACIER_IR'],
      ['sc/std', 'STANDARD'],
    ]);
    // A copy takes the request's class (STANDARD when absent).
    await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'sc/copy', CopySource: `${bucket}/sc/ia` }));
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc/copy' }))).StorageClass).toBeUndefined();
  });

  it('an unknown class is InvalidStorageClass and nothing is stored', async () => {
    const err = await s3ErrorOf(origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sc/bad', Body: 'x', StorageClass: 'FAST' as never })));
    expect([err.$metadata.httpStatusCode, err.name]).toEqual([400, 'InvalidStorageClass']);
    expect((await s3ErrorOf(origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sc/bad' })))).$metadata.httpStatusCode).toBe(404);
  });
});

describe.skipIf(!hasAwsCli())('aws CLI', () => {
  it('s3api put-object-tagging / get-object-tagging, s3 cp --storage-class', async () => {
    const aws = async (args: string[]): Promise<string> => {
      const r = await runAws(args, { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cli', Body: 'x' }));
    await aws(['s3api', 'put-object-tagging', '--bucket', bucket, '--key', 'cli', '--tagging', 'TagSet=[{Key=team,Value=web}]']);
    expect(JSON.parse(await aws(['s3api', 'get-object-tagging', '--bucket', bucket, '--key', 'cli']))).toMatchObject({ TagSet: [{ Key: 'team', Value: 'web' }] });
    await aws(['s3', 'cp', `s3://${bucket}/cli`, `s3://${bucket}/cli-ia`, '--storage-class', 'STANDARD_IA']);
    const head = JSON.parse(await aws(['s3api', 'head-object', '--bucket', bucket, '--key', 'cli-ia'])) as { StorageClass?: string };
    expect(head.StorageClass).toBe('STANDARD_IA');
  });
});
