/**
 * Hostile and malformed input: each gets a clear S3 error (or the HTTP
 * parser's 400/431) and the server keeps serving.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { rawRequest, statusOf } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let origin: TestOrigin;
let client: Client;
const bucket = 'bad-input';

beforeAll(async () => {
  origin = await startTestOrigin();
  client = new Client(origin.url);
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'digits', Body: '0123456789' }));
});
afterAll(async () => {
  await client?.close();
  await origin?.stop();
});

/** A SigV4-signed request whose path is sent exactly as written (no dot-segment normalization). */
async function signed(method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}) {
  const headers = signRequest({
    method,
    url: `${origin.url}${path}`,
    headers: opts.headers ?? {},
    body: opts.body ?? '',
    credentials: origin.credentials,
    region: 'us-east-1',
    service: 's3',
  });
  const res = await client.request({ method, path, headers: { ...opts.headers, ...headers }, body: opts.body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
}

async function stillServing(): Promise<void> {
  const res = await client.request({ method: 'GET', path: '/_bucketfront/health' });
  expect(res.statusCode).toBe(200);
  await res.body.text();
}

const md5b64 = (s: string | Buffer): string => createHash('md5').update(s).digest('base64');

describe('malformed and hostile XML', () => {
  it.each([
    ['not well-formed', '<Delete><Object><Key>a</Object></Delete>'],
    ['wrong root', '<Remove><Object><Key>a</Key></Object></Remove>'],
    ['not XML at all', 'hello'],
    ['empty', ''],
  ])('DeleteObjects with %s → MalformedXML', async (_n, xml) => {
    const r = await signed('POST', `/${bucket}?delete`, { body: xml, headers: { 'content-md5': md5b64(xml) } });
    expect(r.status).toBe(400);
    expect(r.code).toBe('MalformedXML');
    await stillServing();
  });

  it('an entity bomb is rejected as MalformedXML with bounded memory', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololololol">' +
      Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
      ']><Delete><Object><Key>&lol9;</Key></Object></Delete>';
    const before = process.memoryUsage().rss;
    for (const path of [`/${bucket}?delete`, `/${bucket}/k?uploadId=00000000000000000000000000000000`]) {
      const r = await signed('POST', path, { body: bomb, headers: { 'content-md5': md5b64(bomb) } });
      expect(r.status).toBe(400);
      expect(r.code).toBe('MalformedXML');
    }
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    await stillServing();
  });

  it('an oversized XML body is refused without buffering it', async () => {
    const big = '<Delete>' + '<Object><Key>k</Key></Object>'.repeat(120_000) + '</Delete>';
    const r = await signed('POST', `/${bucket}?delete`, { body: big, headers: { 'content-md5': md5b64(big) } });
    expect(r.status).toBe(400);
    expect(r.code).toBe('MalformedXML');
    await stillServing();
  });

  it('DeleteObjects without Content-MD5 or a checksum is InvalidRequest', async () => {
    const xml = '<Delete><Object><Key>a</Key></Object></Delete>';
    const r = await signed('POST', `/${bucket}?delete`, { body: xml });
    expect(r.status).toBe(400);
    expect(r.code).toBe('InvalidRequest');
  });

  it('a website configuration over 128 KB is 400 before it is parsed', async () => {
    const rules = '<RoutingRule><Redirect><ReplaceKeyWith>x</ReplaceKeyWith></Redirect></RoutingRule>'.repeat(2000);
    const xml = `<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><RoutingRules>${rules}</RoutingRules></WebsiteConfiguration>`;
    expect(Buffer.byteLength(xml)).toBeGreaterThan(128 * 1024);
    const r = await signed('PUT', `/${bucket}?website`, { body: xml });
    expect(r.status).toBe(400);
    expect(r.code).toBe('InvalidRequest');
    const bomb = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]><WebsiteConfiguration><IndexDocument><Suffix>&a;</Suffix></IndexDocument></WebsiteConfiguration>';
    const b = await signed('PUT', `/${bucket}?website`, { body: bomb });
    expect(b.code).toBe('MalformedXML');
    const policy = await signed('PUT', `/${bucket}?policy`, {
      body: `{"Version":"2012-10-17","Statement":[${'{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bad-input/*"},'.repeat(300)}{}]}`,
    });
    expect(policy.status).toBe(400);
    expect(policy.code).toBe('MalformedPolicy');
    await stillServing();
  });

  it('CreateBucketConfiguration that is not XML → MalformedXML', async () => {
    const r = await signed('PUT', '/bad-config-bucket', { body: '<CreateBucketConfiguration><LocationConstraint>' });
    expect(r.code).toBe('MalformedXML');
  });
});

describe('names and keys', () => {
  it.each(['/Bad_Bucket/key', '/ab/key', '/-leading/key', '/192.168.0.1/k', '/a..b/k'])('%s → InvalidBucketName', async (path) => {
    const r = await signed('GET', path);
    expect(r.status).toBe(400);
    expect(r.code).toBe('InvalidBucketName');
  });

  it('keys with .. segments are plain keys and never reach outside the data directory', async () => {
    const evil = `/${bucket}/../../../../escaped-file`;
    const put = await signed('PUT', evil, { body: 'inside' });
    expect(put.status).toBe(200);
    const get = await signed('GET', evil);
    expect(get.status).toBe(200);
    expect(get.text).toBe('inside');
    const list = await signed('GET', `/${bucket}?list-type=2&prefix=..`);
    expect(list.text).toContain('<Key>../../../../escaped-file</Key>');
    expect(existsSync(join(origin.dataDir, '..', 'escaped-file'))).toBe(false);
    expect(existsSync(join(origin.dataDir, '..', '..', 'escaped-file'))).toBe(false);
    const dots = await signed('PUT', `/${bucket}/..`, { body: 'dots' });
    expect(dots.status).toBe(200);
    expect((await signed('GET', `/${bucket}/..`)).text).toBe('dots');
  });

  it.each([
    ['NUL', `/${bucket}/a%00b`, 'InvalidArgument', 400],
    ['control char', `/${bucket}/a%01b`, 'InvalidArgument', 400],
    ['over 1024 bytes', `/${bucket}/${'k'.repeat(1025)}`, 'KeyTooLongError', 400],
    ['over 1024 bytes of UTF-8', `/${bucket}/${'%E2%82%AC'.repeat(342)}`, 'KeyTooLongError', 400],
    ['broken percent-encoding', `/${bucket}/%E2%82`, 'InvalidURI', 400],
  ])('key with %s → %s', async (_n, path, code, status) => {
    const r = await signed('PUT', path, { body: 'x' });
    expect(r.status).toBe(status);
    expect(r.code).toBe(code);
    await stillServing();
  });

  it('a key of exactly 1024 bytes is fine', async () => {
    expect((await signed('PUT', `/${bucket}/${'k'.repeat(1024)}`, { body: 'x' })).status).toBe(200);
  });
});

describe('header validation on writes', () => {
  it.each([
    ['an unknown canned ACL', { 'x-amz-acl': 'world-writable' }, 'InvalidArgument'],
    ['a relative website redirect', { 'x-amz-website-redirect-location': 'elsewhere.html' }, 'InvalidArgument'],
    ['more than 2 KB of user metadata', { 'x-amz-meta-big': 'v'.repeat(2100) }, 'MetadataTooLarge'],
    ['a wrong Content-MD5', { 'content-md5': md5b64('something else') }, 'BadDigest'],
    ['a wrong x-amz-checksum-crc32', { 'x-amz-checksum-crc32': 'AAAAAA==' }, 'BadDigest'],
  ])('PutObject with %s → %s, nothing stored', async (_n, headers, code) => {
    const r = await signed('PUT', `/${bucket}/validated`, { body: 'payload', headers });
    expect(r.status).toBe(400);
    expect(r.code).toBe(code);
    expect((await signed('HEAD', `/${bucket}/validated`)).status).toBe(404);
  });

  it('CopyObject refuses a bad metadata directive and a malformed copy source', async () => {
    const d = await signed('PUT', `/${bucket}/copy-target`, { headers: { 'x-amz-copy-source': `/${bucket}/digits`, 'x-amz-metadata-directive': 'MERGE' } });
    expect(d.code).toBe('InvalidArgument');
    const s = await signed('PUT', `/${bucket}/copy-target`, { headers: { 'x-amz-copy-source': 'just-a-bucket' } });
    expect(s.code).toBe('InvalidArgument');
    const v = await signed('PUT', `/${bucket}/copy-target`, { headers: { 'x-amz-copy-source': `/${bucket}/digits?versionId=abc` } });
    expect(v.code).toBe('InvalidArgument');
  });
});

describe('ranges and methods', () => {
  it.each([
    ['bytes=abc', 200, '0123456789'],
    ['bytes=5-1', 200, '0123456789'],
    ['bytes=0-1,3-4', 200, '0123456789'],
    ['chars=0-3', 200, '0123456789'],
    ['bytes=8-', 206, '89'],
  ])('Range: %s → %i', async (range, status, body) => {
    const r = await signed('GET', `/${bucket}/digits`, { headers: { range } });
    expect(r.status).toBe(status);
    expect(r.text).toBe(body);
  });

  it('an unsatisfiable range is 416 InvalidRange with Content-Range: bytes */size', async () => {
    const r = await signed('GET', `/${bucket}/digits`, { headers: { range: 'bytes=10-20' } });
    expect(r.status).toBe(416);
    expect(r.code).toBe('InvalidRange');
    expect(r.headers['content-range']).toBe('bytes */10');
  });

  it('unsupported operations are 501 NotImplemented in XML; unknown methods 405', async () => {
    const r = await signed('POST', `/${bucket}/digits?restore`, { body: '<RestoreRequest><Days>1</Days></RestoreRequest>' });
    expect(r.status).toBe(501);
    expect(r.code).toBe('NotImplemented');
    const m = await signed('PATCH', `/${bucket}/digits`);
    expect(m.status).toBe(405);
    expect(m.code).toBe('MethodNotAllowed');
  });

  it('a versionId other than null is InvalidArgument in a bucket that never had versioning', async () => {
    expect((await signed('GET', `/${bucket}/digits?versionId=null`)).status).toBe(200);
    const r = await signed('GET', `/${bucket}/digits?versionId=3HL4kqtJlcpXroDTDmJ`);
    expect(r.status).toBe(400);
    expect(r.code).toBe('InvalidArgument');
  });

  it('HEAD errors carry no body', async () => {
    const r = await signed('HEAD', `/${bucket}/missing`);
    expect(r.status).toBe(404);
    expect(r.text).toBe('');
  });

  it('a single PUT over 5 GiB is EntityTooLarge before any body is read', async () => {
    const raw = await rawRequest(
      origin.port,
      `PUT /${bucket}/huge HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${5 * 1024 ** 3 + 1}\r\nExpect: 100-continue\r\n` +
        signedHeaderLines('PUT', `/${bucket}/huge`, { 'content-length': String(5 * 1024 ** 3 + 1), expect: '100-continue' }) +
        '\r\n',
      3000,
    );
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('<Code>EntityTooLarge</Code>');
    expect(raw).not.toContain('100 Continue');
  });
});

function signedHeaderLines(method: string, path: string, headers: Record<string, string>): string {
  const h = signRequest({
    method,
    url: `http://127.0.0.1${path}`,
    headers: { host: '127.0.0.1', ...headers },
    credentials: origin.credentials,
    region: 'us-east-1',
    service: 's3',
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  return Object.entries(h)
    .filter(([k]) => k !== 'host')
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
}

describe('Expect: 100-continue', () => {
  async function expectContinue(path: string): Promise<string> {
    const body = 'continued body';
    const head = signedHeaderLines('PUT', path, { 'content-length': String(body.length), expect: '100-continue' });
    const socket = connect(origin.port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => {
      received += d.toString('latin1');
      if (received.startsWith('HTTP/1.1 100')) socket.write(body);
    });
    socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n${head}\r\n`);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (/HTTP\/1\.1 [2-5]\d\d[\s\S]*\r\n\r\n/.test(received.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ''))) resolve();
      };
      socket.on('data', check);
      socket.on('close', () => resolve());
    });
    socket.destroy();
    return received;
  }

  it('is answered with 100 Continue once the request is authorized, then stored', async () => {
    const raw = await expectContinue(`/${bucket}/continued`);
    expect(raw.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200')).toBe(true);
    expect((await signed('GET', `/${bucket}/continued`)).text).toBe('continued body');
  });

  it('a missing bucket is answered without asking for the body', async () => {
    const raw = await expectContinue('/no-such-bucket-x/k');
    expect(raw.startsWith('HTTP/1.1 404')).toBe(true);
    expect(raw).toContain('<Code>NoSuchBucket</Code>');
  });
});

describe('HTTP framing attacks (raw sockets)', () => {
  it('a header block over 8 KiB gets 400 RequestHeaderSectionTooLarge and the server keeps serving', async () => {
    const raw = await rawRequest(origin.port, `GET /${bucket}/digits HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('<Code>RequestHeaderSectionTooLarge</Code>');
    expect(raw).toMatch(/x-amz-request-id: [0-9A-F]{16}/);
    await stillServing();
  });

  it('conflicting Content-Length and Transfer-Encoding is 400', async () => {
    const raw = await rawRequest(
      origin.port,
      `PUT /${bucket}/smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /${bucket}/digits HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('<Code>InvalidRequest</Code>');
    // Exactly one response: the smuggled GET was never parsed.
    expect(raw.match(/HTTP\/1\.1 /g)).toHaveLength(1);
    await stillServing();
  });

  it('a garbage request line is 400', async () => {
    const raw = await rawRequest(origin.port, 'THIS IS NOT HTTP\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    await stillServing();
  });

  it('a client that disconnects mid-upload leaves nothing behind', async () => {
    const path = `/${bucket}/abandoned`;
    const head = signedHeaderLines('PUT', path, { 'content-length': '1000000' });
    const socket = connect(origin.port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n${head}\r\n`);
    socket.write(Buffer.alloc(400_000, 7));
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await stillServing();
    const r = await signed('GET', `/${bucket}/abandoned`);
    expect(r.status).toBe(404);
  });

  it('a very long URL is refused cleanly', async () => {
    const raw = await rawRequest(origin.port, `GET /${bucket}/${'k'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('RequestHeaderSectionTooLarge');
    await stillServing();
  });
});
