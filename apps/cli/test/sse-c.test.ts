/**
 * SSE-C (customer-provided keys) over HTTPS, as S3 requires, with the AWS SDK v3 and the aws CLI
 * (`--sse-c`) against the real origin (docs/encryption.md#requests): round trips with Range and
 * multipart, copies with the copy-source key, AWS's errors for a missing, wrong or malformed key
 * (nothing stored), the key never stored, and the website endpoint refusing SSE-C objects.
 * Lives with the CLI's suites because the certificates come from the dev CA code (src/dev/local-ca.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startOrigin, type RunningOrigin } from '@bucketfront/origin';
import { awsEnv, hasAwsCli, hasBoto3, makeTempDir, makeTestCredentials, runCommand, type TempDir, type TestCredentials, s3ErrorOf, withExtraHeaders } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicReadPolicy } from '../src/dev/run-dev.js';
import { makeTestPki, type TestPki } from './tls-fixtures.js';

let tmp: TempDir;
let pki: TestPki;
let credentials: TestCredentials;
let origin: RunningOrigin;
let s3: S3Client;
let agent: https.Agent;
const bucket = 'ssec';

function customerKey(): { SSECustomerAlgorithm: 'AES256'; SSECustomerKey: string; SSECustomerKeyMD5: string; raw: Buffer } {
  const raw = randomBytes(32);
  return { SSECustomerAlgorithm: 'AES256', SSECustomerKey: raw.toString('base64'), SSECustomerKeyMD5: createHash('md5').update(raw).digest('base64'), raw };
}
const sse = (k: ReturnType<typeof customerKey>) => ({ SSECustomerAlgorithm: k.SSECustomerAlgorithm, SSECustomerKey: k.SSECustomerKey, SSECustomerKeyMD5: k.SSECustomerKeyMD5 });

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-ssec-');
  pki = makeTestPki(tmp.path);
  credentials = makeTestCredentials();
  origin = await startOrigin({
    dataDir: join(tmp.path, 'data'),
    port: 0,
    websitePort: 0,
    host: '127.0.0.1',
    credentials,
    accessLog: false,
    tls: { certFile: pki.certFile, keyFile: pki.keyFile },
  });
  agent = new https.Agent({ ca: readFileSync(pki.caFile) });
  s3 = new S3Client({ endpoint: origin.url, region: 'us-east-1', forcePathStyle: true, credentials, requestHandler: new NodeHttpHandler({ httpsAgent: agent }) });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  s3?.destroy();
  agent?.destroy();
  await origin?.close();
  await tmp?.cleanup();
});

describe('SSE-C over HTTPS (SDK v3)', () => {
  it('round trip, HEAD and Range need the key; another key is 403; no key is 400', async () => {
    const k = customerKey();
    const data = randomBytes(200_000);
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'obj', Body: data, ...sse(k) }));
    expect(put.SSECustomerAlgorithm).toBe('AES256');
    expect(put.SSECustomerKeyMD5).toBe(k.SSECustomerKeyMD5);
    expect(put.ServerSideEncryption).toBeUndefined();
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj', ...sse(k) }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    expect(got.SSECustomerKeyMD5).toBe(k.SSECustomerKeyMD5);
    const range = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj', Range: 'bytes=100000-165600', ...sse(k) }));
    expect(Buffer.from(await range.Body!.transformToByteArray()).equals(data.subarray(100_000, 165_601))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'obj', ...sse(k) }));
    expect(head.ContentLength).toBe(data.length);
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj' })))).$metadata.httpStatusCode).toBe(400);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'obj' })))).$metadata.httpStatusCode).toBe(400);
    const wrong = customerKey();
    const denied = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'obj', ...sse(wrong) })));
    expect([denied.name, denied.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'obj', ...sse(wrong) })))).$metadata.httpStatusCode).toBe(403);
    // The key is never stored: neither raw nor base64 anywhere under the data directory.
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await fsp.readdir(d, { withFileTypes: true })) e.isDirectory() ? await walk(join(d, e.name)) : files.push(join(d, e.name));
    };
    await walk(join(tmp.path, 'data'));
    for (const f of files) {
      const bytes = await fsp.readFile(f);
      expect(bytes.includes(k.raw)).toBe(false);
      expect(bytes.includes(Buffer.from(k.SSECustomerKey))).toBe(false);
    }
  });

  it('bad SSE-C requests: AWS codes and statuses, nothing stored', async () => {
    const k = customerKey();
    const cases: [Record<string, string>, string][] = [
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key': k.SSECustomerKey }, 'InvalidArgument'], // no key MD5
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': k.SSECustomerKey,
          'x-amz-server-side-encryption-customer-key-md5': 'AAAAAAAAAAAAAAAAAAAAAA==',
        },
        'InvalidArgument',
      ],
      [{ 'x-amz-server-side-encryption-customer-algorithm': 'AES256', 'x-amz-server-side-encryption-customer-key-md5': k.SSECustomerKeyMD5 }, 'InvalidArgument'], // no key
      [{ 'x-amz-server-side-encryption-customer-key': k.SSECustomerKey, 'x-amz-server-side-encryption-customer-key-md5': k.SSECustomerKeyMD5 }, 'InvalidArgument'], // no algorithm
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': 'c2hvcnQ=',
          'x-amz-server-side-encryption-customer-key-md5': createHash('md5').update('short').digest('base64'),
        },
        'InvalidArgument',
      ],
      [
        {
          'x-amz-server-side-encryption-customer-algorithm': 'AES128',
          'x-amz-server-side-encryption-customer-key': k.SSECustomerKey,
          'x-amz-server-side-encryption-customer-key-md5': k.SSECustomerKeyMD5,
        },
        'InvalidEncryptionAlgorithmError',
      ],
      [
        {
          'x-amz-server-side-encryption': 'AES256',
          'x-amz-server-side-encryption-customer-algorithm': 'AES256',
          'x-amz-server-side-encryption-customer-key': k.SSECustomerKey,
          'x-amz-server-side-encryption-customer-key-md5': k.SSECustomerKeyMD5,
        },
        'InvalidArgument',
      ],
    ];
    for (const [i, [headers, code]] of cases.entries()) {
      const cmd = withExtraHeaders(new PutObjectCommand({ Bucket: bucket, Key: `bad-${i}`, Body: 'x' }), headers);
      const err = await s3ErrorOf(s3.send(cmd));
      expect([i, err.name, err.$metadata.httpStatusCode]).toEqual([i, code, 400]);
      expect((await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `bad-${i}` })))).$metadata.httpStatusCode).toBe(404);
    }
  });

  it('multipart with SSE-C: every part needs the key; UploadPartCopy and CopyObject take the copy-source key', async () => {
    const k = customerKey();
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp', ...sse(k) }));
    expect(up.SSECustomerAlgorithm).toBe('AES256');
    const p1 = randomBytes(5 * 1024 * 1024);
    const p2 = randomBytes(4321);
    // A part without the key, or with another one, is refused.
    expect((await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId!, PartNumber: 1, Body: p1 })))).$metadata.httpStatusCode).toBe(400);
    expect((await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId!, PartNumber: 1, Body: p1, ...sse(customerKey()) })))).$metadata.httpStatusCode).toBe(403);
    const r1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId!, PartNumber: 1, Body: p1, ...sse(k) }));
    expect(r1.SSECustomerKeyMD5).toBe(k.SSECustomerKeyMD5);
    // Part 2 copied from an SSE-C source object with its own key.
    const srcKey = customerKey();
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'src', Body: p2, ...sse(srcKey) }));
    const r2 = await s3.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: 'mp',
        UploadId: up.UploadId!,
        PartNumber: 2,
        CopySource: `${bucket}/src`,
        ...sse(k),
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: srcKey.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: srcKey.SSECustomerKeyMD5,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'mp',
        UploadId: up.UploadId!,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: r1.ETag! },
            { PartNumber: 2, ETag: r2.CopyPartResult!.ETag! },
          ],
        },
      }),
    );
    const all = Buffer.concat([p1, p2]);
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', ...sse(k) }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(all)).toBe(true);
    const across = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp', Range: `bytes=${p1.length - 5}-${p1.length + 5}`, ...sse(k) }));
    expect(Buffer.from(await across.Body!.transformToByteArray()).equals(all.subarray(p1.length - 5, p1.length + 6))).toBe(true);
    // CopyObject SSE-C → SSE-S3 with the source's key.
    const copy = await s3.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: 'mp-s3',
        CopySource: `${bucket}/mp`,
        ServerSideEncryption: 'AES256',
        CopySourceSSECustomerAlgorithm: 'AES256',
        CopySourceSSECustomerKey: k.SSECustomerKey,
        CopySourceSSECustomerKeyMD5: k.SSECustomerKeyMD5,
      }),
    );
    expect(copy.ServerSideEncryption).toBe('AES256');
    const plain = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'mp-s3' }));
    expect(Buffer.from(await plain.Body!.transformToByteArray()).equals(all)).toBe(true);
    // Without the source key the copy is refused.
    expect((await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'nope', CopySource: `${bucket}/mp` })))).$metadata.httpStatusCode).toBe(400);
  });

  it('an 8 MiB part sent with the wrong key gets its 403, not a reset connection (the unread body is drained)', async () => {
    const k = customerKey();
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'linger', ...sse(k) }));
    const body = randomBytes(8 * 1024 * 1024);
    for (let i = 0; i < 3; i++) {
      const err = await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'linger', UploadId: up.UploadId!, PartNumber: 1, Body: body, ...sse(customerKey()) })));
      expect([err.name, err.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
      const missing = await s3ErrorOf(s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'linger', UploadId: up.UploadId!, PartNumber: 1, Body: body })));
      expect(missing.$metadata.httpStatusCode).toBe(400);
    }
  });

  it('the website endpoint refuses SSE-C objects and serves SSE-S3 ones', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'ssec-site' }));
    await s3.send(new PutBucketWebsiteCommand({ Bucket: 'ssec-site', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'ssec-site', Policy: publicReadPolicy('ssec-site') }));
    await s3.send(new PutObjectCommand({ Bucket: 'ssec-site', Key: 'index.html', Body: 'open', ContentType: 'text/html', ServerSideEncryption: 'AES256' }));
    await s3.send(new PutObjectCommand({ Bucket: 'ssec-site', Key: 'secret.html', Body: 'closed', ContentType: 'text/html', ...sse(customerKey()) }));
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get(`${origin.websiteUrl}${path}`, { agent, headers: { host: 'ssec-site' }, servername: 'localhost' }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    expect(await get('/')).toEqual({ status: 200, body: 'open' });
    const refused = await get('/secret.html');
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('InvalidRequest');
    expect(refused.body).not.toContain('closed');
  });
});

describe.skipIf(!hasAwsCli())('SSE-C with the aws CLI (--sse-c)', () => {
  it('cp --sse-c AES256 --sse-c-key round-trips over HTTPS, multipart included; a wrong key fails', async () => {
    const dir = await makeTempDir('bf-ssec-cli-');
    try {
      const key = randomBytes(32);
      const keyFile = join(dir.path, 'key.bin');
      await fsp.writeFile(keyFile, key);
      const large = randomBytes(9 * 1024 * 1024);
      await fsp.writeFile(join(dir.path, 'large'), large);
      const aws = (args: string[]) => runCommand('aws', [...args, '--endpoint-url', origin.url, '--ca-bundle', pki.caFile], { env: awsEnv(credentials) });
      const up = await aws(['s3', 'cp', join(dir.path, 'large'), `s3://${bucket}/cli-large`, '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`]);
      expect(up.code, up.stderr).toBe(0);
      const down = join(dir.path, 'back');
      const get = await aws(['s3', 'cp', `s3://${bucket}/cli-large`, down, '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`]);
      expect(get.code, get.stderr).toBe(0);
      expect((await fsp.readFile(down)).equals(large)).toBe(true);
      await fsp.writeFile(keyFile, randomBytes(32));
      const wrong = await aws(['s3', 'cp', `s3://${bucket}/cli-large`, join(dir.path, 'wrong'), '--sse-c', 'AES256', '--sse-c-key', `fileb://${keyFile}`]);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toMatch(/403|Forbidden|AccessDenied/);
    } finally {
      await dir.cleanup();
    }
  });
});

describe.skipIf(!hasBoto3())('an early answer reaches a client still sending its body (boto3, no Expect: 100-continue)', () => {
  it('UploadPart of 8 MiB with the wrong SSE-C key: botocore reads AccessDenied, not a broken connection', async () => {
    const k = customerKey();
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'boto-linger', ...sse(k) }));
    const script = [
      'import boto3, os, sys',
      'from botocore.config import Config',
      "c = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3], region_name='us-east-1', verify=sys.argv[4], config=Config(retries={'max_attempts': 1}))",
      'for i in range(3):',
      '    try:',
      "        c.upload_part(Bucket=sys.argv[5], Key='boto-linger', UploadId=sys.argv[6], PartNumber=1, Body=b'B' * 8 * 1024 * 1024, SSECustomerAlgorithm='AES256', SSECustomerKey=os.urandom(32))",
      "        print('stored')",
      '    except Exception as e:',
      "        print(getattr(e, 'response', {}).get('Error', {}).get('Code') or type(e).__name__)",
    ].join('\n');
    const r = await runCommand('python3', ['-W', 'ignore', '-c', script, origin.url, credentials.accessKeyId, credentials.secretAccessKey, pki.caFile, bucket, up.UploadId!], { timeoutMs: 60_000 });
    expect(r.stdout.trim().split('\n'), r.stderr).toEqual(['AccessDenied', 'AccessDenied', 'AccessDenied']);
  });
});
