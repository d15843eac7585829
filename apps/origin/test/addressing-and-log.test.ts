/**
 * Host handling at the front of the API port, and the access log: one structured line per
 * request, website requests and parser rejections included.
 */
import { PassThrough } from 'node:stream';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createJsonLineSink, startOrigin, type AccessLogEntry } from '@bucketfront/origin';
import { makeS3Client, makeTempDir, makeTestCredentials, rawRequest, statusOf, type TempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const credentials = makeTestCredentials();
let tmp: TempDir;
let origin: Awaited<ReturnType<typeof startOrigin>>;
const entries: AccessLogEntry[] = [];
const INDEX = '<html><body>home</body></html>\n';

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-addressing-');
  origin = await startOrigin({ dataDir: tmp.path, port: 0, credentials, accessLog: (e) => entries.push(e) });
  const s3 = makeS3Client(origin.url, credentials);
  await s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  await s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'index.html', Body: INDEX, ContentType: 'text/html' }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: 'site', WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: 'site',
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::site/*' }] }),
    }),
  );
  s3.destroy();
});
afterAll(async () => {
  await origin?.close();
  await tmp?.cleanup();
});

/** Log lines arrive when the response closes: wait for the one with this request id. */
async function entryFor(requestId: string | undefined): Promise<AccessLogEntry> {
  for (let i = 0; i < 100; i++) {
    const e = entries.find((x) => x.requestId === requestId);
    if (e) return e;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no access-log entry for ${requestId}`);
}

describe('website hosts on the API port', () => {
  it('match case-insensitively (RFC 9110 §4.2.3): an upper-case Host gets the website, not the S3 API', async () => {
    const res = await request(`${origin.url}/`, { headers: { host: 'SITE.S3-WEBSITE-US-EAST-1.LOCALHOST' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html');
    expect(await res.body.text()).toBe(INDEX);
  });
});

describe('/_bucketfront/ endpoints', () => {
  it('answer path-style requests only: a virtual-hosted bucket may hold the key _bucketfront/health', async () => {
    const health = await request(`${origin.url}/_bucketfront/health`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: 'ok' });

    const s3 = makeS3Client(origin.url, credentials);
    await s3.send(new PutObjectCommand({ Bucket: 'site', Key: '_bucketfront/health', Body: 'an object' }));
    s3.destroy();
    // Virtual-hosted addressing (BUCKET.s3.DOMAIN) names the bucket in the Host; the policy makes site/* public.
    const raw = await rawRequest(origin.port, 'GET /_bucketfront/health HTTP/1.1\r\nHost: site.s3.localhost\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(200);
    expect(raw.endsWith('\r\n\r\nan object')).toBe(true);
  });
});

describe('access log', () => {
  it('writes one JSON line per request to the sink (default: stdout, batched per tick)', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
    const sink = createJsonLineSink(out);
    const e: AccessLogEntry = { time: 't', requestId: 'R1', remote: '127.0.0.1', method: 'GET', path: '/', operation: 'ListBuckets', status: 200, bytesIn: 0, bytesOut: 5, durationMs: 1 };
    sink(e);
    sink({ ...e, requestId: 'R2' });
    await new Promise((r) => setImmediate(r));
    const lines = chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AccessLogEntry);
    expect(lines.map((l) => l.requestId)).toEqual(['R1', 'R2']);
  });

  it('logs website requests with their bucket and the bytes sent', async () => {
    const res = await request(`${origin.url}/`, { headers: { host: 'site.s3-website-us-east-1.localhost' } });
    const body = await res.body.text();
    const e = await entryFor(res.headers['x-amz-request-id'] as string);
    expect(e).toMatchObject({ operation: 'Website', bucket: 'site', status: 200, method: 'GET', path: '/' });
    expect(e.bytesOut).toBeGreaterThan(Buffer.byteLength(body)); // status line + headers + body
  });

  it('logs requests the HTTP parser refused (conflicting Content-Length / Transfer-Encoding)', async () => {
    const raw = await rawRequest(origin.port, 'PUT /site/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    const id = /x-amz-request-id: (\S+)/i.exec(raw)?.[1];
    const e = await entryFor(id);
    expect(e).toMatchObject({ operation: 'InvalidRequest', status: 400 });
  });
});
