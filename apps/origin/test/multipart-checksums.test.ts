/**
 * Multipart checksum types with the AWS SDK v3: FULL_OBJECT (CRCs combined from the parts) and
 * COMPOSITE; a correct full-object checksum on Complete is accepted, a wrong one is BadDigest;
 * FULL_OBJECT with SHA-256 is refused. After Complete each part keeps its checksum: GetObject /
 * HeadObject with partNumber and checksum mode, GetObjectAttributes' ObjectParts.
 * A part sent twice at once, the first send finishing last: that one is the part.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
  type ChecksumType,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { checksumBase64 } from '@bucketfront/sigv4';
import { hasBoto3, runCommand, s3ErrorOf } from '@bucketfront/test-support';
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

describe('part checksums kept on the completed object', () => {
  it.each([
    ['CRC32', 'FULL_OBJECT'],
    ['CRC64NVME', 'FULL_OBJECT'],
    ['SHA256', 'COMPOSITE'],
    ['SHA1', 'COMPOSITE'],
  ] as const)('%s %s: partNumber GET / HEAD with checksum mode, GetObjectAttributes parts', async (algorithm, type) => {
    const Key = `parts-${algorithm}`;
    const { UploadId, Parts } = await upload(Key, algorithm, type);
    const done = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
    expect(done.ChecksumType).toBe(type);
    const whole = done[FIELD[algorithm]];
    expect(whole).toBeDefined();

    const plain = await origin.s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(plain[FIELD[algorithm]]).toBeUndefined();
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect([head[FIELD[algorithm]], head.ChecksumType]).toEqual([whole, type]);

    for (const [i, piece] of pieces.entries()) {
      const PartNumber = i + 1;
      const expected = checksumBase64(algorithm, piece);
      const partHead = await origin.s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber, ChecksumMode: 'ENABLED' }));
      expect([partHead[FIELD[algorithm]], partHead.ChecksumType, partHead.ContentLength, partHead.PartsCount]).toEqual([expected, type, piece.length, 3]);
      // The SDK checks the body it reads against the checksum answered.
      const got = await origin.s3.send(new GetObjectCommand({ Bucket, Key, PartNumber, ChecksumMode: 'ENABLED' }));
      expect([got[FIELD[algorithm]], got.ChecksumType]).toEqual([expected, type]);
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(piece)).toBe(true);
    }

    const attrs = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum', 'ObjectParts'] }));
    expect(attrs.Checksum).toEqual({ [FIELD[algorithm]]: whole, ChecksumType: type });
    expect(attrs.ObjectParts?.Parts?.map((p) => [p.PartNumber, p.Size, p[FIELD[algorithm]]])).toEqual(pieces.map((piece, i) => [i + 1, piece.length, checksumBase64(algorithm, piece)]));
  });

  it('an upload without checksums: parts list no checksum, partNumber HEAD none', async () => {
    const Key = 'parts-none';
    // The SDK sends a CRC32 with every part unless told to send checksums only where required.
    const s3 = new S3Client({ endpoint: origin.url, region: 'us-east-1', credentials: origin.credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId: created.UploadId, PartNumber: 1, Body: pieces[2] }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket, Key, PartNumber: 1, ChecksumMode: 'ENABLED' }));
    expect(Object.values(FIELD).map((f) => head[f])).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const attrs = await origin.s3.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['Checksum', 'ObjectParts'] }));
    expect(attrs.Checksum).toBeUndefined();
    expect(attrs.ObjectParts?.Parts).toEqual([{ PartNumber: 1, Size: pieces[2]!.length }]);
  });
});

describe('a part sent twice at once', () => {
  it('the send that finishes last is the part; Complete may list the number again, the last entry naming it', async () => {
    // ceph/s3-tests test_multipart_resend_first_finishes_last.
    const Key = 'resend';
    const { UploadId } = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const first = new PassThrough();
    first.write('AAAA');
    const firstSend = origin.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: first, ContentLength: 8 }));
    const second = await origin.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'BBBBBBBB' }));
    first.end('AAAA');
    const firstDone = await firstSend;
    const Parts = [
      { PartNumber: 1, ETag: second.ETag },
      { PartNumber: 1, ETag: firstDone.ETag },
    ];
    const done = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
    const got = await origin.s3.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('AAAAAAAA');
    expect(got.ETag).toBe(done.ETag);
    expect(got.ETag).toMatch(/-1"$/);
  });
});

/**
 * boto3 as ceph/s3-tests drives it (multipart_checksum_3parts_helper, test_multipart_checksum_sha256):
 * botocore asks GetObject for checksums by default; HeadObject only when told. Prints JSON.
 */
const BOTO3_PARTS = `
import json, sys, boto3
from botocore.exceptions import ClientError
endpoint, akid, secret, bucket, algo, ctype = sys.argv[1:7]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=akid, aws_secret_access_key=secret, region_name='us-east-1')
field = 'Checksum' + algo
key = 'boto3-' + algo
bodies = [c * (5 * 1024 * 1024) for c in (b'A', b'B', b'C')]
up = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm=algo, ChecksumType=ctype)['UploadId']
parts, sums = [], []
for i, body in enumerate(bodies):
    r = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=i + 1, Body=body, ChecksumAlgorithm=algo)
    parts.append({'ETag': r['ETag'].strip('"'), field: r[field], 'PartNumber': i + 1})
    sums.append(r[field])
out = {'parts': sums}
try:
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={'Parts': parts}, **{field: 'bad'})
except ClientError as e:
    out['bad'] = [e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error']['Code']]
done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={'Parts': parts})
out['complete'] = [done.get('ChecksumType'), done.get(field)]
out['head'] = field in s3.head_object(Bucket=bucket, Key=key)
h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode='ENABLED')
out['headMode'] = [h.get('ChecksumType'), h.get(field)]
a = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=['Checksum', 'ObjectParts'])
out['attributes'] = [a['Checksum'].get('ChecksumType'), a['Checksum'].get(field), [p.get(field) for p in a['ObjectParts']['Parts']]]
out['getPart'] = []
for n in (1, 2, 3):
    g = s3.get_object(Bucket=bucket, Key=key, PartNumber=n)
    g['Body'].read()
    out['getPart'].append([g.get('ChecksumType'), g.get(field)])
print(json.dumps(out))
`;

describe.skipIf(!hasBoto3())('boto3: part checksums as ceph/s3-tests asks for them', () => {
  it.each([
    ['CRC32', 'FULL_OBJECT'],
    ['SHA256', 'COMPOSITE'],
  ] as const)('%s %s', async (algorithm, type) => {
    const { accessKeyId, secretAccessKey } = origin.credentials;
    const r = await runCommand('python3', ['-W', 'ignore', '-c', BOTO3_PARTS, origin.url, accessKeyId, secretAccessKey, Bucket, algorithm, type], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { parts: string[]; complete: [string, string] };
    const whole = out.complete[1];
    expect(out.complete[0]).toBe(type);
    expect(out).toMatchObject({
      bad: [400, 'BadDigest'],
      head: false,
      headMode: [type, whole],
      attributes: [type, whole, out.parts],
      getPart: out.parts.map((sum) => [type, sum]),
    });
  });
});
