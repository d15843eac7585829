/**
 * Our --exclude/--include must select the same keys as the real `aws s3 sync --dryrun`
 * on the same tree (both against our origin, into an empty bucket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { hasAwsCli, makeTempDir, runAws, startTestOrigin, type TempDir, type TestOrigin } from '@bucketfront/test-support';
import { cliEnv, keysFromLines, parseSummary, runCli, writeTree } from './helpers.js';

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
    origin = await startTestOrigin();
    tmp = await makeTempDir('bucketfront-cli-filters-');
    site = join(tmp.path, 'site');
    await writeTree(site, {
      'a.html': '1', 'b.txt': '2', 'c.md': '3', 'index.html': '4', 'x.html': '5',
      'assets/app.js': '6', 'assets/logo.png': '7', 'assets/deep/x.png': '8',
      'docs/readme.md': '9', 'docs/notes.txt': '10', 'docs/page.html': '11',
      '.git/config': '12', 'backup~': '13', 'bin/tool': '14',
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
    origin = await startTestOrigin();
    tmp = await makeTempDir('bucketfront-cli-interop-');
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
