/**
 * PostObject as an attacker uses it: the holder of a signed policy trying to write outside it,
 * an anonymous writer trying to do more than write, and slow or broken clients. Real HTTP:
 * undici's fetch/FormData, and raw sockets where a client must misbehave.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { readdir, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type FormField, postForm, sigV2Fields, sigV4Fields } from './fixtures/post-form.js';
import { startTestOrigin, type OriginAccessLogEntry, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
const bucket = 'post-attacks';
const url = (b = bucket): string => `${origin.url}/${b}`;
const logged: OriginAccessLogEntry[] = [];
const logWaiters: (() => void)[] = [];

beforeAll(async () => {
  // A small body rate, so that a trickling client is cut off within the test.
  origin = await startTestOrigin({
    minBodyRate: { bytes: 1024, windowMs: 500 },
    accessLog: (e) => {
      logged.push(e);
      for (const w of logWaiters.splice(0)) w();
    },
  });
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
});

async function keysIn(b: string, prefix?: string): Promise<string[]> {
  const out = await origin.s3.send(new ListObjectsV2Command({ Bucket: b, ...(prefix !== undefined ? { Prefix: prefix } : {}) }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

/** Resolves once the origin has logged a request matching `pred` (it has finished with it). */
async function loggedRequest(pred: (e: OriginAccessLogEntry) => boolean): Promise<OriginAccessLogEntry> {
  for (;;) {
    const found = logged.find(pred);
    if (found) return found;
    await new Promise<void>((r) => logWaiters.push(r));
  }
}

/** Every file under the origin's data directory with its size. */
/** The files under the buckets' directory (objects, parts): not the outboxes' lease heartbeats. */
async function dataFiles(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entry of await readdir(join(origin.dataDir, 'buckets'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path, (await stat(path)).size);
  }
  return out;
}

/** Files as large as `bytes` that were not in `before` (the data of an upload left behind). */
async function newFilesOfAtLeast(before: Map<string, number>, bytes: number): Promise<string[]> {
  return [...(await dataFiles())].filter(([path, size]) => !before.has(path) && size >= bytes).map(([path]) => path);
}

const v4 = (conditions: unknown[]): FormField[] => sigV4Fields({ credentials: origin.credentials, conditions });
const uploadsPolicy = (): FormField[] => v4([{ bucket }, ['starts-with', '$key', 'uploads/']]);

const BOUNDARY = '----attackboundary';
const part = (name: string, value: string, filename?: string): string =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n\r\n${value}\r\n`;

/** A raw HTTP/1.1 POST on its own socket; `send` writes the body; resolves with the raw answer (or '' if the socket closed without one). */
function rawPost(path: string, headers: Record<string, string>, send: (write: (s: string | Buffer) => boolean, end: () => void, destroy: () => void) => void): Promise<string> {
  const { hostname, port } = new URL(origin.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || (err as NodeJS.ErrnoException).code === 'EPIPE' ? resolve(answer) : reject(err)));
    socket.on('close', () => resolve(answer));
    socket.on('connect', () => {
      const head = [
        `POST ${path} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        `Content-Type: multipart/form-data; boundary=${BOUNDARY}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      send(
        (s) => (socket.destroyed ? false : socket.write(s)),
        () => socket.end(),
        () => socket.destroy(),
      );
    });
  });
}

describe('PostObject attacks by the holder of a signed policy', () => {
  it("the key's filename placeholder is substituted literally: a filename holding $` $& or $' (String.replace patterns) is stored as sent", async () => {
    for (const filename of ['a$`b.txt', 'a$&b.txt', "a$'b.txt", 'a$$b.txt']) {
      const r = await postForm(url(), [['key', 'uploads/$' + '{filename}'], ...uploadsPolicy()], { content: 'x', filename });
      expect(r.status, r.body).toBe(204);
      expect(r.headers.get('location')).toBe(`${url()}/uploads/${encodeURIComponent(filename).replace(/'/g, '%27')}`);
      await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `uploads/${filename}` }));
    }
  });

  it('a filename with path separators, .. or NUL, or a key with dot segments, cannot leave the starts-with prefix', async () => {
    const before = await keysIn(bucket);
    for (const filename of ['../../escape.txt', '..\\..\\escape.txt', '..', 'a%2F..%2Fescape']) {
      const r = await postForm(url(), [['key', 'uploads/$' + '{filename}'], ...uploadsPolicy()], { content: 'x', filename });
      expect([204, 400], r.body).toContain(r.status);
    }
    // A key with dot segments is a key like any other (the store does not map keys to paths).
    const dots = await postForm(url(), [['key', 'uploads/../../escaped'], ...uploadsPolicy()], { content: 'dots' });
    expect(dots.status, dots.body).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/../../escaped' }));
    expect(await got.Body!.transformToString()).toBe('dots');
    // filename* (RFC 5987) can carry a NUL and a slash.
    const raw = await rawPost(`/${bucket}`, { Connection: 'close', 'Transfer-Encoding': 'chunked' }, (write, end) => {
      const body =
        [['key', '$' + '{filename}'], ...uploadsPolicy()].map(([n, v]) => part(n!, v!)).join('') +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename*=utf-8''..%2F..%2Fesc%00ape\r\n\r\nx\r\n--${BOUNDARY}--\r\n`;
      write(`${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      end();
    });
    expect(raw).toMatch(/^HTTP\/1\.1 (204|400|403)/);
    const after = await keysIn(bucket);
    const added = after.filter((k) => !before.includes(k));
    expect(
      added.every((k) => k.startsWith('uploads/')),
      added.join(','),
    ).toBe(true);
  });

  it('duplicate key fields (other case), a key after the file, a second file part: the policy and the store see the same first value', async () => {
    const dup = await postForm(url(), [['key', 'uploads/dup'], ['KEY', 'elsewhere/dup'], ...uploadsPolicy()], { content: 'first' }, [['key', 'elsewhere/after']]);
    expect(dup.status, dup.body).toBe(204);
    const afterOnly = await postForm(url(), uploadsPolicy(), { content: 'x' }, [['key', 'uploads/after-file']]);
    expect(afterOnly.status).toBe(400);
    expect(errorOf(afterOnly.body).code).toBe('InvalidArgument');
    // A second file part after the first is ignored.
    const form = new FormData();
    for (const [n, v] of [['key', 'uploads/two-files'], ...uploadsPolicy()]) form.append(n!, v!);
    form.append('file', new Blob(['one']), 'one.txt');
    form.append('file', new Blob(['two-two-two']), 'two.txt');
    const two = await fetch(url(), { method: 'POST', body: form });
    expect(two.status).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/two-files' }));
    expect(await got.Body!.transformToString()).toBe('one');
    expect(await keysIn(bucket, 'elsewhere/')).toEqual([]);
  });

  it('content-length-range holds for a chunked body (no Content-Length to trust) sent in small chunks', async () => {
    const fields = [['key', 'uploads/chunked-big'], ...v4([{ bucket }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 0, 100]])];
    // The client does not half-close: node's server drops a request whose client sent FIN first.
    const raw = await rawPost(`/${bucket}`, { 'Transfer-Encoding': 'chunked', Connection: 'close' }, (write) => {
      const chunk = (s: string): string => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
      write(chunk(fields.map(([n, v]) => part(n!, v!)).join('') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`));
      for (let i = 0; i < 20; i++) write(chunk('0123456789'));
      write(chunk(`\r\n--${BOUNDARY}--\r\n`));
      write('0\r\n\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('<Code>EntityTooLarge</Code>');
    expect(await keysIn(bucket, 'uploads/chunked-big')).toEqual([]);
  });

  it('a body that ends inside the file part (no closing boundary: Content-Length cut short, or a chunked body ended early) is MalformedPOSTRequest and stores nothing', async () => {
    const head = (key: string): string =>
      [['key', key], ...uploadsPolicy()].map(([n, v]) => part(n!, v!)).join('') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="t"\r\n\r\n`;
    const cut = head('uploads/cut-short') + 'only half of the fi';
    const byLength = await rawPost(`/${bucket}`, { 'Content-Length': String(Buffer.byteLength(cut)) }, (write) => write(cut));
    expect(byLength).toMatch(/^HTTP\/1\.1 400/);
    expect(byLength).toContain('<Code>MalformedPOSTRequest</Code>');
    const early = head('uploads/chunked-early') + 'only half of the fi';
    const byChunks = await rawPost(`/${bucket}`, { 'Transfer-Encoding': 'chunked' }, (write) => write(`${Buffer.byteLength(early).toString(16)}\r\n${early}\r\n0\r\n\r\n`));
    expect(byChunks).toMatch(/^HTTP\/1\.1 400/);
    expect(byChunks).toContain('<Code>MalformedPOSTRequest</Code>');
    expect(await keysIn(bucket, 'uploads/cut-short')).toEqual([]);
    expect(await keysIn(bucket, 'uploads/chunked-early')).toEqual([]);
  });

  it('thousands of tiny parts before the file are MaxPostPreDataLengthExceededError; the origin keeps serving', async () => {
    const tiny: FormField[] = Array.from({ length: 3000 }, (_, i) => [`x-ignore-${i}`, '']);
    const r = await postForm(url(), [['key', 'uploads/tiny-parts'], ...tiny, ...uploadsPolicy()], { content: 'x' });
    expect(r.status, r.body).toBe(400);
    expect(errorOf(r.body).code).toBe('MaxPostPreDataLengthExceededError');
    expect(await keysIn(bucket, 'uploads/tiny-parts')).toEqual([]);
    const after = await postForm(url(), [['key', 'uploads/after-tiny'], ...uploadsPolicy()], { content: 'x' });
    expect(after.status).toBe(204);
  });

  it('an expiration that is not ISO 8601 UTC (no Z, an offset, a date alone, a number, an impossible date) is InvalidPolicyDocument', async () => {
    for (const expiration of ['2099-01-01T00:00:00', '2099-01-01T00:00:00+00:00', '2099-01-01', 4102444800, '2099-13-40T00:00:00Z']) {
      const r = await postForm(url(), [['key', 'uploads/exp'], ...sigV2Fields(origin.credentials, { expiration, conditions: [{ bucket }, ['starts-with', '$key', 'uploads/']] })], { content: 'x' });
      expect(r.status, `${expiration}: ${r.body}`).toBe(400);
      expect(errorOf(r.body).code).toBe('InvalidPolicyDocument');
    }
    expect(await keysIn(bucket, 'uploads/exp')).toEqual([]);
  });

  it('a SigV2 signature over a policy written for SigV4 does not satisfy its x-amz-* conditions', async () => {
    const v4Form = v4([{ bucket }, ['starts-with', '$key', 'uploads/']]);
    const policy = v4Form.find(([n]) => n === 'policy')![1];
    const r = await postForm(url(), [['key', 'uploads/v2-over-v4'], ...sigV2Fields(origin.credentials, policy)], { content: 'x' });
    expect(r.status, r.body).toBe(403);
    expect(errorOf(r.body).message).toMatch(/^Invalid according to Policy: Policy Condition failed: \["eq", "\$x-amz-algorithm"/);
  });

  it('concurrent forms to one key: the object is one whole upload, never a mix', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => String(i).repeat(256 * 1024));
    const answers = await Promise.all(bodies.map((content) => postForm(url(), [['key', 'uploads/race'], ...uploadsPolicy()], { content })));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 204));
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/race' }));
    expect(bodies).toContain(await got.Body!.transformToString());
  });
});

describe('PostObject attacks by an anonymous writer', () => {
  const dropBox = 'post-dropbox';
  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: dropBox }));
    // A write-only drop box: anyone may upload, nobody (but the owner) may read.
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: `arn:aws:s3:::${dropBox}/*` }] };
    await origin.s3.send(new PutBucketPolicyCommand({ Bucket: dropBox, Policy: JSON.stringify(policy) }));
  });

  it('a bucket policy granting s3:PutObject alone does not let the form set the object ACL (s3:PutObjectAcl is needed): acl=public-read is AccessDenied', async () => {
    const plain = await postForm(url(dropBox), [['key', 'drop/plain.txt']], { content: 'secret' });
    expect(plain.status, plain.body).toBe(204);
    const publicRead = await postForm(
      url(dropBox),
      [
        ['key', 'drop/public.html'],
        ['acl', 'public-read'],
        ['Content-Type', 'text/html'],
      ],
      { content: '<script>alert(1)</script>' },
    );
    expect(publicRead.status, publicRead.body).toBe(403);
    expect(errorOf(publicRead.body).code).toBe('AccessDenied');
    expect(await keysIn(dropBox)).toEqual(['drop/plain.txt']);
    // The drop box stays unreadable to everyone.
    expect((await fetch(`${url(dropBox)}/drop/plain.txt`)).status).toBe(403);
  });

  it('a policy that also grants s3:PutObjectAcl lets the anonymous form set it', async () => {
    const open = 'post-dropbox-acl';
    await origin.s3.send(new CreateBucketCommand({ Bucket: open }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: `arn:aws:s3:::${open}/*` }] };
    await origin.s3.send(new PutBucketPolicyCommand({ Bucket: open, Policy: JSON.stringify(policy) }));
    const r = await postForm(
      url(open),
      [
        ['key', 'shared.txt'],
        ['acl', 'public-read'],
      ],
      { content: 'hello' },
    );
    expect(r.status, r.body).toBe(204);
    const get = await fetch(`${url(open)}/shared.txt`);
    expect([get.status, await get.text()]).toEqual([200, 'hello']);
  });
});

describe('PostObject attacks by an anonymous writer of a public-write bucket', () => {
  const open = 'post-public-write';
  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: open, ACL: 'public-read-write' }));
  });

  it('a metadata field whose name is no HTTP header name (space, colon, NUL, non-ASCII) is refused: stored, it would make every GET of the object an InternalError', async () => {
    // A NUL in a part's header is already a broken multipart body.
    const names: [string, string][] = [
      ['x-amz-meta-a b', 'InvalidArgument'],
      ['x-amz-meta-a:b', 'InvalidArgument'],
      ['x-amz-meta-é', 'InvalidArgument'],
      ['x-amz-meta-a\u0000b', 'MalformedPOSTRequest'],
    ];
    for (const [name, code] of names) {
      const key = `poison-${Buffer.from(name).toString('hex')}`;
      const r = await postForm(
        url(open),
        [
          ['key', key],
          [name, 'v'],
        ],
        { content: 'x' },
      );
      expect(r.status, `${name}: ${r.body}`).toBe(400);
      expect(errorOf(r.body).code, JSON.stringify(name)).toBe(code);
      expect(await keysIn(open, key)).toEqual([]);
    }
    // A valid one is stored and read back.
    const ok = await postForm(
      url(open),
      [
        ['key', 'meta-ok'],
        ['x-amz-meta-Fine_Name', 'v'],
      ],
      { content: 'x' },
    );
    expect(ok.status, ok.body).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: open, Key: 'meta-ok' }));
    expect(got.Metadata).toEqual({ fine_name: 'v' });
  });
});

describe('PostObject attacks by a slow or broken client', () => {
  it('a form that sends its fields and never the file is cut off with RequestTimeout (the minimum body rate holds before the file)', async () => {
    const raw = await rawPost(`/${bucket}`, { 'Content-Length': '100000' }, (write) => {
      write(part('key', 'uploads/slow'));
      // …then nothing: the socket is held open.
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('<Code>RequestTimeout</Code>');
  });

  it('a file trickled below the minimum rate is cut off with RequestTimeout and nothing is stored', async () => {
    let timer: NodeJS.Timeout | undefined;
    const before = await dataFiles();
    const raw = await rawPost(`/${bucket}`, { 'Content-Length': '10000000' }, (write) => {
      write([['key', 'uploads/trickle'], ...uploadsPolicy()].map(([n, v]) => part(n!, v!)).join('') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="t"\r\n\r\n`);
      timer = setInterval(() => write('x'), 20);
    });
    clearInterval(timer);
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('<Code>RequestTimeout</Code>');
    expect(await keysIn(bucket, 'uploads/trickle')).toEqual([]);
    expect(await newFilesOfAtLeast(before, 1)).toEqual([]);
  });

  it('an upload aborted mid-file leaves no object and none of its data', async () => {
    const key = 'uploads/aborted';
    const start = logged.length;
    const before = await dataFiles();
    await rawPost(`/${bucket}`, { 'Content-Length': '10000000' }, (write, _end, destroy) => {
      write([['key', key], ...uploadsPolicy()].map(([n, v]) => part(n!, v!)).join('') + `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n`);
      write(Buffer.alloc(512 * 1024, 7));
      setTimeout(destroy, 100);
    });
    // The origin logs the request once it has finished with it (abandoned the write).
    await loggedRequest((e) => logged.indexOf(e) >= start && e.method === 'POST');
    expect(await keysIn(bucket, key)).toEqual([]);
    expect(await newFilesOfAtLeast(before, 256 * 1024)).toEqual([]);
    // The check sees an upload's data: the same bytes, uploaded whole, leave a file that large.
    const whole = await postForm(url(), [['key', 'uploads/whole'], ...uploadsPolicy()], { content: Buffer.alloc(512 * 1024, 7) });
    expect(whole.status).toBe(204);
    expect((await newFilesOfAtLeast(before, 256 * 1024)).length).toBeGreaterThan(0);
  });
});
