/**
 * Issue 18, item 5 — bounded resources at the origin: a trickling upload cannot hold a
 * socket, and the website index-document redirect is never protocol-relative.
 */
import { connect } from 'node:net';
import { CreateBucketCommand, HeadObjectCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin, type RunningOrigin } from '@bucketfront/origin';
import { signRequest } from '@bucketfront/sigv4';
import { makeTempDir, makeTestCredentials, type TempDir } from '@bucketfront/test-support';

const BUCKET = 'uploads';
const WEBSITE_BUCKET = 'web';
let temp: TempDir;
let origin: RunningOrigin;
let s3: S3Client;
const credentials = makeTestCredentials();

beforeAll(async () => {
  temp = await makeTempDir('bucketfront-resources-');
  // A tight bound so the test runs in seconds: 1 KiB in every 1 s window.
  origin = await startOrigin({ dataDir: temp.path, port: 0, host: '127.0.0.1', credentials, websitePort: 0, accessLog: false, minBodyRate: { bytes: 1024, windowMs: 1000 } });
  s3 = new S3Client({ endpoint: origin.url, region: 'us-east-1', credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: WEBSITE_BUCKET }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: WEBSITE_BUCKET, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  const Policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${WEBSITE_BUCKET}/*` }],
  });
  await s3.send(new PutBucketPolicyCommand({ Bucket: WEBSITE_BUCKET, Policy }));
  // Keys that make `//evil.example/dir` a directory with an index document.
  await s3.send(new PutObjectCommand({ Bucket: WEBSITE_BUCKET, Key: '/evil.example/dir/index.html', Body: 'dir index', ContentType: 'text/html' }));
  await s3.send(new PutObjectCommand({ Bucket: WEBSITE_BUCKET, Key: 'docs/index.html', Body: 'docs', ContentType: 'text/html' }));
});
afterAll(async () => {
  s3?.destroy();
  await origin?.close();
  await temp?.cleanup();
});

/** Sends a signed PUT's head and then its body a few bytes at a time; returns the raw answer. */
function tricklePut(key: string, body: Buffer, bytesPerTick: number, tickMs: number): Promise<{ raw: string; elapsedMs: number }> {
  const url = `${origin.url}/${BUCKET}/${key}`;
  const headers = signRequest({ method: 'PUT', url, body, credentials, region: 'us-east-1', service: 's3' });
  const { port } = new URL(origin.url);
  const head =
    `PUT /${BUCKET}/${key} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: ${body.length}\r\n` +
    Object.entries(headers).filter(([n]) => n !== 'host').map(([n, v]) => `${n}: ${v}\r\n`).join('') +
    '\r\n';
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      clearInterval(timer);
      socket.destroy();
      resolve({ raw, elapsedMs: Date.now() - started });
    };
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= body.length || socket.destroyed) return;
        socket.write(body.subarray(sent, sent + bytesPerTick));
        sent += bytesPerTick;
      }, tickMs);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      raw += d;
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (err) => (raw === '' ? reject(err) : finish()));
    // The bound under test is 1 s; 20 s is "held far too long".
    setTimeout(finish, 20_000).unref();
  });
}

async function headStatus(Bucket: string, Key: string): Promise<number> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket, Key }));
    return 200;
  } catch (err) {
    return (err as S3ServiceException).$metadata.httpStatusCode ?? 0;
  }
}

describe('a trickling upload cannot hold a socket', () => {
  it('a PUT body at 10 bytes per second is answered 400 RequestTimeout, the connection closed, nothing stored', async () => {
    const body = Buffer.alloc(4096, 'a');
    const { raw } = await tricklePut('trickle.bin', body, 10, 1000);
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('<Code>RequestTimeout</Code>');
    expect(raw).toContain(
      '<Message>Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.</Message>',
    );
    expect(raw.toLowerCase()).toContain('connection: close');
    expect(await headStatus(BUCKET, 'trickle.bin')).toBe(404);
    // The server keeps serving.
    const ok = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'after.txt', Body: 'ok' }));
    expect(ok.ETag).toBeDefined();
  });

  it('a body above the rate is accepted (4 KiB per 100 ms window against a 1 KiB/s bound)', async () => {
    const body = Buffer.alloc(16 * 1024, 'b');
    const { raw } = await tricklePut('steady.bin', body, 4096, 100);
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(await headStatus(BUCKET, 'steady.bin')).toBe(200);
  });
});

describe('the website index-document redirect is never protocol-relative', () => {
  async function websiteGet(path: string): Promise<{ status: number; location: string | undefined }> {
    const { port } = new URL(origin.websiteUrl!);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${WEBSITE_BUCKET}.s3-website-us-east-1.localhost\r\nConnection: close\r\n\r\n`));
      socket.on('data', (d: string) => (raw += d));
      socket.on('end', () => {
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
        const location = /\r\nlocation: ([^\r]*)\r\n/i.exec(raw)?.[1];
        resolve({ status, location });
      });
      socket.on('error', reject);
    });
  }

  it('GET //evil.example/dir (a "directory" whose index exists) → 302 to a path that names this host, not //evil.example/dir/', async () => {
    const res = await websiteGet('//evil.example/dir');
    expect(res.status).toBe(302);
    expect(res.location).toBeDefined();
    expect(res.location!.startsWith('//')).toBe(false);
    expect(res.location!.startsWith('/\\')).toBe(false);
    // Relative, as AWS sends it, and still the same key: the redirect target serves the index.
    expect(res.location).toBe('/%2Fevil.example/dir/');
    const followed = await websiteGet(res.location!);
    expect(followed.status).toBe(200);
  });

  it('GET /docs → 302 Location: /docs/ (unchanged: relative, as AWS sends it)', async () => {
    expect(await websiteGet('/docs')).toEqual({ status: 302, location: '/docs/' });
  });
});
