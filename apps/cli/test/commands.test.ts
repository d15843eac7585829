/** cp, mv, ls, rm, mb, rb, website, presign against the real origin, CLI as a child process. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GetBucketWebsiteCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { request } from 'undici';
import type { TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { listTree, parseSummary, REPO_ROOT, runCli, startCliTestbed, writeTree } from './helpers.js';

let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
const cli = (...args: string[]) => runCli([...args, '--endpoint-url', origin.url], env);
const keys = async (Bucket: string) => ((await origin.s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((c) => c.Key!).sort();

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-cmd-', { spaFallback: true })); // `website --spa-fallback` below
  await writeTree(join(tmp.path, 'src'), { 'a.txt': 'A', 'd/b.html': '<b>', 'd/e/c.css': 'c{}' });
});

afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

describe('bucket and object commands', () => {
  it('mb creates a bucket; ls lists it', async () => {
    const r = await cli('mb', 's3://cmds');
    expect(r).toMatchObject({ code: 0, stdout: 'make_bucket: cmds\n' });
    const ls = await cli('ls');
    expect(ls.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d cmds$/m);
  });

  it('cp file → object: to a prefix keeps the base name, to a key uses it', async () => {
    const r1 = await cli('cp', join(tmp.path, 'src/a.txt'), 's3://cmds/dir/');
    // Local paths print relative to the working directory (the CLI runs in REPO_ROOT), like aws-cli.
    expect(r1.stdout).toBe(`upload: ${relative(REPO_ROOT, join(tmp.path, 'src/a.txt'))} to s3://cmds/dir/a.txt\n`);
    const r2 = await cli('cp', join(tmp.path, 'src/a.txt'), 's3://cmds/renamed.txt', '--cache-control', 'max-age=60');
    expect(r2.code).toBe(0);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: 'cmds', Key: 'renamed.txt' }));
    expect(head.CacheControl).toBe('max-age=60');
    expect(head.ContentType).toMatch(/^text\/plain/);
  });

  it('cp --recursive with filters, object → file, object → object', async () => {
    const r = await cli('cp', join(tmp.path, 'src'), 's3://cmds/tree', '--recursive', '--exclude', '*.css');
    expect(r.code).toBe(0);
    expect(await keys('cmds')).toEqual(['dir/a.txt', 'renamed.txt', 'tree/a.txt', 'tree/d/b.html']);
    const down = join(tmp.path, 'one');
    const r2 = await cli('cp', 's3://cmds/tree/d/b.html', `${down}/`);
    expect(r2.stdout).toBe(`download: s3://cmds/tree/d/b.html to ${relative(REPO_ROOT, join(down, 'b.html'))}\n`);
    expect(await readFile(join(down, 'b.html'), 'utf8')).toBe('<b>');
    const r3 = await cli('cp', 's3://cmds/tree/a.txt', 's3://cmds/copied/');
    expect(r3.stdout).toBe('copy: s3://cmds/tree/a.txt to s3://cmds/copied/a.txt\n');
  });

  it('ls prints PRE lines, --recursive keys, --summarize totals', async () => {
    const r = await cli('ls', 's3://cmds/');
    expect(r.stdout).toContain(`${' '.repeat(27)}PRE tree/\n`);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {10}1 renamed\.txt$/m);
    const rec = await cli('ls', 's3://cmds/tree', '--recursive', '--summarize', '--human-readable');
    expect(rec.stdout).toMatch(/ 3 Bytes tree\/d\/b\.html$/m);
    expect(rec.stdout).toContain('\nTotal Objects: 2\n   Total Size: 4 Bytes\n');
  });

  it('mv moves files and objects', async () => {
    const r = await cli('mv', 's3://cmds/copied/a.txt', join(tmp.path, 'moved.txt'));
    expect(r.stdout).toBe(`move: s3://cmds/copied/a.txt to ${relative(REPO_ROOT, join(tmp.path, 'moved.txt'))}\n`);
    expect(await keys('cmds')).not.toContain('copied/a.txt');
    const r2 = await cli('mv', join(tmp.path, 'moved.txt'), 's3://cmds/back.txt');
    expect(r2.code).toBe(0);
    await expect(stat(join(tmp.path, 'moved.txt'))).rejects.toThrow();
    expect(await keys('cmds')).toContain('back.txt');
  });

  it('mv --recursive uploads a tree and removes the local files', async () => {
    const dir = join(tmp.path, 'to-move');
    await writeTree(dir, { 'x.txt': 'x', 'sub/y.txt': 'y' });
    const r = await cli('mv', dir, 's3://cmds/moved', '--recursive');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`move: ${relative(REPO_ROOT, join(dir, 'sub/y.txt'))} to s3://cmds/moved/sub/y.txt`);
    expect(await listTree(dir)).toEqual([]);
    expect((await keys('cmds')).filter((k) => k.startsWith('moved/'))).toEqual(['moved/sub/y.txt', 'moved/x.txt']);
    await cli('rm', 's3://cmds/moved', '--recursive');
  });

  it('rm deletes one object, or a prefix with --recursive', async () => {
    expect((await cli('rm', 's3://cmds/back.txt')).stdout).toBe('delete: s3://cmds/back.txt\n');
    const r = await cli('rm', 's3://cmds/tree', '--recursive');
    expect(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('delete:'))
        .sort(),
    ).toEqual(['delete: s3://cmds/tree/a.txt', 'delete: s3://cmds/tree/d/b.html']);
    expect(await keys('cmds')).toEqual(['dir/a.txt', 'renamed.txt']);
  });

  it('rb refuses a non-empty bucket, rb --force empties and removes it', async () => {
    const r = await cli('rb', 's3://cmds');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BucketNotEmpty/);
    const f = await cli('rb', 's3://cmds', '--force');
    expect(f.code).toBe(0);
    expect(f.stdout).toContain('remove_bucket: cmds\n');
  });

  it('website sets index, error document and the SPA fallback rule', async () => {
    await cli('mb', 's3://web');
    const r = await cli('website', 's3://web', '--index-document', 'index.html', '--error-document', '404.html', '--spa-fallback', 'index.html');
    expect(r.code).toBe(0);
    const w = await origin.s3.send(new GetBucketWebsiteCommand({ Bucket: 'web' }));
    expect(w.IndexDocument?.Suffix).toBe('index.html');
    expect(w.ErrorDocument?.Key).toBe('404.html');
    expect(w.RoutingRules?.[0]).toMatchObject({
      Condition: { HttpErrorCodeReturnedEquals: '404' },
      Redirect: { ReplaceKeyWith: 'index.html', HttpRedirectCode: '200' },
    });
  });

  it('presign gives a URL that fetches the object without credentials', async () => {
    await cli('cp', join(tmp.path, 'src/a.txt'), 's3://web/secret.txt');
    const r = await cli('presign', 's3://web/secret.txt', '--expires-in', '60');
    expect(r.code).toBe(0);
    const res = await request(r.stdout.trim());
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe('A');
  });

  it('cp - streams stdin to an object (multipart past 8 MiB) and an object back to stdout', async () => {
    const body = Buffer.alloc(9 * 1024 * 1024 + 7, 'z');
    body.write('head', 0);
    const up = await runCli(['cp', '-', 's3://web/stream.bin', '--endpoint-url', origin.url], env, { input: body });
    expect(up.code).toBe(0);
    const down = await cli('cp', 's3://web/stream.bin', '-');
    expect(down.code).toBe(0);
    expect(down.stdoutBytes.equals(body)).toBe(true);
  });

  it('sync --json of a dryrun parses and lists the would-be uploads', async () => {
    const r = await cli('sync', join(tmp.path, 'src'), 's3://web/x', '--dryrun', '--json');
    const s = parseSummary(r.stdout);
    expect(s.uploaded.sort()).toEqual(['x/a.txt', 'x/d/b.html', 'x/d/e/c.css']);
    expect(await listTree(join(tmp.path, 'src'))).toHaveLength(3);
  });
});
