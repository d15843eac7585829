/**
 * `bucketfront sync` end to end: the CLI as a child process against the real origin
 * (startOrigin on 127.0.0.1:0), with the origin's credentials in the environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { keysFromLines, listTree, parseSummary, REPO_ROOT, runCli, startCliTestbed, writeTree } from './helpers.js';

let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
let site: string;
const MiB = 1024 * 1024;

const files: Record<string, string | Buffer> = {
  'index.html': '<h1>home</h1>',
  'about/index.html': '<h1>about</h1>',
  'assets/app.js': 'console.log(1)',
  'assets/style.css': 'body{}',
  'assets/img/logo.png': randomBytes(3000),
  'docs/a b/ü.txt': 'unicode and spaces',
  'empty.txt': '',
  "special/a+b!c'(d)*e=f&g,h;i:j@k$l.txt": 'reserved characters in a key',
  // ≥ 8 MiB: multipart upload; its ETag is compared as a multipart ETag.
  'video/big.bin': randomBytes(9 * MiB + 123),
};
for (let i = 0; i < 40; i++) files[`pages/p${i}.html`] = `<p>page ${i}</p>`;
const allKeys = Object.keys(files).sort();

const sync = (...args: string[]) => runCli(['sync', ...args, '--endpoint-url', origin.url], env);
const syncJson = async (...args: string[]) => {
  const r = await sync(...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseSummary(r.stdout);
};

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-'));
  site = join(tmp.path, 'site');
  await writeTree(site, files);
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'site' }));
});

afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

describe('sync local → bucket', () => {
  it('first sync uploads everything, in aws-cli line format, with a summary', async () => {
    const r = await sync(site, 's3://site/', '--cache-control', 'assets/**=public, max-age=31536000, immutable', '--cache-control', '*.html=no-cache');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(keysFromLines(r.stdout, 'upload')).toEqual(allKeys);
    // aws-cli's relative_path: relative to the working directory (the CLI runs in REPO_ROOT).
    expect(r.stdout).toContain(`upload: ${relative(REPO_ROOT, join(site, 'index.html'))} to s3://site/index.html`);
    expect(r.stdout).toMatch(/Summary: 49 uploaded, 0 unchanged/);
    const big = await origin.s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'video/big.bin' }));
    expect(Buffer.from(await big.Body!.transformToByteArray()).equals(files['video/big.bin'] as Buffer)).toBe(true);
  });

  it('sets Content-Type from the extension and Cache-Control by first matching rule', async () => {
    const head = (Key: string) => origin.s3.send(new HeadObjectCommand({ Bucket: 'site', Key }));
    const js = await head('assets/app.js');
    expect(js.ContentType).toMatch(/^(application|text)\/javascript/);
    expect(js.CacheControl).toBe('public, max-age=31536000, immutable');
    const html = await head('about/index.html');
    expect(html.ContentType).toMatch(/^text\/html/);
    expect(html.CacheControl).toBe('no-cache');
    expect((await head('empty.txt')).CacheControl).toBeUndefined();
  });

  it('a second sync uploads nothing', async () => {
    const s = await syncJson(site, 's3://site');
    expect(s.uploaded).toEqual([]);
    expect(s.unchanged).toBe(allKeys.length);
  });

  it('touching every file (mtime only) uploads nothing, even without the hash cache', async () => {
    const future = new Date(Date.now() + 3600_000);
    for (const rel of allKeys) await utimes(join(site, rel), future, future);
    const s = await syncJson(site, 's3://site', '--no-hash-cache');
    expect(s.uploaded).toEqual([]);
    expect(s.unchanged).toBe(allKeys.length);
    // And with the cache (now stale for every file: mtimes changed).
    expect((await syncJson(site, 's3://site')).uploaded).toEqual([]);
  });

  it('editing one file (same size, same mtime) uploads exactly that file', async () => {
    const path = join(site, 'pages/p7.html');
    const before = (await readFile(path, 'utf8')).replace('page 7', 'PAGE 7');
    const st = new Date(Date.now() + 3600_000);
    await writeFile(path, before);
    await utimes(path, st, st);
    const s = await syncJson(site, 's3://site');
    expect(s.uploaded).toEqual(['pages/p7.html']);
    expect(s.unchanged).toBe(allKeys.length - 1);
  });

  it('--size-only skips a same-size change, the default does not', async () => {
    await writeFile(join(site, 'pages/p8.html'), '<p>PAGE 8</p>');
    expect((await syncJson(site, 's3://site', '--size-only', '--dryrun')).uploaded).toEqual([]);
    expect((await syncJson(site, 's3://site', '--dryrun')).uploaded).toEqual(['pages/p8.html']);
  });

  it('--delete removes remote extras, but not excluded ones', async () => {
    for (const Key of ['old.html', 'keep/old.html']) await origin.s3.send(new PutObjectCommand({ Bucket: 'site', Key, Body: 'x' }));
    const dry = await sync(site, 's3://site', '--delete', '--exclude', 'keep/*', '--dryrun');
    expect(dry.stdout).toContain('(dryrun) delete: s3://site/old.html');
    const s = await syncJson(site, 's3://site', '--delete', '--exclude', 'keep/*');
    expect(s.deleted).toEqual(['old.html']);
    expect(s.uploaded).toEqual(['pages/p8.html']);
    const s2 = await syncJson(site, 's3://site', '--delete');
    expect(s2.deleted).toEqual(['keep/old.html']);
  });

  it('--exclude/--include: last matching filter wins', async () => {
    const s = await syncJson(site, 's3://site/filtered', '--dryrun', '--exclude', '*', '--include', '*.html', '--exclude', 'pages/*');
    expect(s.uploaded).toEqual(['filtered/about/index.html', 'filtered/index.html']);
  });
});

describe('SDK-only uploads (no lean PUT path)', () => {
  it('upload the same tree with the same results', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'sdk' }));
    const r = await runCli(['sync', site, 's3://sdk', '--endpoint-url', origin.url, '--json'], { ...env, BUCKETFRONT_SDK_ONLY: '1' });
    expect(r.code).toBe(0);
    expect(parseSummary(r.stdout).uploaded.sort()).toEqual(allKeys);
    const lean = await origin.s3.send(new HeadObjectCommand({ Bucket: 'site', Key: 'assets/app.js' }));
    const sdk = await origin.s3.send(new HeadObjectCommand({ Bucket: 'sdk', Key: 'assets/app.js' }));
    expect(sdk.ETag).toBe(lean.ETag);
    expect(sdk.ContentType).toBe(lean.ContentType);
  });
});

describe('sync bucket → local and bucket → bucket', () => {
  it('round trip is byte-identical, and a second download transfers nothing', async () => {
    const down = join(tmp.path, 'down');
    const s = await syncJson('s3://site', down);
    expect(s.downloaded.sort()).toEqual(allKeys);
    expect(await listTree(down)).toEqual(allKeys);
    for (const rel of allKeys) expect((await readFile(join(down, rel))).equals(await readFile(join(site, rel)))).toBe(true);
    const again = await syncJson('s3://site', down);
    expect(again.downloaded).toEqual([]);
    expect(again.unchanged).toBe(allKeys.length);
    // --delete on a download removes local extras.
    await writeFile(join(down, 'local-only.txt'), 'x');
    const cleaned = await syncJson('s3://site', down, '--delete');
    expect(cleaned.deleted).toEqual(['local-only.txt']);
    expect(await listTree(down)).toEqual(allKeys);
  });

  it('keys that would land outside the destination directory are skipped with a warning', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'evil' }));
    for (const Key of ['ok.txt', '../escape.txt', 'a/../../escape2.txt']) await origin.s3.send(new PutObjectCommand({ Bucket: 'evil', Key, Body: 'x' }));
    const down = join(tmp.path, 'evil', 'inside');
    const r = await sync('s3://evil', down, '--json');
    expect(r.code).toBe(0);
    expect(parseSummary(r.stdout).downloaded).toEqual(['ok.txt']);
    expect(r.stderr).toContain('warning: Skipping file s3://evil/../escape.txt. File references a parent directory.');
    expect(await listTree(join(tmp.path, 'evil'))).toEqual(['inside/ok.txt']);
  });

  it('copies between buckets, then nothing on the second run', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'copy' }));
    const s = await syncJson('s3://site/assets/', 's3://copy/a');
    expect(s.copied.sort()).toEqual(['a/app.js', 'a/img/logo.png', 'a/style.css']);
    expect((await syncJson('s3://site/assets', 's3://copy/a')).copied).toEqual([]);
  });
});

describe('credentials and endpoint from the environment and profiles', () => {
  it('AWS_ENDPOINT_URL stands in for --endpoint-url', async () => {
    const r = await runCli(['ls', 's3://site/pages/', '--summarize'], { ...env, AWS_ENDPOINT_URL: origin.url });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Total Objects: 40');
  });

  it('--profile reads the shared credentials file (and the lean requests sign with it)', async () => {
    const dir = join(tmp.path, 'aws-profile');
    await writeTree(dir, {
      credentials: `[deploy]\naws_access_key_id = ${origin.credentials.accessKeyId}\naws_secret_access_key = ${origin.credentials.secretAccessKey}\n`,
      config: '[profile deploy]\nregion = us-east-1\n',
    });
    const profileEnv: NodeJS.ProcessEnv = { ...env, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    delete profileEnv.AWS_ACCESS_KEY_ID;
    delete profileEnv.AWS_SECRET_ACCESS_KEY;
    const r = await runCli(['sync', site, 's3://site', '--profile', 'deploy', '--endpoint-url', origin.url, '--json', '--dryrun'], profileEnv);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseSummary(r.stdout).unchanged).toBeGreaterThan(40);
    const bad = await runCli(['ls', 's3://site', '--profile', 'nope', '--endpoint-url', origin.url], profileEnv);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('multipart server-side copy (past the CopyObject limit, lowered for the test)', () => {
  it('copies a large object byte-exactly, keeping its Content-Type', async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'mpcopy' }));
    const r = await runCli(['cp', 's3://site/video/big.bin', 's3://mpcopy/copied.bin', '--endpoint-url', origin.url], {
      ...env,
      BUCKETFRONT_MULTIPART_COPY_THRESHOLD: String(6 * MiB),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const copy = await origin.s3.send(new GetObjectCommand({ Bucket: 'mpcopy', Key: 'copied.bin' }));
    expect(copy.ETag).toMatch(/-2"$/);
    expect(copy.ContentType).toBe('application/octet-stream');
    expect(Buffer.from(await copy.Body!.transformToByteArray()).equals(files['video/big.bin'] as Buffer)).toBe(true);
  });
});

describe('errors', () => {
  it('unknown bucket: one line, exit 1, no stack', async () => {
    const r = await sync(site, 's3://no-such-bucket-here');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/NoSuchBucket/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // With --json, stdout still carries one document.
    const j = await sync(site, 's3://no-such-bucket-here', '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, error: expect.stringMatching(/NoSuchBucket/) });
  });

  it('usage errors exit 2', async () => {
    expect((await sync(site, join(tmp.path, 'other'))).code).toBe(2);
    expect((await runCli(['sync', site], env)).code).toBe(2);
    expect((await runCli(['sync', site, 's3://', '--endpoint-url', origin.url], env)).code).toBe(2);
    expect((await runCli(['sync', site, 's3://b', '--concurrency', 'lots'], env)).code).toBe(2);
  });

  it('wrong credentials: exit 1 with the S3 error code', async () => {
    const r = await runCli(['ls', 's3://site', '--endpoint-url', origin.url], { ...env, AWS_SECRET_ACCESS_KEY: 'wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/);
  });

  it('missing credentials: one line saying how to provide them', async () => {
    const noCredentials = { ...env };
    delete noCredentials.AWS_ACCESS_KEY_ID;
    delete noCredentials.AWS_SECRET_ACCESS_KEY;
    const r = await runCli(['ls', 's3://site', '--endpoint-url', origin.url], noCredentials);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bucketfront: Unable to locate credentials/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('unreachable endpoint: exit 1, one line', async () => {
    const r = await runCli(['ls', 's3://site', '--endpoint-url', 'http://127.0.0.1:9'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Could not connect to the endpoint/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
