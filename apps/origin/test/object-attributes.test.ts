/** GetObjectAttributes against the AWS SDK v3 and the `aws` CLI; a repeated CompleteMultipartUpload. */
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { hasAwsCli, runAws, s3ErrorOf } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const Bucket = 'attributes';
const ALL = ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] as const;
const PART = 5 * 1024 * 1024;

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
  const { UploadId } = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp', StorageClass: 'ONEZONE_IA' }));
  parts = [];
  for (let n = 1; n <= 4; n++) {
    const body = Buffer.alloc(n < 4 ? PART : 1000, n);
    const { ETag } = await origin.s3.send(new UploadPartCommand({ Bucket, Key: 'mp', UploadId, PartNumber: n, Body: body }));
    parts.push({ PartNumber: n, ETag });
  }
  uploadId = UploadId!;
  firstEtag = (await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: parts } }))).ETag!;
});
let parts: CompletedPart[];
let uploadId: string;
let firstEtag: string;
afterAll(async () => {
  await origin?.stop();
});

describe('GetObjectAttributes', () => {
  it('a single-part object: ETag without quotes, checksum, size, STANDARD, no ObjectParts', async () => {
    const put = await origin.s3.send(new PutObjectCommand({ Bucket, Key: 'one', Body: 'foo', ChecksumAlgorithm: 'SHA256' }));
    const got = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'one', ObjectAttributes: [...ALL] }));
    expect(got.ETag).toBe(put.ETag!.replace(/"/g, ''));
    expect(got.ObjectSize).toBe(3);
    expect(got.StorageClass).toBe('STANDARD');
    expect(got.Checksum?.ChecksumSHA256).toBe(put.ChecksumSHA256);
    expect(got.Checksum?.ChecksumType).toBe('FULL_OBJECT');
    expect(got.ObjectParts).toBeUndefined();
    expect(got.LastModified).toBeInstanceOf(Date);
  });

  it('only the attributes asked for', async () => {
    const got = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'mp', ObjectAttributes: ['ObjectSize'] }));
    expect(got.ObjectSize).toBe(3 * PART + 1000);
    expect(got.ETag).toBeUndefined();
    expect(got.StorageClass).toBeUndefined();
  });

  it('a multipart object: parts paged by MaxParts / PartNumberMarker, its storage class', async () => {
    const all = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'mp', ObjectAttributes: [...ALL] }));
    expect(all.StorageClass).toBe('ONEZONE_IA');
    expect(all.ETag).toMatch(/^[0-9a-f]{32}-4$/);
    expect(all.ObjectParts).toMatchObject({ TotalPartsCount: 4, IsTruncated: false, PartNumberMarker: '0' });
    expect(all.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART],
      [4, 1000],
    ]);
    const page = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'mp', ObjectAttributes: ['ObjectParts'], MaxParts: 1, PartNumberMarker: '2' }));
    expect(page.ObjectParts).toMatchObject({ TotalPartsCount: 4, MaxParts: 1, PartNumberMarker: '2', IsTruncated: true, NextPartNumberMarker: '3' });
    expect(page.ObjectParts?.Parts?.map((p) => p.PartNumber)).toEqual([3]);
  });

  it('bad input: unknown attribute → InvalidArgument; missing key → NoSuchKey', async () => {
    const bad = await s3ErrorOf(origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'mp', ObjectAttributes: ['Colour' as 'ETag'] })));
    expect([bad.$metadata.httpStatusCode, bad.name]).toEqual([400, 'InvalidArgument']);
    const missing = await s3ErrorOf(origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'nope', ObjectAttributes: ['ETag'] })));
    expect([missing.$metadata.httpStatusCode, missing.name]).toEqual([404, 'NoSuchKey']);
  });

  it.skipIf(!hasAwsCli())('aws s3api get-object-attributes', async () => {
    const r = await runAws(['s3api', 'get-object-attributes', '--bucket', Bucket, '--key', 'mp', '--object-attributes', 'ObjectSize', 'StorageClass'], {
      endpointUrl: origin.url,
      credentials: origin.credentials,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ObjectSize: 3 * PART + 1000, StorageClass: 'ONEZONE_IA' });
  });
});

describe('CompleteMultipartUpload again', () => {
  it('of an upload already completed answers the same result (as S3); other part lists stay NoSuchUpload', async () => {
    const again = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    expect(again.ETag).toBe(firstEtag);
    const other = await s3ErrorOf(origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId: uploadId, MultipartUpload: { Parts: parts.slice(0, 2) } })));
    expect([other.$metadata.httpStatusCode, other.name]).toEqual([404, 'NoSuchUpload']);
  });
});
