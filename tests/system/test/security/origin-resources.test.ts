/**
 * Issue 18, item 5 — bounded resources at the origin: a trickling upload cannot hold a
 * socket, a body sent to an operation that reads none is waited for only when its signed hash
 * must be checked (and then only up to a cap), the website endpoint closes a connection whose
 * body is still arriving, and the website index-document redirect is never protocol-relative.
 */
import { connect } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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
  await s3.send(new PutObjectCommand({ Bucket: WEBSITE_BUCKET, Key: 'index.html', Body: 'home', ContentType: 'text/html' }));
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
    Object.entries(headers)
      .filter(([n]) => n !== 'host')
      .map(([n, v]) => `${n}: ${v}\r\n`)
      .join('') +
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
    expect(raw).toContain('<Message>Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.</Message>');
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

/**
 * Sends a request head, then `piece` every `everyMs` (a body declared far larger than will ever
 * arrive). Resolves with the answer and when the server closed the connection, or after `holdMs`
 * ("held far too long") with `closedAfterMs` undefined.
 */
function trickleRequest(port: number, head: string, piece: string, everyMs: number, holdMs = 10_000): Promise<{ raw: string; answeredAfterMs: number | undefined; closedAfterMs: number | undefined }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let raw = '';
    let answeredAfterMs: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      clearTimeout(hold);
      socket.destroy();
      resolve({ raw, answeredAfterMs, closedAfterMs: closed ? Date.now() - started : undefined });
    };
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (!socket.destroyed && socket.writable) socket.write(piece);
      }, everyMs);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answeredAfterMs ??= Date.now() - started;
      raw += d;
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (err) => (raw === '' ? reject(err) : finish(true)));
    const hold = setTimeout(() => finish(false), holdMs);
  });
}

// 4 KiB per 500 ms: above the test origin's 1 KiB/s bound, so only the declared 100 MB ends it.
const PIECE = 'y'.repeat(4096);
const HUGE = 100_000_000;

describe('a body sent to an operation that reads none is not waited for unless it must be checked', () => {
  it('anonymous GET of a public object with a huge trickled body → 200 at once, Connection: close, the connection closed', async () => {
    const { port } = new URL(origin.url);
    const head = `GET /${WEBSITE_BUCKET}/docs/index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${HUGE}\r\n\r\n`;
    const res = await trickleRequest(Number(port), head, PIECE, 500);
    expect(res.raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.raw.toLowerCase()).toContain('connection: close');
    expect(res.closedAfterMs).toBeDefined();
  });

  it('presigned (UNSIGNED-PAYLOAD) GET with a huge trickled body → 200 at once, the connection closed', async () => {
    const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: WEBSITE_BUCKET, Key: 'docs/index.html' }), { expiresIn: 300 }));
    const head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: ${HUGE}\r\n\r\n`;
    const res = await trickleRequest(Number(url.port), head, PIECE, 500);
    expect(res.raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.closedAfterMs).toBeDefined();
  });

  it('signed GET whose signed body is above the 1 MiB cap → 400 MaxMessageLengthExceeded without reading it, the connection closed', async () => {
    const { port } = new URL(origin.url);
    const url = `${origin.url}/${WEBSITE_BUCKET}/docs/index.html`;
    const body = Buffer.alloc(2 * 1024 * 1024, 'y');
    const headers = signRequest({ method: 'GET', url, body, credentials, region: 'us-east-1', service: 's3' });
    const head =
      `GET /${WEBSITE_BUCKET}/docs/index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${body.length}\r\n` +
      Object.entries(headers)
        .filter(([n]) => n !== 'host')
        .map(([n, v]) => `${n}: ${v}\r\n`)
        .join('') +
      '\r\n';
    const res = await trickleRequest(Number(port), head, PIECE, 500);
    expect(res.raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(res.raw).toContain('<Code>MaxMessageLengthExceeded</Code>');
    expect(res.raw).toContain('<Message>Your request was too big.</Message>');
    expect(res.raw.toLowerCase()).toContain('connection: close');
    expect(res.closedAfterMs).toBeDefined();
  });

  it('signed GET with a chunked body (no declared length) that passes the cap → 400 MaxMessageLengthExceeded, even though its hash was signed', async () => {
    const { port } = new URL(origin.url);
    const url = `${origin.url}/${WEBSITE_BUCKET}/docs/index.html`;
    const body = Buffer.alloc(1024 * 1024 + 1, 'z');
    const headers = signRequest({ method: 'GET', url, body, credentials, region: 'us-east-1', service: 's3' });
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let out = '';
      socket.on('connect', () => {
        socket.write(
          `GET /${WEBSITE_BUCKET}/docs/index.html HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nTransfer-Encoding: chunked\r\n` +
            Object.entries(headers)
              .filter(([n]) => n !== 'host')
              .map(([n, v]) => `${n}: ${v}\r\n`)
              .join('') +
            '\r\n',
        );
        socket.write(`${body.length.toString(16)}\r\n`);
        socket.write(body);
        socket.write('\r\n0\r\n\r\n');
      });
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (out += d));
      socket.on('close', () => resolve(out));
      socket.on('error', (err) => (out === '' ? reject(err) : resolve(out)));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('<Code>MaxMessageLengthExceeded</Code>');
  });
});

describe('the website endpoint closes a connection whose request body is still arriving', () => {
  it.each([
    ['the website port', () => Number(new URL(origin.websiteUrl!).port), `${WEBSITE_BUCKET}.s3-website-us-east-1.localhost`],
    ['a website Host on the S3 port', () => Number(new URL(origin.url).port), `${WEBSITE_BUCKET}.s3-website-us-east-1.localhost`],
  ])('%s: GET / with a huge declared body trickled a byte at a time → 200, Connection: close, the connection closed', async (_name, portOf, host) => {
    const head = `GET / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${HUGE}\r\n\r\n`;
    const res = await trickleRequest(portOf(), head, 'x', 500);
    expect(res.raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(res.raw.toLowerCase()).toContain('connection: close');
    expect(res.closedAfterMs).toBeDefined();
  });
});
