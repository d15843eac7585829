/**
 * Multipart checksum types with the AWS SDK v3: FULL_OBJECT (CRCs combined from the parts) and
 * COMPOSITE; a correct full-object checksum on Complete is accepted, a wrong one is BadDigest;
 * FULL_OBJECT with SHA-256 is refused.
 */
import { randomBytes } from 'node:crypto';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, HeadObjectCommand, UploadPartCommand, type ChecksumType, type CompletedPart } from '@aws-sdk/client-s3';
import { checksumBase64 } from '@bucketfront/sigv4';
import { s3ErrorOf } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const Bucket = 'checksums';
const PART = 5 * 1024 * 1024;
const data = randomBytes(2 * PART + 1234);
const pieces = [data.subarray(0, PART), data.subarray(PART, 2 * PART), data.subarray(2 * PART)];

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

const FIELD = { CRC32: 'ChecksumCRC32', CRC32C: 'ChecksumCRC32C', CRC64NVME: 'ChecksumCRC64NVME', SHA1: 'ChecksumSHA1', SHA256: 'ChecksumSHA256' } as const;

type Algorithm = keyof typeof FIELD;

async function upload(Key: string, algorithm: Algorithm, type: ChecksumType | undefined): Promise<{ UploadId: string; Parts: CompletedPart[] }> {
  const created = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: algorithm, ...(type ? { ChecksumType: type } : {}) }));
  const Parts: CompletedPart[] = [];
  for (const [i, body] of pieces.entries()) {
    const part = await origin.s3.send(new UploadPartCommand({ Bucket, Key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, [FIELD[algorithm]]: checksumBase64(algorithm, body) }));
    Parts.push({ PartNumber: i + 1, ETag: part.ETag, [FIELD[algorithm]]: part[FIELD[algorithm]] } as CompletedPart);
  }
  return { UploadId: created.UploadId!, Parts };
}

describe('multipart checksum types', () => {
  it.each(['CRC32', 'CRC32C', 'CRC64NVME'] as const)("%s FULL_OBJECT: the whole object's CRC, a correct stated value accepted, a wrong one BadDigest", async (algorithm) => {
    const Key = `full-${algorithm}`;
    const whole = checksumBase64(algorithm, data);
    const { UploadId, Parts } = await upload(Key, algorithm, 'FULL_OBJECT');
    const wrong = checksumBase64(algorithm, Buffer.from('something else'));
    const bad = await s3ErrorOf(origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, ChecksumType: 'FULL_OBJECT', [FIELD[algorithm]]: wrong })));
    expect([bad.$metadata.httpStatusCode, bad.name]).toEqual([400, 'BadDigest']);
    const done = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts }, ChecksumType: 'FULL_OBJECT', [FIELD[algorithm]]: whole }));
    expect(done[FIELD[algorithm]]).toBe(whole);
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(head[FIELD[algorithm]]).toBe(whole);
    expect(head.ChecksumType).toBe('FULL_OBJECT');
  });

  it('SHA256 is COMPOSITE; FULL_OBJECT with SHA256 is InvalidRequest', async () => {
    const refused = await s3ErrorOf(origin.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'sha', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })));
    expect([refused.$metadata.httpStatusCode, refused.name]).toEqual([400, 'InvalidRequest']);
    const { UploadId, Parts } = await upload('sha', 'SHA256', undefined);
    const done = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'sha', UploadId, MultipartUpload: { Parts } }));
    expect(done.ChecksumType).toBe('COMPOSITE');
    expect(done.ChecksumSHA256).toMatch(/-3$/);
  });
});
