/**
 * The origin against the installed `aws` CLI (v1), unchanged, via --endpoint-url.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { hasAwsCli, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const enabled = hasAwsCli();
if (!enabled) console.warn('\n*** aws CLI not found: SKIPPING apps/origin/test/aws-cli.test.ts (install with: pip install awscli) ***\n');

let origin: TestOrigin;
let tmp: TempDir;

async function aws(args: string[], credentials = origin?.credentials): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runAws(args, { endpointUrl: origin.url, credentials, timeoutMs: 120_000 });
}

async function ok(args: string[]): Promise<string> {
  const r = await aws(args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

describe.skipIf(!enabled)('aws CLI against the origin', () => {
  beforeAll(async () => {
    origin = await startTestOrigin();
    tmp = await makeTempDir('bucketfront-awscli-');
  });
  afterAll(async () => {
    await origin?.stop();
    await tmp?.cleanup();
  });

  it('s3 mb / cp / ls / rm', async () => {
    expect(await ok(['s3', 'mb', 's3://cli-basic'])).toContain('make_bucket: cli-basic');
    const file = join(tmp.path, 'hello.txt');
    await writeFile(file, 'hello world\n');
    await ok(['s3', 'cp', file, 's3://cli-basic/greetings/hello.txt']);
    const ls = await ok(['s3', 'ls', 's3://cli-basic', '--recursive']);
    expect(ls).toMatch(/\s12 greetings\/hello\.txt/);
    const top = await ok(['s3', 'ls', 's3://cli-basic']);
    expect(top).toContain('PRE greetings/');
    expect(await ok(['s3', 'ls'])).toContain('cli-basic');
    const down = join(tmp.path, 'down.txt');
    await ok(['s3', 'cp', 's3://cli-basic/greetings/hello.txt', down]);
    expect(await readFile(down, 'utf8')).toBe('hello world\n');
    await ok(['s3', 'rm', 's3://cli-basic/greetings/hello.txt']);
    expect((await ok(['s3', 'ls', 's3://cli-basic', '--recursive'])).trim()).toBe('');
    await ok(['s3', 'rb', 's3://cli-basic']);
  });

  it('s3 sync uploads a tree, is idempotent, and --delete removes strays', async () => {
    await ok(['s3', 'mb', 's3://cli-sync']);
    const site = join(tmp.path, 'site');
    await mkdir(join(site, 'css'), { recursive: true });
    await mkdir(join(site, 'deep/er/still'), { recursive: true });
    await writeFile(join(site, 'index.html'), '<h1>home</h1>');
    await writeFile(join(site, 'css/main.css'), 'body{}');
    await writeFile(join(site, 'deep/er/still/file with space+plus.txt'), 'x');
    // sync compares local mtime with the second-granular LastModified: files written in the
    // same second as their upload would look newer (as against real S3), so age them.
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const f of ['index.html', 'css/main.css', 'deep/er/still/file with space+plus.txt']) await utimes(join(site, f), anHourAgo, anHourAgo);
    const first = await ok(['s3', 'sync', site, 's3://cli-sync']);
    expect(first.match(/upload:/g)).toHaveLength(3);
    const second = await ok(['s3', 'sync', site, 's3://cli-sync']);
    expect(second).not.toContain('upload:');
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-sync', '--key', 'index.html'])) as { ContentType: string };
    expect(head.ContentType).toBe('text/html');
    await writeFile(join(site, 'css/main.css'), 'body{color:red}');
    await ok(['s3', 'rm', join('s3://cli-sync', 'index.html').replace('s3:/', 's3://')]);
    await ok(['s3', 'cp', join(site, 'index.html'), 's3://cli-sync/stray.html']);
    const third = await ok(['s3', 'sync', site, 's3://cli-sync', '--delete']);
    expect(third).toContain('upload: ');
    expect(third).toContain('delete: s3://cli-sync/stray.html');
    const listed = await ok(['s3', 'ls', 's3://cli-sync', '--recursive']);
    expect(listed).toContain('deep/er/still/file with space+plus.txt');
    expect(listed).not.toContain('stray.html');
    // And back down.
    const back = join(tmp.path, 'site-back');
    await ok(['s3', 'sync', 's3://cli-sync', back]);
    expect(await readFile(join(back, 'css/main.css'), 'utf8')).toBe('body{color:red}');
    expect(await readFile(join(back, 'deep/er/still/file with space+plus.txt'), 'utf8')).toBe('x');
  });

  it('64 MiB multipart cp round-trips byte-identical', async () => {
    await ok(['s3', 'mb', 's3://cli-big']);
    const big = join(tmp.path, 'big.bin');
    const chunk = randomBytes(1024 * 1024);
    const parts: Buffer[] = [];
    for (let i = 0; i < 64; i++) {
      const c = Buffer.from(chunk);
      c.writeUInt32BE(i, 0);
      parts.push(c);
    }
    await writeFile(big, Buffer.concat(parts));
    await ok(['s3', 'cp', big, 's3://cli-big/big.bin']);
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-big', '--key', 'big.bin'])) as { ETag: string; ContentLength: number };
    expect(head.ContentLength).toBe(64 * 1024 * 1024);
    expect(head.ETag).toMatch(/-\d+"$/);
    const back = join(tmp.path, 'big.back');
    await ok(['s3', 'cp', 's3://cli-big/big.bin', back]);
    expect(await md5File(back)).toBe(await md5File(big));
    // Server-side copy of a large object: the CLI uses multipart UploadPartCopy with ranges.
    await ok(['s3', 'cp', 's3://cli-big/big.bin', 's3://cli-big/copy.bin']);
    const copyHead = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-big', '--key', 'copy.bin'])) as { ContentLength: number };
    expect(copyHead.ContentLength).toBe(64 * 1024 * 1024);
    const slice = join(tmp.path, 'slice.out');
    await ok(['s3api', 'get-object', '--bucket', 'cli-big', '--key', 'copy.bin', '--range', 'bytes=41943040-41943103', slice]);
    expect(await readFile(slice)).toEqual((await readFile(big)).subarray(41943040, 41943104));
    // mv = copy + delete; rm --recursive = list + DeleteObjects.
    await ok(['s3', 'mv', 's3://cli-big/copy.bin', 's3://cli-big/moved/copy.bin']);
    const afterMv = await ok(['s3', 'ls', 's3://cli-big', '--recursive']);
    expect(afterMv).toContain('moved/copy.bin');
    expect(afterMv).not.toMatch(/\scopy\.bin/);
    await ok(['s3', 'rm', 's3://cli-big', '--recursive']);
    expect((await ok(['s3', 'ls', 's3://cli-big', '--recursive'])).trim()).toBe('');
    await ok(['s3', 'rb', 's3://cli-big']);
  });

  it('s3api put-object / get-object --range / head-object / list-objects-v2 / copy-object / delete-objects', async () => {
    await ok(['s3', 'mb', 's3://cli-api']);
    const file = join(tmp.path, 'digits.txt');
    await writeFile(file, '0123456789');
    const put = JSON.parse(await ok(['s3api', 'put-object', '--bucket', 'cli-api', '--key', 'd/digits.txt', '--body', file, '--content-type', 'text/plain', '--metadata', 'k=v'])) as { ETag: string };
    expect(put.ETag).toBe(`"${createHash('md5').update('0123456789').digest('hex')}"`);
    const out = join(tmp.path, 'range.out');
    const got = JSON.parse(await ok(['s3api', 'get-object', '--bucket', 'cli-api', '--key', 'd/digits.txt', '--range', 'bytes=3-5', out])) as { ContentRange: string };
    expect(got.ContentRange).toBe('bytes 3-5/10');
    expect(await readFile(out, 'utf8')).toBe('345');
    const head = JSON.parse(await ok(['s3api', 'head-object', '--bucket', 'cli-api', '--key', 'd/digits.txt'])) as { Metadata: Record<string, string>; ContentType: string };
    expect(head.Metadata).toEqual({ k: 'v' });
    expect(head.ContentType).toBe('text/plain');
    await ok(['s3api', 'copy-object', '--bucket', 'cli-api', '--key', 'd/copy.txt', '--copy-source', 'cli-api/d/digits.txt']);
    const list = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'cli-api', '--prefix', 'd/'])) as { Contents: { Key: string }[]; KeyCount: number };
    expect(list.Contents.map((c) => c.Key)).toEqual(['d/copy.txt', 'd/digits.txt']);
    const paged = JSON.parse(await ok(['s3api', 'list-objects-v2', '--bucket', 'cli-api', '--max-items', '1'])) as { Contents: unknown[]; NextToken?: string };
    expect(paged.Contents).toHaveLength(1);
    expect(paged.NextToken).toBeTruthy();
    const del = JSON.parse(await ok(['s3api', 'delete-objects', '--bucket', 'cli-api', '--delete', 'Objects=[{Key=d/copy.txt},{Key=d/digits.txt}]'])) as { Deleted: { Key: string }[] };
    expect(del.Deleted.map((d) => d.Key).sort()).toEqual(['d/copy.txt', 'd/digits.txt']);
    const empty = await ok(['s3api', 'list-objects-v2', '--bucket', 'cli-api']);
    expect(empty).not.toContain('digits');
    const missing = await aws(['s3api', 'head-object', '--bucket', 'cli-api', '--key', 'd/digits.txt']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('404');
  });

  it('s3 presign: the URL works, a tampered one is 403', async () => {
    await ok(['s3', 'mb', 's3://cli-presign']);
    const file = join(tmp.path, 'p.txt');
    await writeFile(file, 'presigned!');
    await ok(['s3', 'cp', file, 's3://cli-presign/p.txt']);
    await ok(['s3', 'cp', file, 's3://cli-presign/q.txt']);
    const url = (await ok(['s3', 'presign', 's3://cli-presign/p.txt', '--expires-in', '120'])).trim();
    let r = await request(url);
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe('presigned!');
    r = await request(url.replace('/p.txt', '/q.txt'));
    expect(r.statusCode).toBe(403);
    expect(await r.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    // botocore presigns with SigV2 (Expires=) for s3 presign; either way a changed expiry breaks the signature.
    const later = url.replace(/([?&](?:X-Amz-)?Expires=)(\d+)/, (_m, p: string, n: string) => `${p}${Number(n) + 1}`);
    expect(later).not.toBe(url);
    r = await request(later);
    expect(r.statusCode).toBe(403);
    await r.body.text();
  });

  it('a wrong secret is SignatureDoesNotMatch; an anonymous write is AccessDenied', async () => {
    await ok(['s3', 'mb', 's3://cli-auth']);
    const wrong = await aws(['s3', 'ls', 's3://cli-auth'], { accessKeyId: origin.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('SignatureDoesNotMatch');
    const file = join(tmp.path, 'anon.txt');
    await writeFile(file, 'anon');
    const anon = await aws(['s3', 'cp', file, 's3://cli-auth/anon.txt', '--no-sign-request']);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toContain('AccessDenied');
    const listed = await ok(['s3', 'ls', 's3://cli-auth']);
    expect(listed).not.toContain('anon.txt');
  });

  it('website and policy commands', async () => {
    await ok(['s3', 'mb', 's3://cli-web']);
    await ok(['s3', 'website', 's3://cli-web', '--index-document', 'index.html', '--error-document', 'error.html']);
    const conf = JSON.parse(await ok(['s3api', 'get-bucket-website', '--bucket', 'cli-web'])) as { IndexDocument: { Suffix: string } };
    expect(conf.IndexDocument.Suffix).toBe('index.html');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::cli-web/*' }] });
    await ok(['s3api', 'put-bucket-policy', '--bucket', 'cli-web', '--policy', policy]);
    const got = JSON.parse(await ok(['s3api', 'get-bucket-policy', '--bucket', 'cli-web'])) as { Policy: string };
    expect(JSON.parse(got.Policy)).toEqual(JSON.parse(policy));
    const bad = await aws(['s3api', 'put-bucket-policy', '--bucket', 'cli-web', '--policy', '{"nope": 1}']);
    expect(bad.stderr).toContain('MalformedPolicy');
  });

  it('put-bucket-encryption / get-bucket-encryption / delete-bucket-encryption', async () => {
    await ok(['s3', 'mb', 's3://cli-enc']);
    const none = await aws(['s3api', 'get-bucket-encryption', '--bucket', 'cli-enc']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('ServerSideEncryptionConfigurationNotFoundError');
    const kms = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/cli-key' }, BucketKeyEnabled: true }] };
    expect(await ok(['s3api', 'put-bucket-encryption', '--bucket', 'cli-enc', '--server-side-encryption-configuration', JSON.stringify(kms)])).toBe('');
    const got = JSON.parse(await ok(['s3api', 'get-bucket-encryption', '--bucket', 'cli-enc'])) as { ServerSideEncryptionConfiguration: unknown };
    expect(got.ServerSideEncryptionConfiguration).toEqual(kms);
    const sseS3 = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
    await ok(['s3api', 'put-bucket-encryption', '--bucket', 'cli-enc', '--server-side-encryption-configuration', JSON.stringify(sseS3)]);
    const replaced = JSON.parse(await ok(['s3api', 'get-bucket-encryption', '--bucket', 'cli-enc'])) as { ServerSideEncryptionConfiguration: unknown };
    expect(replaced.ServerSideEncryptionConfiguration).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] });
    const bad = await aws([
      's3api',
      'put-bucket-encryption',
      '--bucket',
      'cli-enc',
      '--server-side-encryption-configuration',
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256","KMSMasterKeyID":"k"}}]}',
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('InvalidArgument');
    await ok(['s3api', 'delete-bucket-encryption', '--bucket', 'cli-enc']);
    const gone = await aws(['s3api', 'get-bucket-encryption', '--bucket', 'cli-enc']);
    expect(gone.stderr).toContain('ServerSideEncryptionConfigurationNotFoundError');
  });
});
