/**
 * Append (PutObject with x-amz-write-offset-bytes, docs/append.md) through the real origin with
 * the AWS SDK v3 (`WriteOffsetBytes`) and raw signed requests; and crash safety: an origin child
 * process SIGKILLed while a large append streams leaves the old object.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { hasBoto3, makeS3Client, makeTempDir, makeTestCredentials, runCommand } from '@bucketfront/test-support';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { startOriginProcess } from './fixtures/origin-process.js';

const Bucket = 'appends';

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}
let origin: TestOrigin;
let s3: S3Client;

beforeAll(async () => {
  origin = await startTestOrigin();
  s3 = origin.s3;
  await s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

async function text(Key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return got.Body!.transformToString();
}

/** The S3 error code of a failed SDK call (and its HTTP status). */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('PutObject with x-amz-write-offset-bytes (SDK v3 WriteOffsetBytes)', () => {
  it('creates at offset 0, appends at the size, answers x-amz-object-size and a new ETag', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'log.txt', Body: 'line 1\n', ContentType: 'text/plain', WriteOffsetBytes: 0 }));
    expect(first.Size).toBe(7);
    const second = await s3.send(new PutObjectCommand({ Bucket, Key: 'log.txt', Body: 'line 2\n', WriteOffsetBytes: 7 }));
    expect(second.Size).toBe(14);
    expect(second.ETag).not.toBe(first.ETag);
    expect(second.ETag).toMatch(/-2"$/);
    expect(await text('log.txt')).toBe('line 1\nline 2\n');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'log.txt' }));
    expect(head.ContentType).toBe('text/plain');
    expect(head.ETag).toBe(second.ETag);
    // A plain PUT answers no x-amz-object-size.
    const plain = await s3.send(new PutObjectCommand({ Bucket, Key: 'plain', Body: 'x' }));
    expect(plain.Size).toBeUndefined();
  });

  it('a wrong offset is 400 InvalidWriteOffset and changes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'fixed', Body: 'abc' }));
    for (const offset of [0, 2, 4]) {
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'fixed', Body: 'zz', WriteOffsetBytes: offset })))).toEqual({ code: 'InvalidWriteOffset', status: 400 });
    }
    expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'absent', Body: 'zz', WriteOffsetBytes: 3 })))).toEqual({ code: 'InvalidWriteOffset', status: 400 });
    expect(await text('fixed')).toBe('abc');
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'absent' })))).toMatchObject({ status: 404 });
  });

  it('a malformed offset is 400 InvalidArgument, before any write', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'm', Body: 'abc' }));
    for (const raw of ['-1', 'abc', '1.5', '99999999999999999999', '']) {
      const path = `/${Bucket}/m`;
      const headers = signRequest({
        method: 'PUT',
        url: `${origin.url}${path}`,
        headers: { 'x-amz-write-offset-bytes': raw, 'content-length': '2' },
        credentials: origin.credentials,
        region: 'us-east-1',
        service: 's3',
        payloadHash: 'UNSIGNED-PAYLOAD',
      });
      const client = new Client(origin.url);
      const res = await client.request({ method: 'PUT', path, headers: { ...headers, 'x-amz-write-offset-bytes': raw, 'content-length': '2' }, body: 'zz' });
      const body = await res.body.text();
      await client.close();
      expect(res.statusCode, raw).toBe(400);
      expect(body).toContain('<Code>InvalidArgument</Code>');
      expect(body).toContain('<ArgumentName>x-amz-write-offset-bytes</ArgumentName>');
    }
    expect(await text('m')).toBe('abc');
  });

  it('conditional headers apply to an append (If-Match the current ETag, If-None-Match: *)', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'abc' }));
    expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'd', WriteOffsetBytes: 3, IfMatch: '"0123456789abcdef0123456789abcdef"' })))).toMatchObject({
      code: 'PreconditionFailed',
      status: 412,
    });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'd', WriteOffsetBytes: 3, IfNoneMatch: '*' })))).toMatchObject({ code: 'PreconditionFailed' });
    await s3.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'd', WriteOffsetBytes: 3, IfMatch: put.ETag! }));
    expect(await text('cond')).toBe('abcd');
  });

  it('concurrent appends at one offset: exactly one wins, the rest InvalidWriteOffset, nothing torn', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'race', Body: 'base:' }));
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(i % 2 === 0 ? 200_000 + i : 100 + i));
    const results = await Promise.allSettled(bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket, Key: 'race', Body, WriteOffsetBytes: 5 }))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { name: string }).name).toBe('InvalidWriteOffset');
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'race' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([Buffer.from('base:'), bodies[won[0]!]!]))).toBe(true);
  });

  it('100 appends, then a GET and ranges across appended parts', async () => {
    const pieces: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < 100; i++) {
      const piece = randomBytes(i % 30 === 5 ? 80_000 : 50 + i);
      await s3.send(new PutObjectCommand({ Bucket, Key: 'hundred', Body: piece, WriteOffsetBytes: size }));
      pieces.push(piece);
      size += piece.length;
    }
    const whole = Buffer.concat(pieces);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'hundred' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(whole)).toBe(true);
    for (const [a, b] of [
      [0, 10],
      [pieces[0]!.length - 3, pieces[0]!.length + 3],
      [3000, 170_000],
      [whole.length - 100, whole.length - 1],
    ] as const) {
      const r = await s3.send(new GetObjectCommand({ Bucket, Key: 'hundred', Range: `bytes=${a}-${b}` }));
      expect(Buffer.from(await r.Body!.transformToByteArray()).equals(whole.subarray(a, b + 1))).toBe(true);
    }
    // Each append is a part: partNumber GETs address them.
    const part = await s3.send(new GetObjectCommand({ Bucket, Key: 'hundred', PartNumber: 6 }));
    expect(Buffer.from(await part.Body!.transformToByteArray()).equals(pieces[5]!)).toBe(true);
    expect(part.PartsCount).toBe(100);
  });

  it('refuses appends on a bucket encrypting by default (400 InvalidRequest), nothing changed', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'enc-appends' }));
    await s3.send(new PutObjectCommand({ Bucket: 'enc-appends', Key: 'k', Body: 'abc' }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: 'enc-appends',
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      }),
    );
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: 'enc-appends', Key: 'k', Body: 'd', WriteOffsetBytes: 3 })))).toEqual({ code: 'InvalidRequest', status: 400 });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'enc-appends', Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('abc');
  });
});

/** boto3 put_object(WriteOffsetBytes=…): two appends and a wrong offset; prints JSON. */
const BOTO3_APPEND = `
import json, sys, boto3, botocore
endpoint, akid, secret, bucket = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url=endpoint, aws_access_key_id=akid, aws_secret_access_key=secret, region_name='us-east-1')
out = {}
out['first'] = s3.put_object(Bucket=bucket, Key='boto3.log', Body=b'one\\n', WriteOffsetBytes=0).get('Size')
out['second'] = s3.put_object(Bucket=bucket, Key='boto3.log', Body=b'two\\n', WriteOffsetBytes=4).get('Size')
try:
    s3.put_object(Bucket=bucket, Key='boto3.log', Body=b'x', WriteOffsetBytes=3)
except botocore.exceptions.ClientError as e:
    out['wrong'] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
out['body'] = s3.get_object(Bucket=bucket, Key='boto3.log')['Body'].read().decode()
print(json.dumps(out))
`;

describe.skipIf(!hasBoto3())('boto3 put_object(WriteOffsetBytes=…)', () => {
  it('appends, answers Size, and refuses a wrong offset with InvalidWriteOffset', async () => {
    const { accessKeyId, secretAccessKey } = origin.credentials;
    const r = await runCommand('python3', ['-W', 'ignore', '-c', BOTO3_APPEND, origin.url, accessKeyId, secretAccessKey, Bucket], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ first: 4, second: 8, wrong: ['InvalidWriteOffset', 400], body: 'one\ntwo\n' });
  });
});

describe('crash during an append', () => {
  it('SIGKILL while a large append streams: after restart the object is the old one, no leaked data file', async () => {
    const credentials = makeTestCredentials();
    const env = { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const tmp = await makeTempDir('bucketfront-append-crash-');
    const first = await startOriginProcess(tmp.path, env);
    try {
      const c1 = makeS3Client(first.url, credentials);
      await c1.send(new CreateBucketCommand({ Bucket: 'crash' }));
      const old = randomBytes(300_000);
      const put = await c1.send(new PutObjectCommand({ Bucket: 'crash', Key: 'k', Body: old }));
      await c1.send(new PutObjectCommand({ Bucket: 'crash', Key: 'k', Body: randomBytes(1000), WriteOffsetBytes: old.length }));
      const before = await c1.send(new HeadObjectCommand({ Bucket: 'crash', Key: 'k' }));
      const body = randomBytes(4 * 1024 * 1024);
      const path = '/crash/k';
      const headers = signRequest({
        method: 'PUT',
        url: `${first.url}${path}`,
        headers: { 'content-length': String(body.length), 'x-amz-write-offset-bytes': String(before.ContentLength) },
        credentials,
        region: 'us-east-1',
        service: 's3',
        payloadHash: 'UNSIGNED-PAYLOAD',
      });
      let halfway!: () => void;
      const sentHalf = new Promise<void>((r) => (halfway = r));
      async function* stalled(): AsyncGenerator<Buffer> {
        yield body.subarray(0, body.length >> 1);
        halfway();
        await new Promise(() => {}); // never finishes: the process dies first
      }
      const client = new Client(first.url);
      const inflight = client
        .request({
          method: 'PUT',
          path,
          headers: { ...headers, 'content-length': String(body.length), 'x-amz-write-offset-bytes': String(before.ContentLength) },
          body: Readable.from(stalled()),
        })
        .catch(() => undefined);
      await sentHalf;
      // Let the half body reach the server's new segment file before the kill (not a timing assertion).
      await new Promise((r) => setTimeout(r, 300));
      await first.kill();
      c1.destroy();
      void inflight;
      void client.close().catch(() => undefined);

      const second = await startOriginProcess(tmp.path, env);
      try {
        const c2 = makeS3Client(second.url, credentials);
        const after = await c2.send(new HeadObjectCommand({ Bucket: 'crash', Key: 'k' }));
        expect(after.ETag).toBe(before.ETag);
        expect(after.ContentLength).toBe(old.length + 1000);
        const got = await c2.send(new GetObjectCommand({ Bucket: 'crash', Key: 'k' }));
        const bytes = Buffer.from(await got.Body!.transformToByteArray());
        expect(bytes.subarray(0, old.length).equals(old)).toBe(true);
        expect(createHash('md5').update(bytes.subarray(0, old.length)).digest('hex')).toBe(put.ETag!.replace(/"/g, ''));
        // The half-written segment (2 MiB) was removed at recovery.
        expect(await dirBytes(tmp.path)).toBeLessThan(old.length + 1000 + 1024 * 1024);
        // And an append at the same offset works.
        await c2.send(new PutObjectCommand({ Bucket: 'crash', Key: 'k', Body: 'tail', WriteOffsetBytes: old.length + 1000 }));
        c2.destroy();
      } finally {
        await second.kill();
      }
    } finally {
      await tmp.cleanup();
    }
  }, 120_000);
});
