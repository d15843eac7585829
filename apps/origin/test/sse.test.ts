/**
 * Server-side encryption through the S3 API, with the AWS SDK v3 and the aws CLI against the
 * real origin (docs/encryption.md): SSE-S3, SSE-KMS with the built-in key service, the bucket
 * default, Range and multipart; what sits on disk; and AWS's errors for bad SSE requests.
 * SSE-C needs TLS: its tests are in sse-c.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketEncryptionCommand,
  PutObjectCommand,
  type S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { openKeyService } from '@bucketfront/object-store';
import { anyFileContains, cephCluster, hasAwsCli, makeS3Client, makeTempDir, runAws, testStoreOptions, s3ErrorOf, withExtraHeaders } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const PATTERN = Buffer.from('SSE-KNOWN-PLAINTEXT-PATTERN/');
function patterned(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += PATTERN.length) PATTERN.copy(out, i, 0, Math.min(PATTERN.length, n - i));
  return out;
}
const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

const onFs = process.env['BUCKETFRONT_TEST_STORE'] !== 'ceph';

/** The key service of the origin's store, opened as `bucketfront kms` opens it (another process would). */
function keyServiceOf(origin: TestOrigin): ReturnType<typeof openKeyService> {
  const o = testStoreOptions(origin.dataDir);
  return 'store' in o ? openKeyService(o.store, { credentials: o.storeCredentials, masterKeyFile: o.masterKeyFile }) : openKeyService(`fs:${o.dataDir}`);
}

describe('SSE over the S3 API (SDK v3)', () => {
  let origin: TestOrigin;
  const bucket = 'sse';

  beforeAll(async () => {
    origin = await startTestOrigin();
    await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await origin.stop();
  });

  it('SSE-S3: PUT/GET/HEAD say AES256, the ETag is the MD5 of the plaintext, Range works', async () => {
    const data = patterned(300_000);
    const put = await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'a', Body: data, ServerSideEncryption: 'AES256' }));
    expect(put.ServerSideEncryption).toBe('AES256');
    expect(put.ETag).toBe(`"${md5Hex(data)}"`);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(head.ServerSideEncryption).toBe('AES256');
    expect(head.ContentLength).toBe(data.length);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a' }));
    expect(got.ServerSideEncryption).toBe('AES256');
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    const range = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a', Range: 'bytes=65530-131080' }));
    expect(range.ContentRange).toBe(`bytes 65530-131080/${data.length}`);
    expect(Buffer.from(await range.Body!.transformToByteArray()).equals(data.subarray(65530, 131081))).toBe(true);
    // An object stored without SSE says nothing about encryption.
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: 'x' }));
    expect((await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain' }))).ServerSideEncryption).toBeUndefined();
  });

  it.runIf(onFs)('the bytes on disk contain no plaintext of an SSE object (and do of a plain one)', async () => {
    const marker = Buffer.from(`MARKER-${randomBytes(8).toString('hex')}-`);
    const body = Buffer.concat(Array.from({ length: 2000 }, () => marker));
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'disk-sse', Body: body, ServerSideEncryption: 'AES256' }));
    const found = (needle: Buffer) => anyFileContains(origin.dataDir, needle);
    expect(await found(marker)).toBe(false);
    const plainMarker = Buffer.from(`PLAIN-${randomBytes(8).toString('hex')}-`);
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'disk-plain', Body: Buffer.concat([plainMarker, plainMarker]) }));
    expect(await found(plainMarker)).toBe(true);
  });

  it.runIf(!onFs)('radosgw holds ciphertext; listings still show plaintext sizes and ETags', async () => {
    const ceph = cephCluster()!;
    const marker = Buffer.from(`CEPH-MARKER-${randomBytes(8).toString('hex')}-`);
    const body = Buffer.concat(Array.from({ length: 3000 }, () => marker));
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'rados-sse', Body: body, ServerSideEncryption: 'AES256' }));
    // The bucket on the cluster is ours with the node's prefix (testStoreOptions).
    const prefix = `bf-${createHash('sha256').update(origin.dataDir).digest('hex').slice(0, 12)}-`;
    const raw = makeS3Client(ceph.endpoint, { accessKeyId: ceph.accessKeyId, secretAccessKey: ceph.secretAccessKey });
    try {
      const stored = Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: `${prefix}${bucket}`, Key: 'rados-sse' }))).Body!.transformToByteArray());
      expect(stored.length).toBeGreaterThan(body.length);
      expect(stored.includes(marker)).toBe(false);
    } finally {
      raw.destroy();
    }
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'rados-sse' }));
    expect(listed.Contents?.[0]).toMatchObject({ Key: 'rados-sse', Size: body.length, ETag: `"${md5Hex(body)}"` });
  });

  it('SSE-KMS: the AWS managed key by default, a named key by alias, bucket keys echoed', async () => {
    const dflt = await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms-default', Body: 'hello', ServerSideEncryption: 'aws:kms' }));
    expect(dflt.ServerSideEncryption).toBe('aws:kms');
    expect(dflt.SSEKMSKeyId).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    const svc = await keyServiceOf(origin);
    const key = await svc.keys.createKey({ alias: 'alias/site', description: 'test' });
    const put = await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kms-named', Body: 'named', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/site', BucketKeyEnabled: true }));
    expect(put.SSEKMSKeyId).toBe(key.arn);
    expect(put.BucketKeyEnabled).toBe(true);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms-named' }));
    expect(await got.Body!.transformToString()).toBe('named');
    expect(got.SSEKMSKeyId).toBe(key.arn);
    expect(got.BucketKeyEnabled).toBe(true);
    // Disabled: reads fail with KMS.DisabledException (another process disabled it: the origin sees it within seconds).
    await svc.keys.setKeyState(key.keyId, 'Disabled');
    let err: S3ServiceException | undefined;
    for (let i = 0; i < 50; i++) {
      err = await s3ErrorOf(origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kms-named' }))).catch(() => undefined);
      if (err !== undefined) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(err?.name).toBe('KMS.DisabledException');
    expect(err?.$metadata.httpStatusCode).toBe(400);
    await svc.keys.setKeyState(key.keyId, 'Enabled');
    await svc.close();
  });

  it('bad SSE requests get AWS error codes and store nothing', async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ 'x-amz-server-side-encryption': 'AES512' }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': 'no-such-key' }, 400, 'KMS.NotFoundException'],
      [{ 'x-amz-server-side-encryption-aws-kms-key-id': 'alias/site' }, 400, 'InvalidArgument'],
      [{ 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': 'alias/site' }, 400, 'InvalidArgument'],
      // SSE-C over plain HTTP: refused before anything else, as S3 does.
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': randomBytes(32).toString('base64'),
        },
        400,
        'InvalidRequest',
      ],
    ];
    for (const [i, [headers, status, code]] of cases.entries()) {
      const key = `bad-${i}`;
      const s3 = origin.s3;
      const cmd = withExtraHeaders(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }), headers);
      const err = await s3ErrorOf(s3.send(cmd));
      expect([err.name, err.$metadata.httpStatusCode]).toEqual([code, status]);
      expect(await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })))).toMatchObject({ name: 'NotFound' });
    }
  });

  it('multipart with SSE-S3: parts, Range across parts, copy to SSE-KMS', async () => {
    const up = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ServerSideEncryption: 'AES256' }));
    expect(up.ServerSideEncryption).toBe('AES256');
    const parts = [randomBytes(5 * 1024 * 1024), randomBytes(1234)];
    const done = [];
    for (const [i, p] of parts.entries()) {
      const r = await origin.s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId!, PartNumber: i + 1, Body: p }));
      done.push({ PartNumber: i + 1, ETag: r.ETag! });
    }
    const complete = await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId!, MultipartUpload: { Parts: done } }));
    expect(complete.ServerSideEncryption).toBe('AES256');
    const all = Buffer.concat(parts);
    const r = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', Range: `bytes=${5 * 1024 * 1024 - 10}-${5 * 1024 * 1024 + 10}` }));
    expect(Buffer.from(await r.Body!.transformToByteArray()).equals(all.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 11))).toBe(true);
    const part2 = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', PartNumber: 2 }));
    expect(Buffer.from(await part2.Body!.transformToByteArray()).equals(parts[1]!)).toBe(true);
    const copy = await origin.s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'mp-copy', CopySource: `${bucket}/mp`, ServerSideEncryption: 'aws:kms' }));
    expect(copy.ServerSideEncryption).toBe('aws:kms');
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp-copy' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(all)).toBe(true);
  });

  it('the bucket default encrypts every new object; request headers override it', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'sse-default' }));
    await origin.s3.send(
      new PutBucketEncryptionCommand({ Bucket: 'sse-default', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }),
    );
    const put = await origin.s3.send(new PutObjectCommand({ Bucket: 'sse-default', Key: 'k', Body: 'v' }));
    expect(put.ServerSideEncryption).toBe('aws:kms');
    const overridden = await origin.s3.send(new PutObjectCommand({ Bucket: 'sse-default', Key: 'o', Body: 'v', ServerSideEncryption: 'AES256' }));
    expect(overridden.ServerSideEncryption).toBe('AES256');
    const mp = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket: 'sse-default', Key: 'm' }));
    expect(mp.ServerSideEncryption).toBe('aws:kms');
  });

  it('the website endpoint serves SSE-S3 objects transparently', async () => {
    // (SSE-C objects are refused there: sse-c.test.ts.)
    await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'index.html', Body: '<h1>secret site</h1>', ContentType: 'text/html', ServerSideEncryption: 'AES256' }));
    const web = await startTestOrigin({ dataDir: origin.dataDir, websitePort: true });
    try {
      const { PutBucketWebsiteCommand, PutBucketPolicyCommand } = await import('@aws-sdk/client-s3');
      await web.s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
      await web.s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] }),
        }),
      );
      const res = await request(`${web.websiteUrl}/`, { headers: { host: bucket } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-amz-server-side-encryption']).toBe('AES256');
      expect(await res.body.text()).toBe('<h1>secret site</h1>');
    } finally {
      await web.close();
    }
  });
});

describe.skipIf(!hasAwsCli())('SSE with the aws CLI', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin();
  });
  afterAll(async () => {
    await origin.stop();
  });

  it('cp --sse AES256 and --sse aws:kms --sse-kms-key-id round-trip, multipart included', async () => {
    const dir = await makeTempDir('bf-sse-cli-');
    try {
      const small = patterned(10_000);
      const large = randomBytes(9 * 1024 * 1024); // over the CLI's 8 MiB multipart threshold
      await fsp.writeFile(join(dir.path, 'small'), small);
      await fsp.writeFile(join(dir.path, 'large'), large);
      const aws = (args: string[]) => runAws(args, { endpointUrl: origin.url, credentials: origin.credentials });
      expect((await aws(['s3', 'mb', 's3://cli'])).code).toBe(0);
      const svc = await keyServiceOf(origin);
      const key = await svc.keys.createKey({ alias: 'alias/cli' });
      await svc.close();
      for (const [name, flags] of [
        ['small', ['--sse', 'AES256']],
        ['large', ['--sse', 'AES256']],
        ['small', ['--sse', 'aws:kms', '--sse-kms-key-id', key.keyId]],
        ['large', ['--sse', 'aws:kms', '--sse-kms-key-id', 'alias/cli']],
      ] as const) {
        const target = `s3://cli/${name}-${flags[1]}`;
        const up = await aws(['s3', 'cp', join(dir.path, name), target, ...flags]);
        expect(up.code, up.stderr).toBe(0);
        const head = await aws(['s3api', 'head-object', '--bucket', 'cli', '--key', `${name}-${flags[1]}`]);
        const parsed = JSON.parse(head.stdout) as { ServerSideEncryption: string; SSEKMSKeyId?: string; ContentLength: number };
        expect(parsed.ServerSideEncryption).toBe(flags[1]);
        if (flags[1] === 'aws:kms') expect(parsed.SSEKMSKeyId).toBe(key.arn);
        expect(parsed.ContentLength).toBe(name === 'small' ? small.length : large.length);
        const down = join(dir.path, `${name}.back`);
        expect((await aws(['s3', 'cp', target, down])).code).toBe(0);
        expect((await fsp.readFile(down)).equals(name === 'small' ? small : large)).toBe(true);
      }
      // A ranged read through the CLI.
      const part = join(dir.path, 'range');
      expect((await aws(['s3api', 'get-object', '--bucket', 'cli', '--key', 'large-AES256', '--range', 'bytes=8388600-8388700', part])).code).toBe(0);
      expect((await fsp.readFile(part)).equals(large.subarray(8388600, 8388701))).toBe(true);
    } finally {
      await dir.cleanup();
    }
  });
});
