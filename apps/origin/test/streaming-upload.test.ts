/**
 * Signed aws-chunked uploads over real HTTP (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]),
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: what the SDKs and
 * other clients send with chunk signatures. Bodies come from our own encoder; a tampered
 * chunk must be refused with nothing stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createChecksum, encodeAwsChunked, signRequestDetailed } from '@bucketfront/sigv4';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let origin: TestOrigin;
beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'chunks' }));
});
afterAll(() => origin?.stop());

/** Signs and sends a streaming PUT; `tamper` may alter the encoded body after signing. */
async function streamingPut(key: string, data: Buffer, opts: { trailer?: boolean; tamper?: (body: Buffer) => void } = {}) {
  const url = `${origin.url}/chunks/${key}`;
  const mode = opts.trailer ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
  const headers: Record<string, string> = {
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(data.length),
    ...(opts.trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32' } : {}),
  };
  const detail = signRequestDetailed({ method: 'PUT', url, headers, credentials: origin.credentials, region: 'us-east-1', service: 's3', payloadHash: mode });
  const chunks = [data.subarray(0, 65_536), data.subarray(65_536, 100_000), data.subarray(100_000)];
  const crc = createChecksum('CRC32').update(data).digestBase64();
  const body = encodeAwsChunked(chunks, {
    signing: detail.context,
    ...(opts.trailer ? { trailers: [['x-amz-checksum-crc32', crc] as [string, string]] } : {}),
  });
  opts.tamper?.(body);
  const res = await request(url, { method: 'PUT', headers: { ...headers, ...detail.headers, 'content-length': String(body.length) }, body });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text(), crc };
}

const md5 = (b: Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;

describe('signed aws-chunked PutObject over HTTP', () => {
  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD: stored byte for byte, ETag is the MD5 of the decoded body', async () => {
    const data = randomBytes(150_000);
    const r = await streamingPut('plain', data);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.etag).toBe(md5(data));
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: 'chunks', Key: 'plain' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    // aws-chunked is a transfer framing, not a stored Content-Encoding
    expect(got.ContentEncoding).toBeUndefined();
  });

  it('…-TRAILER with a signed x-amz-checksum-crc32 trailer: checksum verified and kept', async () => {
    const data = randomBytes(120_000);
    const r = await streamingPut('trailer', data, { trailer: true });
    expect(r.status, r.text).toBe(200);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: 'chunks', Key: 'trailer', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumCRC32).toBe(r.crc);
    expect(head.ContentLength).toBe(data.length);
  });

  it('a byte changed in a signed chunk: 403 SignatureDoesNotMatch, nothing stored', async () => {
    const data = randomBytes(150_000);
    const r = await streamingPut('tampered', data, {
      tamper: (body) => {
        const at = body.indexOf('\r\n') + 2 + 1000; // inside the first chunk's data
        body[at] = body[at]! ^ 0xff;
      },
    });
    expect(r.status).toBe(403);
    expect(r.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expect(origin.s3.send(new HeadObjectCommand({ Bucket: 'chunks', Key: 'tampered' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
