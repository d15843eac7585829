/**
 * Our --exclude/--include must select the same keys as the real `aws s3 sync --dryrun`
 * on the same tree (both against our origin, into an empty bucket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { hasAwsCli, runAws, type TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { cliEnv, keysFromLines, parseSummary, runCli, startCliTestbed, writeTree } from './helpers.js';

const cases: string[][] = [
  [],
  ['--exclude', '*'],
  ['--exclude', '*', '--include', '*.html'],
  ['--include', '*.html', '--exclude', '*'],
  ['--exclude', 'assets/*'],
  ['--exclude', 'assets/*', '--include', '*.png'],
  ['--exclude', '*.txt', '--include', 'docs/*', '--exclude', '*.md'],
  ['--exclude', '?.html'],
  ['--exclude', '[ab]*'],
  ['--exclude', '.git/*', '--exclude', '*~'],
];

describe.skipIf(!hasAwsCli())('filters agree with aws s3 sync --dryrun', () => {
  let origin: TestOrigin;
  let tmp: TempDir;
  let site: string;

  beforeAll(async () => {
    ({ origin, tmp } = await startCliTestbed('bucketfront-cli-filters-'));
    site = join(tmp.path, 'site');
    await writeTree(site, {
      'a.html': '1',
      'b.txt': '2',
      'c.md': '3',
      'index.html': '4',
      'x.html': '5',
      'assets/app.js': '6',
      'assets/logo.png': '7',
      'assets/deep/x.png': '8',
      'docs/readme.md': '9',
      'docs/notes.txt': '10',
      'docs/page.html': '11',
      '.git/config': '12',
      'backup~': '13',
      'bin/tool': '14',
    });
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'empty' }));
  });

  afterAll(async () => {
    await origin?.stop();
    await tmp?.cleanup();
  });

  it.each(cases.map((c) => [c.join(' ') || '(none)', c] as const))('%s', async (_name, filters) => {
    const aws = await runAws(['s3', 'sync', site, 's3://empty/', '--dryrun', '--no-progress', ...filters], {
      endpointUrl: origin.url,
      credentials: origin.credentials,
    });
    expect(aws.code).toBe(0);
    const ours = await runCli(['sync', site, 's3://empty/', '--dryrun', ...filters, '--endpoint-url', origin.url], cliEnv({ credentials: origin.credentials, cacheDir: join(tmp.path, 'cache') }));
    expect(ours.code).toBe(0);
    expect(keysFromLines(ours.stdout, 'upload')).toEqual(keysFromLines(aws.stdout, 'upload'));
  });
});

describe.skipIf(!hasAwsCli())('interoperability with aws s3 sync', () => {
  let origin: TestOrigin;
  let tmp: TempDir;

  beforeAll(async () => {
    ({ origin, tmp } = await startCliTestbed('bucketfront-cli-interop-'));
  });

  afterAll(async () => {
    await origin?.stop();
    await tmp?.cleanup();
  });

  it('a tree uploaded by aws (with a multipart file) is unchanged for bucketfront, even after touching every file', async () => {
    const site = join(tmp.path, 'site');
    const files = { 'index.html': '<h1>x</h1>', 'a/b.css': 'b{}', 'big.bin': randomBytes(17 * 1024 * 1024 + 5) };
    await writeTree(site, files);
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'interop' }));
    const up = await runAws(['s3', 'sync', site, 's3://interop/', '--no-progress'], { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 });
    expect(up.code).toBe(0);
    const future = new Date(Date.now() + 7200_000);
    for (const rel of Object.keys(files)) await utimes(join(site, rel), future, future);
    const r = await runCli(['sync', site, 's3://interop/', '--json', '--endpoint-url', origin.url], cliEnv({ credentials: origin.credentials, cacheDir: join(tmp.path, 'cache') }));
    expect(r.code).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.uploaded).toEqual([]);
    expect(s.unchanged).toBe(3);
  });
});

/**
 * Output lines name local paths the way aws-cli does (relative_path: relative to the working
 * directory, `./` for a file directly in it), whatever form the path argument took.
 */
describe.skipIf(!hasAwsCli())('output lines agree with aws s3 --dryrun', () => {
  let origin: TestOrigin;
  let tmp: TempDir;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-lines-'));
    await writeTree(join(tmp.path, 'work'), {
      'site/a.html': 'a',
      'site/sub/c.txt': 'c',
      'down/extra.txt': 'local only',
      'elsewhere/.keep': '',
    });
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'lines' }));
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'filled' }));
    for (const Key of ['a.html', 'sub/c.txt']) await origin.s3.send(new PutObjectCommand({ Bucket: 'filled', Key, Body: Key }));
  });

  afterAll(async () => {
    await origin?.stop();
    await tmp?.cleanup();
  });

  /** The operation lines (not our summary line), sorted: aws-cli prints them as transfers finish. */
  const operationLines = (stdout: string) =>
    stdout
      .split('\n')
      .filter((l) => /^\(dryrun\) (upload|download|copy|move|delete): /.test(l))
      .sort();

  const work = () => join(tmp.path, 'work');
  const cases: { name: string; cwd: () => string; args: () => string[] }[] = [
    { name: 'sync ./site', cwd: work, args: () => ['sync', './site', 's3://lines'] },
    { name: 'sync site/', cwd: work, args: () => ['sync', 'site/', 's3://lines/p/'] },
    { name: 'sync /absolute/site', cwd: work, args: () => ['sync', join(work(), 'site'), 's3://lines'] },
    { name: 'sync . (inside the folder)', cwd: () => join(work(), 'site'), args: () => ['sync', '.', 's3://lines'] },
    { name: 'sync ../site (from a sibling)', cwd: () => join(work(), 'elsewhere'), args: () => ['sync', '../site', 's3://lines'] },
    { name: 'sync s3 → ./down --delete', cwd: work, args: () => ['sync', 's3://filled', './down', '--delete'] },
    { name: 'sync s3 → . --delete (inside the folder)', cwd: () => join(work(), 'down'), args: () => ['sync', 's3://filled', '.', '--delete'] },
    { name: 'cp a.html (in the working directory)', cwd: () => join(work(), 'site'), args: () => ['cp', 'a.html', 's3://lines/y.html'] },
    { name: 'mv ./site/a.html', cwd: work, args: () => ['mv', './site/a.html', 's3://lines/'] },
    { name: 'cp s3 → x.html', cwd: work, args: () => ['cp', 's3://filled/a.html', 'x.html'] },
    { name: 'cp --recursive site', cwd: work, args: () => ['cp', 'site', 's3://lines/r', '--recursive'] },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const aws = await runAws(['s3', ...c.args(), '--dryrun'], { endpointUrl: origin.url, credentials: origin.credentials, cwd: c.cwd() });
    expect(aws.code, aws.stderr).toBe(0);
    const ours = await runCli([...c.args(), '--dryrun', '--endpoint-url', origin.url], env, { cwd: c.cwd() });
    expect(ours.code, ours.stderr).toBe(0);
    const expected = operationLines(aws.stdout);
    expect(expected.length).toBeGreaterThan(0);
    expect(operationLines(ours.stdout)).toEqual(expected);
  });
});
