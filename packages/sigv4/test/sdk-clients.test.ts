/**
 * Real AWS SDK v3 clients against a node:http server running verifyRequest +
 * createPayloadDecoder (see verifier-server.ts).
 */
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumBase64, presignUrl, signRequest } from '@bucketfront/sigv4';
import { startVerifierServer, startWithScratchDir, stopWithScratchDir, type Recorded, type VerifierServer } from './verifier-server.js';

const CREDS = { accessKeyId: 'AKIDSIGV4TEST', secretAccessKey: 'sigv4-test-secret/with+chars' };
const SECRETS = { [CREDS.accessKeyId]: CREDS.secretAccessKey };
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

function s3Client(url: string, secret = CREDS.secretAccessKey): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: CREDS.accessKeyId, secretAccessKey: secret },
    maxAttempts: 1,
  });
}

/** The error a call fails with (the test fails if it succeeds). */
async function failure(p: Promise<unknown>): Promise<{ name: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as { name: string; $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

const last = (s: VerifierServer): Recorded => s.requests[s.requests.length - 1] as Recorded;

describe('@aws-sdk/client-s3 against verifyRequest + createPayloadDecoder', () => {
  let server: VerifierServer;
  let dir: string;
  beforeAll(async () => {
    ({ server, dir } = await startWithScratchDir(SECRETS, 'sigv4-test-'));
  });
  afterAll(() => stopWithScratchDir(server, dir));

  it('PutObject with a string body: hex sha256 payload + x-amz-checksum-crc32 header', async () => {
    const body = 'hello from the JS SDK ✓';
    await s3Client(server.url).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/a key+with (chars)!.txt', Body: body }));
    const r = last(server);
    expect(r).toMatchObject({ outcome: 'signed', accessKeyId: CREDS.accessKeyId, via: 'header', payload: 'sha256' });
    expect(r.bodySha256).toBe(sha(body));
    expect(r.checksum).toEqual({ algorithm: 'CRC32', value: checksumBase64('CRC32', Buffer.from(body)) });
  });

  it('PutObject with a file stream: aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER with a crc32 trailer', async () => {
    const data = Buffer.alloc(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    const file = join(dir, 'upload.bin');
    writeFileSync(file, data);
    await s3Client(server.url).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'stream.bin', Body: createReadStream(file), ContentLength: data.length }));
    const r = last(server);
    expect(r.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(r).toMatchObject({ outcome: 'signed', payload: 'streaming-unsigned-trailer', decodedLength: data.length });
    expect(r.bodySha256).toBe(sha(data));
    expect(r.checksum).toEqual({ algorithm: 'CRC32', value: checksumBase64('CRC32', data) });
  });

  it('PutObject with a Readable.from body and ContentLength: aws-chunked too', async () => {
    const parts = [Buffer.alloc(70_000, 1), Buffer.alloc(1, 2), Buffer.alloc(100_000, 3)];
    const data = Buffer.concat(parts);
    await s3Client(server.url).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'readable.bin', Body: Readable.from(parts), ContentLength: data.length }));
    expect(last(server)).toMatchObject({ outcome: 'signed', decodedLength: data.length, bodySha256: sha(data) });
    expect(last(server).checksum?.value).toBe(checksumBase64('CRC32', data));
  });

  it('@aws-sdk/lib-storage Upload of a small body', async () => {
    await new Upload({ client: s3Client(server.url), params: { Bucket: 'bucket', Key: 'lib-storage.txt', Body: 'small upload' } }).done();
    expect(last(server)).toMatchObject({ outcome: 'signed', method: 'PUT', bodySha256: sha('small upload') });
  });

  it('PutObject with ChecksumAlgorithm CRC64NVME / SHA256 verifies those checksums', async () => {
    for (const alg of ['CRC64NVME', 'SHA256', 'CRC32C'] as const) {
      const body = `body for ${alg}`;
      await s3Client(server.url).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: body, ChecksumAlgorithm: alg }));
      expect(last(server).checksum).toEqual({ algorithm: alg, value: checksumBase64(alg, Buffer.from(body)) });
    }
  });

  it('a wrong secret → SignatureDoesNotMatch (403) with S3 detail', async () => {
    const err = await failure(s3Client(server.url, 'not-the-secret').send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: 'x' })));
    expect(err).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    expect(last(server).error?.detail).toMatchObject({ AWSAccessKeyId: CREDS.accessKeyId, SignatureProvided: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(last(server).error?.detail?.StringToSign).toMatch(/^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/);
  });

  it('an unknown access key → InvalidAccessKeyId (403)', async () => {
    const client = new S3Client({
      endpoint: server.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    const err = await failure(client.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' })));
    expect(err.name).toBe('InvalidAccessKeyId');
  });

  it('presigned GET (s3-request-presigner): valid, tampered, expired', async () => {
    const client = s3Client(server.url);
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bucket', Key: 'photos/a b.jpg' }), { expiresIn: 300 });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ outcome: 'signed', via: 'presigned', payload: 'unsigned' });

    const tampered = await fetch(url.replace('photos/', 'photoz/'));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    const old = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3600_000),
    });
    const expired = await fetch(old);
    expect(expired.status).toBe(403);
    const text = await expired.text();
    expect(text).toContain('<Code>AccessDenied</Code>');
    expect(text).toContain('<Message>Request has expired</Message>');
  });

  it('presigned PUT (s3-request-presigner) uploaded with fetch: UNSIGNED-PAYLOAD', async () => {
    const url = await getSignedUrl(s3Client(server.url), new PutObjectCommand({ Bucket: 'bucket', Key: 'up.txt' }), { expiresIn: 300 });
    const res = await fetch(url, { method: 'PUT', body: 'presigned body' });
    expect(res.status).toBe(200);
    expect(last(server)).toMatchObject({ via: 'presigned', payload: 'unsigned', bodySha256: sha('presigned body') });
  });

  it('clock skew over 15 minutes → RequestTimeTooSkewed with S3 detail', async () => {
    const skewed = await startVerifierServer({ service: 's3', secrets: SECRETS, clockOffsetMs: 20 * 60_000 });
    try {
      const err = await failure(s3Client(skewed.url).send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' })));
      expect(err.name).toBe('RequestTimeTooSkewed');
      expect(last(skewed).error?.detail).toMatchObject({ MaxAllowedSkewMilliseconds: '900000' });
    } finally {
      await skewed.close();
    }
  });

  it('our own signRequest and presignUrl are accepted', async () => {
    const body = 'signed by @bucketfront/sigv4';
    const url = `${server.url}/bucket/own%20key.txt?x-id=PutObject`;
    const headers = signRequest({ method: 'PUT', url, body, credentials: CREDS, region: 'us-east-1', service: 's3' });
    const res = await fetch(url, { method: 'PUT', body, headers });
    expect(res.status).toBe(200);
    expect(last(server)).toMatchObject({ via: 'header', payload: 'sha256', bodySha256: sha(body) });

    const presigned = presignUrl({ method: 'GET', url: `${server.url}/bucket/k?versionId=1`, credentials: CREDS, region: 'us-east-1', service: 's3', expiresIn: 60 });
    expect((await fetch(presigned)).status).toBe(200);
    expect(last(server)).toMatchObject({ via: 'presigned' });
  });

  it('a body that does not match x-amz-content-sha256 → XAmzContentSHA256Mismatch', async () => {
    const url = `${server.url}/bucket/k`;
    const headers = signRequest({ method: 'PUT', url, body: 'the signed body', credentials: CREDS, region: 'us-east-1', service: 's3' });
    const res = await fetch(url, { method: 'PUT', body: 'another body!!!', headers });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>XAmzContentSHA256Mismatch</Code>');
  });

  it('header auth without x-amz-content-sha256 → 400 InvalidRequest', async () => {
    const url = `${server.url}/bucket/k`;
    const headers = signRequest({ method: 'GET', url, credentials: CREDS, region: 'us-east-1', service: 's3' });
    delete headers['x-amz-content-sha256'];
    const res = await fetch(url, { headers });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Missing required header for this request: x-amz-content-sha256');
  });
});

describe('@aws-sdk/client-cloudfront CreateInvalidation verified for service "cloudfront"', () => {
  let server: VerifierServer;
  beforeAll(async () => {
    server = await startVerifierServer({ service: 'cloudfront', secrets: SECRETS });
  });
  afterAll(() => server.close());

  const client = (secret = CREDS.secretAccessKey): CloudFrontClient =>
    new CloudFrontClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: CREDS.accessKeyId, secretAccessKey: secret },
      maxAttempts: 1,
    });
  const input = {
    DistributionId: 'EDFDVBD6EXAMPLE',
    InvalidationBatch: { CallerReference: 'ref-1', Paths: { Quantity: 2, Items: ['/index.html', '/img/*'] } },
  };

  it('is accepted with payloadSha256Hex', async () => {
    const out = await client().send(new CreateInvalidationCommand(input));
    expect(out.Invalidation?.Status).toBe('Completed');
    expect(last(server)).toMatchObject({ outcome: 'signed', accessKeyId: CREDS.accessKeyId, method: 'POST' });
    expect(last(server).path).toBe('/2020-05-31/distribution/EDFDVBD6EXAMPLE/invalidation');
  });

  it('a wrong secret → SignatureDoesNotMatch', async () => {
    const err = await failure(client('wrong').send(new CreateInvalidationCommand(input)));
    expect(err.name).toBe('SignatureDoesNotMatch');
  });

  it('our signRequest for the edge peer fan-out is accepted', async () => {
    const url = `${server.url}/2020-05-31/distribution/D1/invalidation`;
    const body = '<InvalidationBatch/>';
    const headers = signRequest({ method: 'POST', url, body, headers: { 'content-type': 'text/xml' }, credentials: CREDS, region: 'us-east-1', service: 'cloudfront' });
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers } });
    expect(res.status).toBe(201);
  });
});
