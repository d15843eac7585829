/**
 * Cache tags through the CLI against real servers on 127.0.0.1: `sync --cache-tag` writes the
 * user metadata `cache-tag` (seen with HeadObject, and as `x-amz-meta-cache-tag` on the origin's
 * REST and website endpoints); `deploy --invalidate-tags` sends `#tag` items to a real edge
 * control API, seen with ListInvalidations / GetInvalidation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFrontClient, GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { testEdgeOptions, type TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { loadStartEdge, parseSummary, runCli, startCliTestbed, type StartedEdge, writeTree } from './helpers.js';

let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-cache-tags-', { websitePort: true }));
});

afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

const metadataOf = async (bucket: string, key: string) => (await origin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata;

describe('sync --cache-tag', () => {
  let site: string;
  const sync = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(['sync', site, ...args, '--endpoint-url', origin.url, '--json'], { ...env, ...extraEnv });

  beforeAll(async () => {
    site = join(tmp.path, 'site');
    await writeTree(site, {
      'index.html': 'home',
      'docs/guide.html': 'guide',
      'assets/app.js': 'js',
      'robots.txt': 'robots',
      'big.bin': Buffer.alloc(9 * 1024 * 1024, 7), // multipart upload
    });
    for (const b of ['tags', 'tags-sdk', 'tags-copy']) await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
    const web = await runCli(['website', 's3://tags', '--index-document', 'index.html', '--endpoint-url', origin.url], env);
    expect(web.code, web.stderr).toBe(0);
  });

  const rules = ['--cache-tag', '**=Release-42', '--cache-tag', '*.html=html', '--cache-tag', 'assets/**=assets,release-42', '--cache-tag', '*.bin=big'];
  const expected = {
    'index.html': 'Release-42,html',
    'docs/guide.html': 'Release-42,html',
    'assets/app.js': 'Release-42,assets',
    'robots.txt': 'Release-42',
    'big.bin': 'Release-42,big',
  };

  it('uploads carry user metadata cache-tag: every matching rule adds its tags, once each without case (lean PUT and multipart)', async () => {
    const r = await sync(['s3://tags', '--acl', 'public-read', ...rules]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseSummary(r.stdout).uploaded.sort()).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expect(await metadataOf('tags', key), key).toEqual({ 'cache-tag': value });
  });

  it('through the SDK only (BUCKETFRONT_SDK_ONLY=1) the metadata is the same', async () => {
    const r = await sync(['s3://tags-sdk', ...rules], { BUCKETFRONT_SDK_ONLY: '1' });
    expect(r.code, r.stderr).toBe(0);
    for (const [key, value] of Object.entries(expected)) expect(await metadataOf('tags-sdk', key), key).toEqual({ 'cache-tag': value });
  });

  it('the origin returns x-amz-meta-cache-tag on REST GET/HEAD and on the website endpoint GET/HEAD', async () => {
    for (const method of ['GET', 'HEAD'] as const) {
      const rest = await request(`${origin.url}/tags/index.html`, { method });
      await rest.body.dump();
      expect(rest.statusCode).toBe(200);
      expect(rest.headers['x-amz-meta-cache-tag']).toBe('Release-42,html');
      const web = await request(`${origin.websiteUrl}/docs/guide.html`, { method, headers: { host: 'tags' } });
      await web.body.dump();
      expect(web.statusCode).toBe(200);
      expect(web.headers['x-amz-meta-cache-tag']).toBe('Release-42,html');
    }
  });

  it('like --cache-control, a changed rule tags only what this sync uploads: unchanged objects keep their tags', async () => {
    await writeFile(join(site, 'robots.txt'), 'robots v2');
    const r = await sync(['s3://tags', '--cache-tag', '**=release-43']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).uploaded).toEqual(['robots.txt']);
    expect(await metadataOf('tags', 'robots.txt')).toEqual({ 'cache-tag': 'release-43' });
    expect(await metadataOf('tags', 'index.html')).toEqual({ 'cache-tag': 'Release-42,html' });
    // Without any rule an upload has no cache-tag metadata.
    await writeFile(join(site, 'robots.txt'), 'robots v3');
    expect((await sync(['s3://tags'])).code).toBe(0);
    expect(await metadataOf('tags', 'robots.txt')).toEqual({});
  });

  it('s3 → s3: --cache-tag replaces the copied metadata', async () => {
    const r = await runCli(['sync', 's3://tags-sdk', 's3://tags-copy', '--cache-tag', '*.html=copied', '--endpoint-url', origin.url, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await metadataOf('tags-copy', 'index.html')).toEqual({ 'cache-tag': 'copied' });
  });

  it.each([
    ['**=new release', /visible ASCII/],
    ['**=a,b,', /empty tag/],
    ['release-42', /GLOB=TAG/],
    [`**=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`, /51 tags; CloudFront stores at most 50/],
  ])('--cache-tag %s → usage error (exit 2), nothing uploaded', async (rule, message) => {
    await writeFile(join(site, 'robots.txt'), `robots ${rule}`);
    const r = await sync(['s3://tags', '--cache-tag', rule]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: expect.stringMatching(message) });
    expect(await metadataOf('tags', 'robots.txt')).toEqual({});
  });
});

describe('deploy --invalidate-tags', () => {
  const TAGGED = 'ETAGDEPLOY01';
  const PLAIN = 'EPLAINDEPLOY';
  let edge: StartedEdge;
  let cf: CloudFrontClient;
  let site: string;
  const rules = ['--cache-tag', '**=release-1', '--cache-tag', '*.html=html', '--cache-tag', 'assets/**=assets'];

  beforeAll(async () => {
    site = join(tmp.path, 'deploy-site');
    await writeTree(site, { 'index.html': 'home', 'a.html': 'a', 'assets/app.js': 'js', 'robots.txt': 'robots' });
    await origin.s3.send(new CreateBucketCommand({ Bucket: 'deploy-tags' }));
    const startEdge = await loadStartEdge();
    const distribution = (id: string, extra: Record<string, unknown>) => ({
      id,
      origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: 'deploy-tags' }],
      defaultCacheBehavior: { targetOriginId: 'web' },
      ...extra,
    });
    edge = await startEdge({
      config: {
        cache: { diskPath: false },
        distributions: [distribution(TAGGED, { cacheTagConfig: { headerName: 'x-amz-meta-cache-tag' } }), distribution(PLAIN, {})],
      },
      ...testEdgeOptions(origin.credentials),
    });
    cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: { ...origin.credentials }, maxAttempts: 1 });
  });

  afterAll(async () => {
    cf?.destroy();
    await edge?.close();
  });

  const deploy = (distribution: string, ...extra: string[]) =>
    runCli(['deploy', site, 's3://deploy-tags', '--distribution', distribution, '--edge-endpoint-url', edge.controlUrl, '--endpoint-url', origin.url, '--delete', ...extra], env);

  const latestItems = async (distribution: string) => {
    const list = await cf.send(new ListInvalidationsCommand({ DistributionId: distribution }));
    const id = list.InvalidationList!.Items![0]!.Id!;
    const got = await cf.send(new GetInvalidationCommand({ DistributionId: distribution, Id: id }));
    return { id, status: got.Invalidation!.Status, items: got.Invalidation!.InvalidationBatch!.Paths!.Items! };
  };

  it('first deploy: one #tag item per tag of the uploaded objects, seen by ListInvalidations / GetInvalidation', async () => {
    const r = await deploy(TAGGED, ...rules, '--invalidate-tags', '--json', '--wait');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.invalidation?.paths).toEqual(['#assets', '#html', '#release-1']);
    expect(s.invalidation?.status).toBe('Completed');
    expect(await latestItems(TAGGED)).toEqual({ id: s.invalidation!.id, status: 'Completed', items: ['#assets', '#html', '#release-1'] });
    expect(await metadataOf('deploy-tags', 'assets/app.js')).toEqual({ 'cache-tag': 'release-1,assets' });
  });

  it("a change: only the changed objects' tags; a deleted object's tags come from the rules too", async () => {
    await writeFile(join(site, 'assets/app.js'), 'js v2');
    await rm(join(site, 'a.html'));
    const r = await deploy(TAGGED, '--cache-tag', 'assets/**=assets', '--cache-tag', '*.html=html', '--invalidate-tags', '--json');
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.uploaded).toEqual(['assets/app.js']);
    expect(s.deleted).toEqual(['a.html']);
    expect((await latestItems(TAGGED)).items).toEqual(['#assets', '#html']);
  });

  it('changed objects without tags are invalidated by path, mixed with the tags, and the CLI says so', async () => {
    await writeFile(join(site, 'robots.txt'), 'robots v2');
    await writeFile(join(site, 'index.html'), 'home v2');
    const r = await deploy(TAGGED, '--cache-tag', '*.html=html', '--invalidate-tags');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/--invalidate-tags: 1 changed object\(s\) without a cache tag are invalidated by path/);
    expect(r.stdout).toMatch(/invalidate: 1 tag\(s\) and 1 path\(s\) on ETAGDEPLOY01/);
    expect((await latestItems(TAGGED)).items).toEqual(['#html', '/robots.txt']);
  });

  it('no tag on the changed objects: falls back to paths and says so', async () => {
    await writeFile(join(site, 'index.html'), 'home v3');
    const r = await deploy(TAGGED, '--invalidate-tags');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no --cache-tag rule tags the changed objects: invalidating by path/);
    expect((await latestItems(TAGGED)).items).toEqual(['/', '/index.html']);
  });

  it('a distribution without CacheTagConfig: paths, and the CLI says why', async () => {
    await writeFile(join(site, 'index.html'), 'home v4');
    const r = await deploy(PLAIN, ...rules, '--invalidate-tags');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/--invalidate-tags: EPLAINDEPLOY has no CacheTagConfig: invalidating by path/);
    expect((await latestItems(PLAIN)).items).toEqual(['/', '/index.html']);
  });

  it('--dryrun prints the tag items and sends nothing', async () => {
    await writeFile(join(site, 'index.html'), 'home v5');
    const before = await latestItems(TAGGED);
    const r = await deploy(TAGGED, ...rules, '--invalidate-tags', '--dryrun');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(dryrun\) invalidate: #html #release-1\n/);
    expect((await latestItems(TAGGED)).id).toBe(before.id);
  });

  it('bucketfront invalidate takes #tag items too', async () => {
    const r = await runCli(['invalidate', '--distribution', TAGGED, '#Release-1', '/x.html', '--endpoint-url', edge.controlUrl, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect((await latestItems(TAGGED)).items).toEqual(['#Release-1', '/x.html']);
    const bad = await runCli(['invalidate', '--distribution', TAGGED, '#a,b', '--endpoint-url', edge.controlUrl], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid cache tag #a,b/);
  });
});
