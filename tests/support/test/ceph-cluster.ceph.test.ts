/**
 * The Ceph test cluster and its harness work: radosgw speaks S3 to the AWS SDK (bucket, objects,
 * multipart, list, delete), and with one of the three OSDs killed, writes and reads go on
 * (pool size 3, min size 2) until the OSD is back and every placement group is active+clean.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { cephCluster, uniquePrefix, type CephCluster } from '@bucketfront/test-support';

const ceph = cephCluster();

function makeClient(cluster: CephCluster): S3Client {
  return new S3Client({
    endpoint: cluster.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: cluster.accessKeyId, secretAccessKey: cluster.secretAccessKey },
    // Pacific's radosgw knows no x-amz-checksum-* (the SDK's default since 2025): only where S3 requires one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A killed OSD stalls I/O for 1–3 s until it is marked down; a restarted one while it peers.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    maxAttempts: 1,
  });
}

describe.skipIf(!ceph)('the Ceph test cluster (radosgw on three BlueStore OSDs)', () => {
  // vitest still runs this body to collect the (skipped) tests when there is no cluster: touch
  // `ceph` only inside hooks and tests.
  const bucket = `${uniquePrefix('bf-t')}harness`;
  let cluster: CephCluster;
  let s3: S3Client;
  beforeAll(() => {
    cluster = ceph!;
    s3 = makeClient(cluster);
  });

  const text = async (key: string): Promise<string> => {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return got.Body!.transformToString();
  };

  afterAll(async () => {
    // Leave nothing behind, whatever failed.
    try {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const object of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key! }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch {
      // the bucket may not exist
    }
    s3.destroy();
  });

  it('serves a bucket: put, get, multipart upload of 5 MiB + 1 byte, list, delete', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'hello.txt', Body: 'hello ceph', ContentType: 'text/plain' }));
    expect(await text('hello.txt')).toBe('hello ceph');

    const part1 = randomBytes(5 * 1024 * 1024);
    const part2 = Buffer.from('!');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big.bin' }));
    const etags: string[] = [];
    for (const [i, body] of [part1, part2].entries()) {
      const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'big.bin', UploadId, PartNumber: i + 1, Body: body }));
      etags.push(part.ETag!);
    }
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'big.bin',
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(head.ContentLength).toBe(part1.length + 1);
    expect(head.ETag).toMatch(/-2"$/);
    const big = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    expect(Buffer.from(await big.Body!.transformToByteArray()).equals(Buffer.concat([part1, part2]))).toBe(true);

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['big.bin', 'hello.txt']);

    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    const after = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(after.Contents?.map((object) => object.Key)).toEqual(['hello.txt']);
  });

  it('keeps writing and reading with one OSD killed, and is active+clean again once it is back', async () => {
    await cluster.waitForActiveClean(60_000);
    await cluster.killOsd(2);
    try {
      const degraded = randomBytes(256 * 1024);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'degraded.bin', Body: degraded }));
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'degraded.bin' }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(degraded)).toBe(true);
      expect(await text('hello.txt')).toBe('hello ceph');
      expect(await cluster.ceph(['osd', 'stat'])).toMatch(/3 osds: 2 up/);
    } finally {
      await cluster.startOsd(2);
    }
    await cluster.waitForActiveClean(120_000);
    expect(await text('hello.txt')).toBe('hello ceph');
  });
});
