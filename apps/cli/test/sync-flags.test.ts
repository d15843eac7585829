/**
 * Sync flags end to end, CLI as a child process against the real origin:
 * --exact-timestamps (download direction, checked against the real `aws s3 sync` where
 * installed), --acl public-read, --region (read on the wire through a pass-through proxy),
 * and --content-type on bucket→bucket copies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { hasAwsCli, runAws, type TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { keysFromLines, parseSummary, runCli, startCliTestbed, writeTree } from './helpers.js';
import { startFlakyProxy, type FlakyProxy } from './flaky-proxy.js';

const MiB = 1024 * 1024;
let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-flags-'));
});

afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli([...args, '--endpoint-url', origin.url], { ...env, ...extraEnv });
const downloads = (stdout: string) =>
  stdout
    .split('\n')
    .map((l) => /^(?:\(dryrun\) )?download: s3:\/\/[^/]+\/(\S+) to /.exec(l)?.[1])
    .filter((k): k is string => k !== undefined)
    .sort();

/**
 * A 15.5 MiB object uploaded in 6 MiB parts: its ETag ends in `-3`, a count no common
 * part size (8, 5, 16, 15, 10 MiB…) gives for this size, so the content cannot be compared
 * locally and sync falls back to aws-cli's time rule.
 */
async function putUncomparable(Bucket: string, Key: string, body: Buffer): Promise<void> {
  const { UploadId } = await origin.s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
  const part = 6 * MiB;
  const Parts = [];
  for (let n = 1, at = 0; at < body.length; n++, at += part) {
    const { ETag } = await origin.s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: body.subarray(at, at + part) }));
    Parts.push({ ETag, PartNumber: n });
  }
  await origin.s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }));
}

describe('--exact-timestamps (bucket → local)', () => {
  const size = 15.5 * MiB;
  let down: string;
  const lastModified = new Map<string, number>();

  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'times' }));
    for (const key of ['older.bin', 'newer.bin', 'equal.bin']) await putUncomparable('times', key, randomBytes(size));
    await origin.s3.send(new PutObjectCommand({ Bucket: 'times', Key: 'same.txt', Body: 'same content' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: 'times', Key: 'diff.txt', Body: 'remote bytes' }));
    for (const key of ['older.bin', 'newer.bin', 'equal.bin', 'same.txt', 'diff.txt']) {
      const head = await origin.s3.send(new HeadObjectCommand({ Bucket: 'times', Key: key }));
      expect(head.ETag).toMatch(key.endsWith('.bin') ? /-3"$/ : /^"[0-9a-f]{32}"$/);
      lastModified.set(key, head.LastModified!.getTime());
    }
    // Local files of the same sizes; different bytes except same.txt.
    down = join(tmp.path, 'times');
    await writeTree(down, {
      'older.bin': randomBytes(size),
      'newer.bin': randomBytes(size),
      'equal.bin': randomBytes(size),
      'same.txt': 'same content',
      'diff.txt': 'local  bytes',
    });
    const offsetSeconds: Record<string, number> = { 'older.bin': -100, 'newer.bin': 100, 'equal.bin': 0, 'same.txt': -100, 'diff.txt': 0 };
    for (const [key, offset] of Object.entries(offsetSeconds)) {
      const t = lastModified.get(key)! / 1000 + offset;
      await utimes(join(down, key), t, t);
    }
  }, 120_000);

  it('without it, a same-size file is downloaded only when the local copy is newer (or its content differs)', async () => {
    const r = await cli(['sync', 's3://times', down, '--dryrun']);
    expect(r.code).toBe(0);
    expect(downloads(r.stdout)).toEqual(['diff.txt', 'newer.bin']);
  });

  it('with it, a same-size file is downloaded whenever the times differ, unless the content is known equal', async () => {
    const r = await cli(['sync', 's3://times', down, '--dryrun', '--exact-timestamps']);
    expect(r.code).toBe(0);
    // same.txt: the times differ, but its MD5 equals the ETag (content wins: deviation from aws-cli).
    expect(downloads(r.stdout)).toEqual(['diff.txt', 'newer.bin', 'older.bin']);
  });

  it.skipIf(!hasAwsCli())('selects the same uncomparable objects as `aws s3 sync`, with and without the flag', async () => {
    for (const flags of [[], ['--exact-timestamps']]) {
      const aws = await runAws(['s3', 'sync', 's3://times', down, '--dryrun', ...flags], { endpointUrl: origin.url, credentials: origin.credentials });
      expect(aws.code, aws.stderr).toBe(0);
      const ours = await cli(['sync', 's3://times', down, '--dryrun', ...flags]);
      const bins = (keys: string[]) => keys.filter((k) => k.endsWith('.bin'));
      expect(bins(downloads(ours.stdout)), flags.join(' ')).toEqual(bins(downloads(aws.stdout)));
    }
  });

  it('a real run downloads them, sets the mtimes to LastModified, and the next run transfers nothing', async () => {
    const first = await cli(['sync', 's3://times', down, '--exact-timestamps', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(parseSummary(first.stdout).downloaded.sort()).toEqual(['diff.txt', 'newer.bin', 'older.bin']);
    expect(await readFile(join(down, 'diff.txt'), 'utf8')).toBe('remote bytes');
    const again = await cli(['sync', 's3://times', down, '--exact-timestamps', '--json']);
    expect(parseSummary(again.stdout)).toMatchObject({ downloaded: [], unchanged: 5 });
  });
});

describe('--acl public-read', () => {
  const site = () => join(tmp.path, 'acl-site');
  const anonymous = (key: string) => fetch(`${origin.url}/acl/${key}`);

  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'acl' })); // no bucket policy
    await writeTree(site(), { 'a.html': '<p>a</p>', 'img/b.png': randomBytes(300) });
  });

  it('makes every synced object readable anonymously; without the flag they stay private', async () => {
    const pub = await cli(['sync', site(), 's3://acl/pub', '--acl', 'public-read']);
    expect(pub.code, pub.stderr).toBe(0);
    const priv = await cli(['sync', site(), 's3://acl/priv']);
    expect(priv.code, priv.stderr).toBe(0);
    const ok = await anonymous('pub/a.html');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('<p>a</p>');
    expect((await anonymous('pub/img/b.png')).status).toBe(200);
    const denied = await anonymous('priv/a.html');
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('the SDK-only path sends it too', async () => {
    const r = await cli(['sync', site(), 's3://acl/sdk', '--acl', 'public-read'], { BUCKETFRONT_SDK_ONLY: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect((await anonymous('sdk/a.html')).status).toBe(200);
  });
});

describe('--region', () => {
  // Deviation of our origin from S3: it accepts any region in the credential scope (S3 answers
  // AuthorizationHeaderMalformed), so the scope each request is signed with is read on the wire,
  // by a pass-through proxy in front of the origin.
  let proxy: FlakyProxy;
  const regions: string[] = [];
  const site = () => join(tmp.path, 'region-site');

  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'regions' }));
    await writeTree(site(), { 'index.html': '<h1>far</h1>', 'a/b.css': 'b{}' });
    proxy = await startFlakyProxy(origin.url, {
      observe: (req) => {
        const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/s3\/aws4_request/.exec(String(req.headers.authorization ?? ''));
        regions.push(scope?.[1] ?? 'unsigned');
      },
    });
  });

  afterAll(async () => {
    await proxy?.close();
  });

  const syncVia = async (dst: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    regions.length = 0;
    const r = await runCli(['sync', site(), dst, ...args, '--endpoint-url', proxy.url, '--json'], { ...env, ...extraEnv });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const prefix = dst.slice(dst.indexOf('/', 5) + 1);
    expect(parseSummary(r.stdout).uploaded.sort()).toEqual([`${prefix}/a/b.css`, `${prefix}/index.html`]);
    return [...new Set(regions)];
  };

  it('signs every request (listing and uploads) for the given region, over AWS_REGION / AWS_DEFAULT_REGION', async () => {
    // awsEnv sets AWS_DEFAULT_REGION=us-east-1.
    expect(await syncVia('s3://regions/lean', ['--region', 'eu-west-2'], { AWS_REGION: 'ap-south-1' })).toEqual(['eu-west-2']);
    expect(await syncVia('s3://regions/sdk', ['--region', 'eu-west-2'], { AWS_REGION: 'ap-south-1', BUCKETFRONT_SDK_ONLY: '1' })).toEqual(['eu-west-2']);
  });

  it('without it, the environment decides (AWS_REGION, then AWS_DEFAULT_REGION)', async () => {
    expect(await syncVia('s3://regions/env', [], { AWS_REGION: 'ap-south-1' })).toEqual(['ap-south-1']);
    expect(await syncVia('s3://regions/default', [])).toEqual(['us-east-1']);
  });
});

describe('--content-type on bucket → bucket copies', () => {
  const head = (Key: string) => origin.s3.send(new HeadObjectCommand({ Bucket: 'types', Key }));

  beforeAll(async () => {
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'types' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: 'types', Key: 'src/a.html', Body: '<p>a</p>', ContentType: 'text/html', CacheControl: 'max-age=5' }));
    await origin.s3.send(new PutObjectCommand({ Bucket: 'types', Key: 'src/data.json', Body: '{}', ContentType: 'application/json', CacheControl: 'max-age=5' }));
  });

  it('without metadata flags a copy keeps the source metadata', async () => {
    const r = await cli(['sync', 's3://types/src', 's3://types/plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(keysFromLines(r.stdout, 'copy')).toEqual(['plain/a.html', 'plain/data.json']);
    expect(await head('plain/a.html')).toMatchObject({ ContentType: 'text/html', CacheControl: 'max-age=5' });
  });

  it('--content-type alone replaces the Content-Type of every copied object', async () => {
    const r = await cli(['sync', 's3://types/src', 's3://types/typed', '--content-type', 'text/plain; charset=utf-8']);
    expect(r.code, r.stderr).toBe(0);
    expect(keysFromLines(r.stdout, 'copy')).toEqual(['typed/a.html', 'typed/data.json']);
    for (const key of ['typed/a.html', 'typed/data.json']) expect((await head(key)).ContentType, key).toBe('text/plain; charset=utf-8');
    const body = await origin.s3.send(new GetObjectCommand({ Bucket: 'types', Key: 'typed/a.html' }));
    expect(await body.Body!.transformToString()).toBe('<p>a</p>');
  });

  it('--cache-control alone replaces the metadata, the Content-Type guessed from the extension', async () => {
    const r = await cli(['sync', 's3://types/src', 's3://types/cached', '--cache-control', 'no-cache']);
    expect(r.code, r.stderr).toBe(0);
    expect(await head('cached/data.json')).toMatchObject({ ContentType: 'application/json', CacheControl: 'no-cache' });
  });
});
