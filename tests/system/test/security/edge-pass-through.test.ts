/**
 * Issue 18 item 2, pass-through points: uploads with `Expect: 100-continue` (curl, boto3) through
 * a PUT-allowing behavior reach the origin S3 API, and fields named in the viewer's Connection
 * header are not forwarded to the origin (RFC 9110 §7.6.1), on pass-through and on fills.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startEdge, type RunningEdge } from '@bucketfront/edge';
import { closeServer } from '@bucketfront/http-basics';
import { freePort, hasBoto3, listenOnLoopback, makeTempDir, requireTool, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';

const BUCKET = 'uploads';
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];

/** An edge (one worker) with one distribution `id` whose default cache behavior (`behavior`) targets the origin at `url`. */
function startEdgeFronting(id: string, url: string, behavior: Record<string, unknown>): Promise<RunningEdge> {
  return startEdge({ workers: 1, config: { distributions: [{ id, origins: [{ id: 'o', url }], defaultCacheBehavior: { targetOriginId: 'o', ...behavior } }] } });
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    p.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Raw HTTP/1.1 (clients such as undici drop a Connection header naming other fields): the status. */
function rawStatus(port: number, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    let got = '';
    sock.setTimeout(10_000, () => sock.destroy(new Error('no response')));
    sock.on('data', (b: Buffer) => {
      got += b.toString('latin1');
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(got)?.[1] ?? 0)));
  });
}

const haveCurl = requireTool('curl', 'apt-get install -y curl');
const haveBoto3 = hasBoto3();

describe('uploads with Expect: 100-continue through a PUT-allowing behavior to the origin S3 API', () => {
  let origin: TestOrigin;
  let edge: RunningEdge;
  let temp: TempDir;
  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-pass-');
    origin = await startTestOrigin();
    await origin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The origin verifies SigV4 against the Host it sees: the edge sends the viewer-facing host,
    // which is what a client using the edge as endpoint signs.
    const port = await freePort();
    edge = await startEdge({
      workers: 1,
      port,
      config: {
        distributions: [
          {
            id: 'EPASSTHROUGH0001',
            origins: [{ id: 's3', url: origin.url, hostHeader: `127.0.0.1:${port}` }],
            defaultCacheBehavior: { targetOriginId: 's3', allowedMethods: ALL_METHODS, minTTL: 0, defaultTTL: 0, maxTTL: 0 },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await edge?.close();
    await origin?.stop();
    await temp?.cleanup();
  });

  async function stored(key: string): Promise<string> {
    const r = await origin.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return r.Body!.transformToString();
  }

  it.skipIf(!haveCurl)('curl -T with Expect: 100-continue → 200 and the object stored', async () => {
    const file = join(temp.path, 'curl.txt');
    const data = 'uploaded by curl through the edge\n'.repeat(200);
    writeFileSync(file, data);
    // A presigned PUT (AWS SDK v3 presigner, for the edge's host): curl adds Expect itself,
    // unsigned, as a browser or script uploading to a presigned URL would.
    const viaEdge = new S3Client({ endpoint: edge.url, region: 'us-east-1', forcePathStyle: true, credentials: origin.credentials });
    const url = await getSignedUrl(viaEdge, new PutObjectCommand({ Bucket: BUCKET, Key: 'curl.txt' }), { expiresIn: 300 });
    viaEdge.destroy();
    const r = await run('curl', ['-sS', '-o', join(temp.path, 'curl.out'), '-w', '%{http_code}', '-T', file, '-H', 'Expect: 100-continue', url]);
    expect(r.stderr).toBe('');
    expect(r.stdout, readFileSync(join(temp.path, 'curl.out'), 'utf8')).toBe('200');
    expect(await stored('curl.txt')).toBe(data);
  });

  it.skipIf(!haveBoto3)('boto3 put_object with the edge as endpoint_url → success and the object stored', async () => {
    const script = [
      'import os, boto3',
      'from botocore.config import Config',
      "s3 = boto3.client('s3', endpoint_url=os.environ['EDGE'], region_name='us-east-1',",
      "  aws_access_key_id=os.environ['AK'], aws_secret_access_key=os.environ['SK'], config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))",
      "r = s3.put_object(Bucket=os.environ['BUCKET'], Key='boto/obj.txt', Body=b'uploaded by boto3 through the edge\\n' * 100)",
      "print(r['ResponseMetadata']['HTTPStatusCode'])",
    ].join('\n');
    const r = await run('python3', ['-c', script], {
      EDGE: edge.url,
      AK: origin.credentials.accessKeyId,
      SK: origin.credentials.secretAccessKey,
      BUCKET,
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('200');
    expect(await stored('boto/obj.txt')).toBe('uploaded by boto3 through the edge\n'.repeat(100));
  });
});

describe('fields named in Connection are not forwarded to the origin (RFC 9110 §7.6.1)', () => {
  let origin: Server;
  let edge: RunningEdge;
  const seen: IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    origin = createHttpServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '2', 'cache-control': 'max-age=60' });
        res.end('ok');
      });
    });
    edge = await startEdgeFronting('ECONNECTION00001', await listenOnLoopback(origin), {
      allowedMethods: ALL_METHODS,
      cacheKey: { headers: { behavior: 'whitelist', items: ['x-tenant', 'x-hop'] } },
    });
  });
  afterAll(async () => {
    await edge?.close();
    await closeServer(origin);
  });

  it.each([
    {
      case: 'pass-through (PUT): a header listed in Connection stays at the edge',
      request: 'PUT /put-me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close, X-Hop\r\nX-Hop: secret-hop\r\nX-End: kept\r\nContent-Length: 1\r\n\r\nx',
      forwarded: { 'x-end': 'kept' },
    },
    {
      case: 'fill (GET): a keyed whitelist header listed in Connection is not forwarded',
      request: 'GET /get-me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close, x-hop\r\nx-hop: secret-hop\r\nx-tenant: t1\r\n\r\n',
      forwarded: { 'x-tenant': 't1' },
    },
  ])('$case', async ({ request, forwarded }) => {
    seen.length = 0;
    const status = await rawStatus(edge.port, request);
    expect(status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject(forwarded);
    expect(seen[0]!['x-hop']).toBeUndefined();
  });
});

describe('a keyed header listed in Connection is absent from the cache key too (RFC 9110 §7.6.1)', () => {
  let origin: Server;
  let edge: RunningEdge;
  beforeAll(async () => {
    origin = createHttpServer((req, res) => {
      const body = `lang=${req.headers['accept-language'] ?? 'none'}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length), 'cache-control': 'max-age=3600' });
      res.end(body);
    });
    edge = await startEdgeFronting('ECONNPOISON0001', await listenOnLoopback(origin), { cacheKey: { headers: { behavior: 'whitelist', items: ['Accept-Language'] } } });
  });
  afterAll(async () => {
    await edge?.close();
    await closeServer(origin);
  });

  /** Raw HTTP/1.1 GET: the response body. */
  function rawBody(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const sock = connect(edge.port, '127.0.0.1', () => sock.write(text));
      let got = '';
      sock.setTimeout(10_000, () => sock.destroy(new Error('no response')));
      sock.on('data', (b: Buffer) => {
        got += b.toString('latin1');
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(got.split('\r\n\r\n')[1] ?? ''));
    });
  }

  it('Accept-Language: fr + Connection: accept-language does not fill the French key with the no-language answer', async () => {
    const poison = await rawBody('GET /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: fr\r\nConnection: close, accept-language\r\n\r\n');
    expect(poison).toBe('lang=none');
    const french = await rawBody('GET /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: fr\r\nConnection: close\r\n\r\n');
    expect(french).toBe('lang=fr');
    const none = await rawBody('GET /page.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(none).toBe('lang=none');
  });
});

describe('a viewer that aborts its upload releases the origin request and its pass-through connection', () => {
  let origin: Server;
  let edge: RunningEdge;
  let originOpen = 0;
  beforeAll(async () => {
    // A patient origin: it waits for the whole body as long as the edge keeps the request open.
    origin = createHttpServer((req, res) => {
      originOpen++;
      req.on('close', () => {
        originOpen--;
      });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '2' });
        res.end('ok');
      });
    });
    origin.requestTimeout = 0;
    origin.headersTimeout = 0;
    origin.timeout = 0;
    edge = await startEdgeFronting('EABORTEDPUT0001', await listenOnLoopback(origin), { allowedMethods: ALL_METHODS });
  });
  afterAll(async () => {
    await edge?.close();
    await closeServer(origin);
  });

  it('70 uploads cut off mid-body (more than the 64 pass-through connections), then a PUT → 200', async () => {
    for (let i = 0; i < 70; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect(edge.port, '127.0.0.1', () => {
          sock.write(`PUT /up/${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n${'x'.repeat(100)}`);
          setTimeout(() => {
            sock.destroy();
            resolve();
          }, 30);
        });
      });
    }
    await vi.waitFor(() => expect(originOpen).toBe(0), { timeout: 10_000, interval: 50 });
    const status = await rawStatus(edge.port, 'PUT /legit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi');
    expect(status).toBe(200);
  });
});
