/**
 * The TLS viewer listener (docs/tls.md#the-edge): HTTP/2 and HTTP/1.1 on one port with the same
 * cache and headers, :authority as the Host, the viewer protocol policies over plain HTTP, and the
 * distributions' security policies (minimum TLS version) by server name and Host.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { join } from 'node:path';
import tls from 'node:tls';
import { hasTool, makeTempDir, missingPrerequisite, requireTool, type TempDir } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { createTestCa, writePair } from './fixtures/certs.js';
import { fixed, get, startTinyOrigin, type Reply, type TinyOrigin } from './helpers.js';

/** A tool run without blocking this process (the edge under test runs in it). */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];

let dir: TempDir;
let originA: TinyOrigin;
let originB: TinyOrigin;
let edge: RunningEdge;
let ca: string;
let dispatcher: Agent;
const logs: string[] = [];

beforeAll(async () => {
  dir = await makeTempDir('bucketfront-tls-viewer-');
  const testCa = createTestCa();
  ca = testCa.cert;
  await writeFile(join(dir.path, 'ca.pem'), ca);
  const files = await writePair(dir.path, 'edge', testCa.issue({ dnsNames: ['localhost', 'www.example.test', 'strict.example.test'], ips: ['127.0.0.1'] }));
  originA = await startTinyOrigin({
    '*': fixed('object body', { 'cache-control': 'max-age=300', etag: '"v1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT', 'x-origin': 'A' }),
  });
  originB = await startTinyOrigin({ '*': fixed('strict body', { 'cache-control': 'max-age=300', 'x-origin': 'B' }) });
  const origin = (url: string) => [{ id: 'o1', url, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5 }];
  edge = await startEdge({
    workers: 1,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    tls: files,
    log: (m) => logs.push(m),
    config: {
      distributions: [
        {
          id: 'EAAAA',
          aliases: ['localhost', 'www.example.test'],
          viewerCertificate: { minimumProtocolVersion: 'TLSv1.2_2021' },
          origins: origin(originA.url),
          defaultCacheBehavior: { targetOriginId: 'o1', allowedMethods: ALL_METHODS },
          cacheBehaviors: [
            { pathPattern: '/secure/*', targetOriginId: 'o1', viewerProtocolPolicy: 'redirect-to-https', allowedMethods: ALL_METHODS },
            { pathPattern: '/only/*', targetOriginId: 'o1', viewerProtocolPolicy: 'https-only' },
          ],
        },
        { id: 'EBBBB', aliases: ['strict.example.test'], viewerCertificate: { minimumProtocolVersion: 'TLSv1.3_2025' }, origins: origin(originB.url) },
      ],
    },
  });
  dispatcher = new Agent({ connect: { ca, servername: 'localhost' } });
});

afterAll(async () => {
  await dispatcher?.close();
  await edge?.close();
  await originA?.close();
  await originB?.close();
  await dir?.cleanup();
});

async function tlsGet(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const r = await request(`${edge.tlsUrl}${path}`, { method: method as 'GET', headers, dispatcher });
  const body = Buffer.from(await r.body.arrayBuffer());
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h[k] = Array.isArray(v) ? v.join(', ') : v;
  return { status: r.statusCode, headers: h, body };
}

/** One HTTP/2 request on a new session (ALPN h2), `:authority` as given. */
async function h2Get(path: string, authority: string, extra: Record<string, string> = {}, servername = 'localhost'): Promise<Reply & { alpn: string | false | undefined }> {
  const session = http2.connect(edge.tlsUrl, { ca, servername });
  try {
    return await new Promise((resolve, reject) => {
      session.once('error', reject);
      const stream = session.request({ ':path': path, ':authority': authority, ...extra });
      const chunks: Buffer[] = [];
      let head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
      stream.once('response', (h) => {
        head = h;
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.once('error', reject);
      stream.once('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(head)) if (!k.startsWith(':') && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
        resolve({ status: Number(head[':status']), headers, body: Buffer.concat(chunks), alpn: session.alpnProtocol });
      });
      stream.end();
    });
  } finally {
    session.close();
  }
}

/** Header names a response has, without those that differ per response or per connection. */
const PER_RESPONSE = new Set(['date', 'age', 'x-amz-cf-id', 'connection', 'keep-alive', 'transfer-encoding']);
const names = (r: Reply): string[] =>
  Object.keys(r.headers)
    .filter((n) => !PER_RESPONSE.has(n))
    .sort();

describe('HTTP/2 and HTTP/1.1 on the TLS port', () => {
  it('an h2 request is served from the cache with the same headers as HTTP/1.1 over TLS and over plain HTTP', async () => {
    const first = await h2Get('/same.txt', 'localhost');
    expect(first.alpn).toBe('h2');
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('Miss from cloudfront');
    const h2hit = await h2Get('/same.txt', 'localhost');
    const h1hit = await tlsGet('/same.txt', { host: 'localhost' });
    const plainHit = await get(`${edge.url}/same.txt`, { host: 'localhost' });
    expect(originA.count('/same.txt')).toBe(1);
    for (const r of [h2hit, h1hit, plainHit]) {
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('object body');
      expect(r.headers['x-cache']).toBe('Hit from cloudfront');
    }
    expect(names(h2hit)).toEqual(names(h1hit));
    expect(names(h2hit)).toEqual(names(plainHit));
    for (const n of ['etag', 'cache-control', 'content-type', 'content-length', 'last-modified', 'x-origin', 'via', 'x-amz-cf-pop']) expect(h2hit.headers[n], n).toBe(h1hit.headers[n]);
  });

  it('h2 answers conditionals, ranges and HEAD like HTTP/1.1 (no connection-specific fields)', async () => {
    await h2Get('/cond.txt', 'localhost');
    const notModified = await h2Get('/cond.txt', 'localhost', { 'if-none-match': '"v1"' });
    expect(notModified.status).toBe(304);
    const range = await h2Get('/cond.txt', 'localhost', { range: 'bytes=0-5' });
    expect(range.status).toBe(206);
    expect(range.body.toString()).toBe('object');
    const head = await h2Get('/cond.txt', 'localhost', { ':method': 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('h2 passes a body without Content-Length through to the origin (POST on an allowed behavior)', async () => {
    const session = http2.connect(edge.tlsUrl, { ca, servername: 'localhost' });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/upload', ':authority': 'localhost' });
        stream.once('response', (h) => resolve(Number(h[':status'])));
        stream.once('error', reject);
        stream.write('part one, ');
        stream.end('part two');
        stream.resume();
      });
      expect(status).toBe(200);
    } finally {
      session.close();
    }
    const seen = originA.requests.find((r) => r.method === 'POST' && r.url === '/upload');
    expect(seen).toBeDefined();
    expect(Object.keys(seen!.headers).some((n) => n.startsWith(':'))).toBe(false);
  });

  it(':authority selects the distribution; a Host that names another authority is refused', async () => {
    const strict = await h2Get('/x', 'strict.example.test');
    expect(strict.status).toBe(200);
    expect(strict.headers['x-origin']).toBe('B');
    const www = await h2Get('/x', 'www.example.test:443');
    expect(www.headers['x-origin']).toBe('A');
    const conflicting = await h2Get('/x', 'www.example.test', { host: 'strict.example.test' });
    expect(conflicting.status).toBe(400);
    expect(originB.requests.filter((r) => r.url === '/x')).toHaveLength(1);
  });

  it('curl --http2 gets the cached object over h2', async ({ skip }) => {
    if (!requireTool('curl', 'apt-get install -y curl')) skip();
    const port = edge.tlsPort;
    const r = await run('curl', [
      '--http2',
      '-sS',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '--cacert',
      join(dir.path, 'ca.pem'),
      '--resolve',
      `www.example.test:${port}:127.0.0.1`,
      `https://www.example.test:${port}/same.txt`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/2 200/);
    expect(r.stdout).toMatch(/x-cache: Hit from cloudfront/);
  });
});

describe('viewer protocol policy over plain HTTP', () => {
  it('redirect-to-https: GET and HEAD get 301 to the https URL, other methods 403; the origin is not asked', async () => {
    const before = originA.requests.length;
    const r = await get(`${edge.url}/secure/a%20b.html?x=1&y`, { host: 'www.example.test:8080' });
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe(`https://www.example.test:${edge.tlsPort}/secure/a%20b.html?x=1&y`);
    expect(r.headers['x-cache']).toBe('Redirect from cloudfront');
    const head = await get(`${edge.url}/secure/x`, { host: 'www.example.test' }, 'HEAD');
    expect(head.status).toBe(301);
    const post = await get(`${edge.url}/secure/x`, { host: 'www.example.test', 'content-type': 'text/plain' }, 'POST', 'data');
    expect(post.status).toBe(403);
    expect(originA.requests.length).toBe(before);
    const followed = await tlsGet('/secure/a%20b.html?x=1&y', { host: 'www.example.test' });
    expect(followed.status).toBe(200);
  });

  it('https-only: 403 over HTTP, served over TLS', async () => {
    const r = await get(`${edge.url}/only/x`, { host: 'www.example.test' });
    expect(r.status).toBe(403);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect((await tlsGet('/only/x', { host: 'www.example.test' })).status).toBe(200);
    // A viewer header claiming https changes nothing.
    expect((await get(`${edge.url}/only/x`, { host: 'www.example.test', 'cloudfront-forwarded-proto': 'https', 'x-forwarded-proto': 'https' })).status).toBe(403);
  });

  it('metrics count the redirects', async () => {
    const m = await edge.runtime.metrics();
    expect(m.requests.Redirect).toBeGreaterThanOrEqual(2);
  });
});

describe('minimum TLS version per distribution', () => {
  const handshake = (servername: string, maxVersion: tls.SecureVersion, host = servername): Promise<string> =>
    new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: edge.tlsPort, ca, servername, maxVersion, ALPNProtocols: ['http/1.1'] }, () => {
        // The edge closes a connection below the policy right after the handshake: wait for it.
        const protocol = socket.getProtocol() ?? 'none';
        socket.write(`GET /x HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        let data = '';
        socket.on('data', (d: Buffer) => {
          data += d.toString('latin1');
        });
        socket.once('close', () => resolve(data.startsWith('HTTP/1.1 ') ? `${protocol} ${data.slice(9, 12)}` : `${protocol} closed`));
      });
      socket.once('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });

  it('a TLSv1.3_2025 distribution refuses a TLS 1.2 connection made for its name; TLS 1.3 is served', async () => {
    expect(await handshake('strict.example.test', 'TLSv1.2')).toMatch(/closed|error/);
    expect(await handshake('strict.example.test', 'TLSv1.3')).toBe('TLSv1.3 200');
    expect(await handshake('www.example.test', 'TLSv1.2')).toBe('TLSv1.2 200');
  });

  it('a TLS 1.2 connection made for a lax name cannot reach the strict distribution by its Host: 421', async () => {
    expect(await handshake('www.example.test', 'TLSv1.2', 'strict.example.test')).toBe('TLSv1.2 421');
    expect(await handshake('www.example.test', 'TLSv1.3', 'strict.example.test')).toBe('TLSv1.3 200');
  });

  it('openssl s_client -tls1_1 is refused for a TLSv1.2_2021 distribution', async ({ skip }) => {
    // `openssl version` (it has no --version, which requireTool runs).
    if (!hasTool('openssl', ['version'])) {
      missingPrerequisite("'openssl' is not installed", 'Install it with: apt-get install -y openssl');
      skip();
    }
    const sClient = (flag: string) => run('openssl', ['s_client', flag, '-connect', `127.0.0.1:${edge.tlsPort}`, '-servername', 'www.example.test', '-CAfile', join(dir.path, 'ca.pem')]);
    const old = await sClient('-tls1_1');
    // Refused in the handshake: no certificate, no cipher (OpenSSL 3's default security level
    // refuses TLS 1.1 too, whatever minVersion says: docs/tls.md#the-edge).
    expect(old.status).not.toBe(0);
    expect(old.stdout).toMatch(/Cipher is \(NONE\)/);
    const ok = await sClient('-tls1_2');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Protocol\s*:\s*TLSv1\.2/);
    expect(ok.stdout).not.toMatch(/Cipher is \(NONE\)/);
  });
});

describe('start-up', () => {
  it('warns that redirect-to-https and https-only behaviors are unreachable without a TLS listener', async () => {
    const warnings: string[] = [];
    const plain = await startEdge({
      workers: 1,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      log: (m) => warnings.push(m),
      config: { distributions: [{ id: 'EPLAIN', origins: [{ id: 'o1', url: originA.url }], defaultCacheBehavior: { targetOriginId: 'o1', viewerProtocolPolicy: 'https-only' } }] },
    });
    try {
      expect(plain.tlsUrl).toBe('');
      expect(warnings.join('\n')).toMatch(/EPLAIN defaultCacheBehavior is https-only, but this edge has no TLS listener/);
      expect((await get(`${plain.url}/x`)).status).toBe(403);
    } finally {
      await plain.close();
    }
    expect(logs.join('\n')).not.toMatch(/no TLS listener/);
  });
});
