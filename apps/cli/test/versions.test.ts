/**
 * Object versions from the CLI, against a real origin (and edge): `versioning`, `ls --versions`,
 * `restore --to-version` and `rollback --to TIME`, the undo of a bad deploy: every file back to
 * the first deploy's bytes, in the bucket and through the edge, which had cached the bad ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { request } from 'undici';
import type { TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import type { RollbackSummary } from '../src/commands/rollback.js';
import { lsTime } from '../src/util/format.js';
import { runCli, startCliTestbed, startSiteEdge, type StartedEdge, writeTree } from './helpers.js';

let origin: TestOrigin;
let edge: StartedEdge;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
let s3: S3Client;
const DIST = 'EROLLBACKTEST1';

const cli = (...args: string[]) => runCli([...args, '--endpoint-url', origin.url], env);
const bytesOf = async (bucket: string, key: string) => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
const put = async (bucket: string, key: string, body: string | Buffer) => (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId!;
const edgeGet = async (path: string) => {
  const res = await request(`${edge.url}${path}`);
  return { status: res.statusCode, body: Buffer.from(await res.body.arrayBuffer()), xcache: String(res.headers['x-cache'] ?? '') };
};
/** Sleeps until just past the next whole second: what is written after it has a later LastModified (1-second precision). */
const nextSecond = () => new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-versions-', { websitePort: true }));
  s3 = origin.s3;
  for (const b of ['hist', 'plain', 'site']) await s3.send(new CreateBucketCommand({ Bucket: b }));
  edge = await startSiteEdge(origin, DIST);
});

afterAll(async () => {
  await edge?.close();
  await origin?.stop();
  await tmp?.cleanup();
});

describe('versioning', () => {
  it('prints the status, enables and suspends', async () => {
    expect(await cli('versioning', 's3://hist')).toMatchObject({ code: 0, stdout: 's3://hist: versioning never enabled\n' });
    expect(await cli('versioning', 's3://hist', 'suspend')).toMatchObject({ code: 0, stdout: 's3://hist: versioning Suspended\n' });
    expect(await cli('versioning', 's3://hist', 'enable')).toMatchObject({ code: 0, stdout: 's3://hist: versioning Enabled\n' });
    expect(await cli('versioning', 's3://hist', '--json')).toMatchObject({ code: 0, stdout: '{"bucket":"hist","status":"Enabled"}\n' });
  });

  it('bad input: a key, an unknown action, an unknown bucket', async () => {
    expect(await cli('versioning', 's3://hist/a.txt', 'enable')).toMatchObject({ code: 2, stderr: expect.stringMatching(/versioning is a bucket setting/) });
    expect(await cli('versioning', 's3://hist', 'off')).toMatchObject({ code: 2, stderr: expect.stringMatching(/the action is enable or suspend, got off/) });
    expect(await cli('versioning', 's3://nope')).toMatchObject({ code: 1, stderr: expect.stringMatching(/NoSuchBucket/) });
  });
});

describe('ls --versions and restore', () => {
  const ids: Record<string, string> = {};
  let marker = '';

  beforeAll(async () => {
    // One after the other, most within one second: the listing order is the only order.
    ids.one = await put('hist', 'dir/x.txt', 'one');
    ids.two = await put('hist', 'dir/x.txt', 'two!');
    marker = (await s3.send(new DeleteObjectCommand({ Bucket: 'hist', Key: 'dir/x.txt' }))).VersionId!;
    ids.three = await put('hist', 'dir/x.txt', 'three');
    ids.top = await put('hist', 'top.txt', 'top v1');
  });

  it('every version and delete marker, newest first per key: date, size or DELETE MARKER, version id, latest, key', async () => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'hist' }));
    const when = (id: string) => lsTime([...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].find((v) => v.VersionId === id)!.LastModified);
    const line = (id: string, size: string, latest: boolean, name: string) => `${when(id)} ${size.padStart(13)} ${id.padEnd(32)} ${latest ? 'latest' : '      '} ${name}`;
    const r = await cli('ls', '--versions', '--recursive', 's3://hist');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, -1)).toEqual([
      line(ids.three!, '5', true, 'dir/x.txt'),
      line(marker, 'DELETE MARKER', false, 'dir/x.txt'),
      line(ids.two!, '4', false, 'dir/x.txt'),
      line(ids.one!, '3', false, 'dir/x.txt'),
      line(ids.top!, '6', true, 'top.txt'),
    ]);
  });

  it('without --recursive: one level with PRE lines, as ls; --summarize counts', async () => {
    const r = await cli('ls', '--versions', 's3://hist', '--summarize');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${'PRE'.padStart(33)} dir/`);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d {13}6 ${ids.top} latest top\\.txt$`));
    expect(r.stdout).toContain('\n      Total Versions: 1\nTotal Delete Markers: 0\n          Total Size: 6\n');
    const inDir = await cli('ls', '--versions', 's3://hist/dir/');
    expect(
      inDir.stdout
        .split('\n')
        .slice(0, -1)
        .map((l) => l.split(/ +/).pop()),
    ).toEqual(['x.txt', 'x.txt', 'x.txt', 'x.txt']);
  });

  it('restore makes an earlier version current again: the same bytes, a new version, every old one kept', async () => {
    const r = await cli('restore', 's3://hist/dir/x.txt', '--to-version', ids.one!);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'hist', Key: 'dir/x.txt' }));
    expect(r.stdout).toBe(`restore: s3://hist/dir/x.txt to version ${ids.one} (the new current version is ${head.VersionId})\n`);
    expect((await bytesOf('hist', 'dir/x.txt')).toString()).toBe('one');
    expect(head.VersionId).not.toBe(ids.one);
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'hist', Prefix: 'dir/' }));
    expect(listed.Versions?.length).toBe(4);
  });

  it("the copy keeps the version's ACL grants (a public object stays public), or takes --acl", async () => {
    const pub = (await s3.send(new PutObjectCommand({ Bucket: 'hist', Key: 'pub.txt', Body: 'public v1', ACL: 'public-read' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket: 'hist', Key: 'pub.txt', Body: 'public v2', ACL: 'public-read' }));
    expect((await cli('restore', 's3://hist/pub.txt', '--to-version', pub)).code).toBe(0);
    const anonymous = await request(`${origin.url}/hist/pub.txt`);
    expect({ status: anonymous.statusCode, body: await anonymous.body.text() }).toEqual({ status: 200, body: 'public v1' });
    const priv = await put('hist', 'priv.txt', 'private v1');
    await put('hist', 'priv.txt', 'private v2');
    expect((await cli('restore', 's3://hist/priv.txt', '--to-version', priv, '--acl', 'public-read')).code).toBe(0);
    expect((await request(`${origin.url}/hist/priv.txt`)).statusCode).toBe(200);
  });

  it('restoring the current version does nothing', async () => {
    const r = await cli('restore', 's3://hist/top.txt', '--to-version', ids.top!);
    expect(r).toMatchObject({ code: 0, stdout: `s3://hist/top.txt: version ${ids.top} is already the current version: nothing to do\n` });
  });

  it('bad input: an unknown version, a delete marker, a bucket without versioning, a prefix', async () => {
    const unknown = await cli('restore', 's3://hist/dir/x.txt', '--to-version', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown).toMatchObject({ code: 1, stderr: 'bucketfront: s3://hist/dir/x.txt has no version AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA (NoSuchVersion)\n' });
    const dm = await cli('restore', 's3://hist/dir/x.txt', '--to-version', marker);
    expect(dm.code).toBe(1);
    expect(dm.stderr).toMatch(new RegExp(`version ${marker} of s3://hist/dir/x.txt is a delete marker, not an object: there is nothing to restore`));
    await put('plain', 'a.txt', 'a');
    const plain = await cli('restore', 's3://plain/a.txt', '--to-version', 'null');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/versioning has never been enabled on s3:\/\/plain: it has no earlier versions to go back to \(`bucketfront versioning s3:\/\/plain enable`/);
    expect(await cli('restore', 's3://hist/dir/', '--to-version', ids.one!)).toMatchObject({ code: 2, stderr: expect.stringMatching(/restore takes one object/) });
  });

  it('over the CopyObject limit the version is copied in parts (UploadPartCopy), bytes equal', async () => {
    const big = randomBytes(11 * 1024 * 1024);
    const v1 = await put('hist', 'big.bin', big);
    await put('hist', 'big.bin', 'small now');
    const r = await runCli(['restore', 's3://hist/big.bin', '--to-version', v1, '--endpoint-url', origin.url], { ...env, BUCKETFRONT_MULTIPART_COPY_THRESHOLD: String(5 * 1024 * 1024) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await bytesOf('hist', 'big.bin')).equals(big)).toBe(true);
    // A multipart ETag: the copy went through UploadPartCopy.
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'hist', Key: 'big.bin' }))).ETag).toMatch(/-3"$/);
  });
});

describe('rollback: the undo of a bad deploy', () => {
  const good: Record<string, string | Buffer> = {
    'index.html': 'home v1',
    'a.html': 'a v1',
    'b.html': 'b v1 (removed by the bad deploy)',
    'docs/index.html': 'docs v1',
    'keep.html': 'keep (never changed)',
    'logo.png': randomBytes(70_000),
  };
  let site = '';
  let between = '';

  const deploy = async () => {
    const r = await runCli(
      ['deploy', site, 's3://site', '--distribution', DIST, '--edge-endpoint-url', edge.controlUrl, '--endpoint-url', origin.url, '--acl', 'public-read', '--delete', '--wait', '--quiet'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  };
  // No --acl: each restored file keeps its version's own grants (GetObjectAcl ?versionId), public-read
  // from the deploy, so the edge can fetch it.
  const rollback = (...extra: string[]) => cli('rollback', 's3://site', '--to', between, '--distribution', DIST, '--edge-endpoint-url', edge.controlUrl, '--wait', ...extra);

  beforeAll(async () => {
    site = join(tmp.path, 'site');
    expect((await cli('website', 's3://site', '--index-document', 'index.html')).code).toBe(0);
    expect((await cli('versioning', 's3://site', 'enable')).code).toBe(0);
    await writeTree(site, good);
    await deploy();
    // A time after the good deploy's last write and before the bad one's first.
    between = new Date(Math.floor(Date.now() / 1000) * 1000 + 500).toISOString();
    await nextSecond();
    await writeTree(site, { 'index.html': 'home v2 BAD', 'a.html': 'a v2 BAD', 'docs/index.html': 'docs v2 BAD', 'new.html': 'added by the bad deploy', 'logo.png': randomBytes(50_000) });
    await rm(join(site, 'b.html'));
    await deploy();
    // The edge caches the bad site.
    for (const p of ['/', '/a.html', '/docs/', '/new.html', '/logo.png', '/keep.html']) await edgeGet(p);
    expect(await edgeGet('/a.html')).toMatchObject({ status: 200, body: Buffer.from('a v2 BAD'), xcache: expect.stringMatching(/^Hit/) });
    expect((await edgeGet('/')).body.toString()).toBe('home v2 BAD');
  });

  it('--dryrun prints the plan and changes nothing', async () => {
    const before = await s3.send(new ListObjectVersionsCommand({ Bucket: 'site' }));
    const r = await rollback('--dry-run');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`(dryrun) rollback s3://site/ to ${lsTime(new Date(between))} (${between}): 7 key(s), 6 to change`);
    expect(
      lines
        .filter((l) => /^\(dryrun\) (restore|delete): /.test(l))
        .map((l) => l.replace(/ to version \S+$/, ''))
        .sort(),
    ).toEqual([
      '(dryrun) delete: s3://site/new.html',
      '(dryrun) restore: s3://site/a.html',
      '(dryrun) restore: s3://site/b.html',
      '(dryrun) restore: s3://site/docs/index.html',
      '(dryrun) restore: s3://site/index.html',
      '(dryrun) restore: s3://site/logo.png',
    ]);
    expect(r.stdout).toContain('(dryrun) invalidate: / /a.html /b.html /docs /docs/ /docs/index.html /index.html /logo.png /new.html\n');
    expect(r.stdout).toMatch(/\(dryrun\) Summary: 5 restored, 1 deleted, 1 unchanged, 0 failed in /);
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: 'site' }));
    expect(after.Versions?.length).toBe(before.Versions?.length);
    expect(after.DeleteMarkers?.length ?? 0).toBe(before.DeleteMarkers?.length ?? 0);
    expect((await bytesOf('site', 'a.html')).toString()).toBe('a v2 BAD');
  });

  it('restores every file to the first deploy, removes the added one, brings back the removed one, and invalidates exactly those paths', async () => {
    const r = await rollback('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as RollbackSummary;
    expect(s).toMatchObject({ ok: true, dryrun: false, to: between, unchanged: 1, failed: [], deleted: ['new.html'] });
    expect(s.restored.map((x) => x.key)).toEqual(['a.html', 'b.html', 'docs/index.html', 'index.html', 'logo.png']);
    expect(s.invalidation).toMatchObject({ status: 'Completed', paths: ['/', '/a.html', '/b.html', '/docs', '/docs/', '/docs/index.html', '/index.html', '/logo.png', '/new.html'] });

    const current = await s3.send(new ListObjectsV2Command({ Bucket: 'site' }));
    expect(current.Contents?.map((c) => c.Key)).toEqual(Object.keys(good).sort());
    for (const [key, content] of Object.entries(good)) expect((await bytesOf('site', key)).equals(Buffer.from(content)), key).toBe(true);
  });

  it('the edge serves the first deploy again', async () => {
    const paths: Record<string, string> = { '/': 'index.html', '/a.html': 'a.html', '/b.html': 'b.html', '/docs/': 'docs/index.html', '/logo.png': 'logo.png', '/keep.html': 'keep.html' };
    for (const [path, key] of Object.entries(paths)) {
      const res = await edgeGet(path);
      expect(res.status, path).toBe(200);
      expect(res.body.equals(Buffer.from(good[key]!)), path).toBe(true);
    }
    const gone = await edgeGet('/new.html');
    expect([403, 404]).toContain(gone.status);
  });

  it('a second rollback to the same time has nothing to do', async () => {
    const r = await rollback();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nothing changed: no invalidation\n');
    expect(r.stdout).toMatch(/Summary: 0 restored, 0 deleted, 7 unchanged, 0 failed in /);
  });

  it('--to now (0s) has nothing to do', async () => {
    const r = await cli('rollback', 's3://site', '--to', '0s', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ restored: [], deleted: [], unchanged: 7, invalidation: null });
  });

  it('bad input: a bucket without versioning, an unreadable time', async () => {
    const plain = await cli('rollback', 's3://plain', '--to', '10m');
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(/^bucketfront: versioning has never been enabled on s3:\/\/plain: it has no earlier versions to go back to/);
    const time = await cli('rollback', 's3://site', '--to', 'last tuesday-ish');
    expect(time.code).toBe(2);
    expect(time.stderr).toMatch(/--to: cannot read "last tuesday-ish" as a time/);
    await cli('versioning', 's3://hist', 'suspend');
    const suspended = await cli('rollback', 's3://hist', '--to', '1h');
    expect(suspended.code).toBe(1);
    expect(suspended.stderr).toMatch(/versioning is Suspended on s3:\/\/hist: a copy or delete there would replace the null version for good/);
    await cli('versioning', 's3://hist', 'enable');
  });
});

describe('rollback of one prefix', () => {
  it('only keys under the prefix change; a missing file ends up deleted', async () => {
    await cli('versioning', 's3://hist', 'enable');
    await put('hist', 'app/a.txt', 'app a v1');
    await put('hist', 'other/a.txt', 'other v1');
    const t = new Date(Math.floor(Date.now() / 1000) * 1000 + 500).toISOString();
    await nextSecond();
    await put('hist', 'app/a.txt', 'app a v2');
    await put('hist', 'app/new.txt', 'new');
    await put('hist', 'other/a.txt', 'other v2');
    const r = await cli('rollback', 's3://hist/app', '--to', t);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('delete: s3://hist/app/new.txt\n');
    expect(r.stdout).toMatch(/restore: s3:\/\/hist\/app\/a\.txt to version \S+\n/);
    expect((await bytesOf('hist', 'app/a.txt')).toString()).toBe('app a v1');
    expect((await bytesOf('hist', 'other/a.txt')).toString()).toBe('other v2');
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'hist', Key: 'app/new.txt' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
