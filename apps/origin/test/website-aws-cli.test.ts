/**
 * The website endpoints end to end: buckets configured with the real aws CLI
 * (v1) against our S3 API, then browsed over HTTP with forged Host headers
 * (dash and dot forms on the API port, custom domains on the website port).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { executableFor, testStoreOptions } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrigin } from '../src/index.js';

const run = promisify(execFile);

function findAws(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'aws'))) return join(dir, 'aws');
  }
  return null;
}
const AWS = findAws() === null ? null : executableFor('aws');
if (!AWS) {
  console.warn('\n*** SKIPPING website-aws-cli tests: the `aws` CLI (v1, `pip install awscli`) is not on PATH ***\n');
}

const credentials = { accessKeyId: 'AKIDWEBSITETEST', secretAccessKey: 'website-test-secret-key' };
let origin: Awaited<ReturnType<typeof startOrigin>>;
let work: string;
let awsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (!AWS) return;
  work = await mkdtemp(join(tmpdir(), 'bf-website-cli-'));
  await writeFile(join(work, 'empty-config'), '');
  origin = await startOrigin({
    ...testStoreOptions(join(work, 'data')),
    port: 0,
    websitePort: 0,
    websiteDomain: 'localhost',
    region: 'us-east-1',
    credentials,
    accessLog: false,
    spaFallback: true, // for the SPA block below; sdk.test.ts checks the default refusal
  });
  awsEnv = {
    PATH: process.env.PATH,
    HOME: work,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(work, 'empty-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'empty-config'),
  };
});

afterAll(async () => {
  if (!AWS) return;
  await origin?.close();
  await rm(work, { recursive: true, force: true });
});

async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(AWS!, [...args, '--endpoint-url', origin.url], { env: awsEnv });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function ok(...args: string[]): Promise<string> {
  const r = await aws(...args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

async function fetchSite(host: string, path = '/', init: { method?: string; headers?: Record<string, string>; websitePort?: boolean } = {}) {
  const base = init.websitePort ? origin.websiteUrl! : origin.url;
  const res = await request(`${base}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...init.headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const dash = (b: string) => `${b}.s3-website-us-east-1.localhost`;
const dot = (b: string) => `${b}.s3-website.us-east-1.localhost`;
const publicReadPolicy = (b: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }] });
const publicListPolicy = (b: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` },
    ],
  });

async function writeSite(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), body);
  }
}

describe.skipIf(!AWS)('aws s3 website + sync + put-bucket-policy', () => {
  beforeAll(async () => {
    const dir = join(work, 'site');
    await writeSite(dir, {
      'index.html': '<h1>home</h1>',
      'error.html': '<h1>custom 404</h1>',
      'about/index.html': '<h1>about</h1>',
      'css/site.css': 'body{}',
    });
    await ok('s3', 'mb', 's3://site');
    await ok('s3', 'sync', dir, 's3://site', '--no-progress');
    await ok('s3', 'website', 's3://site', '--index-document', 'index.html', '--error-document', 'error.html');
    await ok('s3api', 'put-bucket-policy', '--bucket', 'site', '--policy', publicListPolicy('site'));
  });

  it('get-bucket-website returns what `aws s3 website` set', async () => {
    expect(JSON.parse(await ok('s3api', 'get-bucket-website', '--bucket', 'site'))).toEqual({
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
    });
  });

  it.each([
    ['dash', dash('site'), false],
    ['dot', dot('site'), false],
    ['website port, dash', dash('site'), true],
    ['website port, custom domain = bucket', 'site', true],
  ])('serves the index (%s)', async (_name, host, websitePort) => {
    const r = await fetchSite(host, '/', { websitePort });
    expect(r.status).toBe(200);
    expect(r.body).toBe('<h1>home</h1>');
    expect(r.headers['content-type']).toBe('text/html');
  });

  it.each([false, true])('bare endpoint → 301 aws.amazon.com/s3/, other region → 400 (website port: %s)', async (websitePort) => {
    const bare = await fetchSite('s3-website-us-east-1.localhost', '/', { websitePort });
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('https://aws.amazon.com/s3/');
    const other = await fetchSite('site.s3-website.eu-west-1.localhost', '/', { websitePort });
    expect(other.status).toBe(400);
  });

  it('folders: /about → 302 /about/, /about/ → its index', async () => {
    const r = await fetchSite(dot('site'), '/about');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/about/');
    expect((await fetchSite(dot('site'), '/about/')).body).toBe('<h1>about</h1>');
  });

  it('a miss serves error.html with 404 and the x-amz-error-* headers', async () => {
    const r = await fetchSite(dash('site'), '/missing/page.html');
    expect(r.status).toBe(404);
    expect(r.body).toBe('<h1>custom 404</h1>');
    expect(r.headers['x-amz-error-code']).toBe('NoSuchKey');
    expect(r.headers['x-amz-error-detail-key']).toBe('missing/page.html');
  });

  it('content types from sync, HEAD, 304 and 206', async () => {
    const css = await fetchSite(dash('site'), '/css/site.css');
    expect(css.headers['content-type']).toBe('text/css');
    const head = await fetchSite(dash('site'), '/css/site.css', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('6');
    const cached = await fetchSite(dash('site'), '/css/site.css', { headers: { 'if-none-match': String(css.headers.etag) } });
    expect(cached.status).toBe(304);
    const part = await fetchSite(dash('site'), '/css/site.css', { headers: { range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(part.body).toBe('body');
  });

  it('POST → 405', async () => {
    const r = await fetchSite(dash('site'), '/', { method: 'POST' });
    expect(r.status).toBe(405);
    expect(r.body).toContain('<li>Method: POST</li>\n<li>ResourceType: OBJECT</li>');
  });

  it('NoSuchBucket and NoSuchWebsiteConfiguration', async () => {
    const nb = await fetchSite(dash('no-such-site'));
    expect(nb.status).toBe(404);
    expect(nb.body).toContain('<li>Code: NoSuchBucket</li>\n<li>Message: The specified bucket does not exist</li>\n<li>BucketName: no-such-site</li>');
    await ok('s3', 'mb', 's3://not-a-site');
    const nw = await fetchSite(dash('not-a-site'));
    expect(nw.status).toBe(404);
    expect(nw.body).toContain('<li>Code: NoSuchWebsiteConfiguration</li>');
  });

  it('delete-bucket-website turns the site off', async () => {
    await ok('s3', 'mb', 's3://short-lived');
    await ok('s3', 'website', 's3://short-lived', '--index-document', 'index.html');
    expect((await fetchSite(dash('short-lived'))).status).toBe(403); // private, empty
    await ok('s3api', 'delete-bucket-website', '--bucket', 'short-lived');
    const r = await fetchSite(dash('short-lived'));
    expect(r.status).toBe(404);
    expect(r.body).toContain('NoSuchWebsiteConfiguration');
  });
});

describe.skipIf(!AWS)('visibility (ceph/s3-tests public/private bucket × index)', () => {
  beforeAll(async () => {
    const dir = join(work, 'vis');
    await writeSite(dir, { 'index.html': 'idx' });
    for (const b of ['vis-policy', 'vis-private', 'vis-getonly', 'vis-acl']) {
      await ok('s3', 'mb', `s3://${b}`);
      await ok('s3', 'website', `s3://${b}`, '--index-document', 'index.html', '--error-document', 'error.html');
    }
    await ok('s3', 'cp', join(dir, 'index.html'), 's3://vis-policy/index.html');
    await ok('s3api', 'put-bucket-policy', '--bucket', 'vis-policy', '--policy', publicListPolicy('vis-policy'));
    await ok('s3', 'cp', join(dir, 'index.html'), 's3://vis-private/index.html');
    await ok('s3api', 'put-bucket-policy', '--bucket', 'vis-getonly', '--policy', publicReadPolicy('vis-getonly'));
    await ok('s3', 'cp', join(dir, 'index.html'), 's3://vis-acl/index.html', '--acl', 'public-read');
    await ok('s3api', 'put-bucket-acl', '--bucket', 'vis-acl', '--acl', 'public-read');
  });

  it.each([
    ['vis-policy', '/', 200, 'idx'],
    ['vis-policy', '/nope', 404, '<li>Key: nope</li>'],
    ['vis-private', '/', 403, '<li>Code: AccessDenied</li>'],
    ['vis-getonly', '/', 403, '<li>Code: AccessDenied</li>'], // empty, not listable → 403
    ['vis-acl', '/', 200, 'idx'],
    ['vis-acl', '/nope', 404, '<li>Code: NoSuchKey</li>'],
  ])('%s %s → %i', async (bucket, path, status, body) => {
    const r = await fetchSite(dash(bucket), path);
    expect(r.status).toBe(status);
    expect(r.body).toContain(body);
  });

  it('a missing error document adds the failure section', async () => {
    const r = await fetchSite(dash('vis-policy'), '/nope');
    expect(r.body).toContain('<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>');
  });
});

describe.skipIf(!AWS)('routing rules via put-bucket-website --website-configuration file://', () => {
  beforeAll(async () => {
    await ok('s3', 'mb', 's3://rules');
    await ok('s3api', 'put-bucket-policy', '--bucket', 'rules', '--policy', publicListPolicy('rules'));
    await writeSite(join(work, 'rules'), { 'index.html': 'home', 'docs/a.html': 'a' });
    await ok('s3', 'sync', join(work, 'rules'), 's3://rules', '--no-progress');
    const config = {
      IndexDocument: { Suffix: 'index.html' },
      ErrorDocument: { Key: 'error.html' },
      RoutingRules: [
        { Condition: { KeyPrefixEquals: 'docs/' }, Redirect: { ReplaceKeyPrefixWith: 'documents/' } },
        { Condition: { KeyPrefixEquals: 'index' }, Redirect: { ReplaceKeyWith: 'never-for-slash' } },
        { Condition: { KeyPrefixEquals: 'away/' }, Redirect: { Protocol: 'https', HostName: 'example.com', ReplaceKeyPrefixWith: '' } },
        ...[301, 302, 303, 304, 305, 306, 307, 308].map((c) => ({ Condition: { KeyPrefixEquals: `c${c}` }, Redirect: { ReplaceKeyWith: `t${c}`, HttpRedirectCode: String(c) } })),
        { Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyPrefixWith: 'report-404/' } },
      ],
    };
    await writeFile(join(work, 'rules.json'), JSON.stringify(config));
    await ok('s3api', 'put-bucket-website', '--bucket', 'rules', '--website-configuration', `file://${join(work, 'rules.json')}`);
  });

  it('get-bucket-website round-trips the rules', async () => {
    const got = JSON.parse(await ok('s3api', 'get-bucket-website', '--bucket', 'rules'));
    expect(got.RoutingRules).toHaveLength(12);
    expect(got.RoutingRules[11]).toEqual({ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyPrefixWith: 'report-404/' } });
  });

  it.each<[string, number, (host: string) => string]>([
    ['/docs/a.html', 301, (h: string) => `http://${h}/documents/a.html`],
    ['/away/x/y', 301, () => 'https://example.com/x/y'],
    ['/x', 301, (h: string) => `http://${h}/report-404/x`],
    ['/index.html', 301, (h: string) => `http://${h}/never-for-slash`],
    ...[301, 302, 303, 304, 305, 306, 307, 308].map((c): [string, number, (host: string) => string] => [`/c${c}`, c, (h) => `http://${h}/t${c}`]),
  ])('%s → %i', async (path, status, location) => {
    const host = dash('rules');
    const r = await fetchSite(host, path);
    expect(r.status).toBe(status);
    expect(r.headers.location).toBe(location(host));
    expect(r.body).toBe('');
  });

  it('/ does not match KeyPrefixEquals=index', async () => {
    expect((await fetchSite(dash('rules'), '/')).body).toBe('home');
  });

  it('refuses invalid configurations with AWS messages', async () => {
    const empty = await aws(
      's3api',
      'put-bucket-website',
      '--bucket',
      'rules',
      '--website-configuration',
      JSON.stringify({ IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Condition: {}, Redirect: { HostName: 'x' } }] }),
    );
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('InvalidRequest');
    expect(empty.stderr).toContain('Condition cannot be empty.');
    const badCode = await aws(
      's3api',
      'put-bucket-website',
      '--bucket',
      'rules',
      '--website-configuration',
      JSON.stringify({ IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Redirect: { HttpRedirectCode: '300' } }] }),
    );
    expect(badCode.stderr).toContain('The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300.');
    const noIndex = await aws('s3api', 'put-bucket-website', '--bucket', 'rules', '--website-configuration', JSON.stringify({ ErrorDocument: { Key: 'e.html' } }));
    expect(noIndex.stderr).toContain('A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty');
    // The earlier configuration is untouched.
    expect((await fetchSite(dash('rules'), '/c307')).status).toBe(307);
  });
});

describe.skipIf(!AWS)('redirects', () => {
  beforeAll(async () => {
    await ok('s3', 'mb', 's3://moved');
    await ok('s3api', 'put-bucket-website', '--bucket', 'moved', '--website-configuration', JSON.stringify({ RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'https' } }));
    await ok('s3', 'mb', 's3://xred');
    await ok('s3', 'website', 's3://xred', '--index-document', 'index.html');
    await writeFile(join(work, 'empty.txt'), '');
    await ok('s3api', 'put-object', '--bucket', 'xred', '--key', 'rel', '--body', join(work, 'empty.txt'), '--website-redirect-location', '/target.html', '--acl', 'public-read');
    await ok('s3api', 'put-object', '--bucket', 'xred', '--key', 'abs', '--body', join(work, 'empty.txt'), '--website-redirect-location', 'https://example.org/page', '--acl', 'public-read');
    await ok('s3api', 'put-object', '--bucket', 'xred', '--key', 'private', '--body', join(work, 'empty.txt'), '--website-redirect-location', '/target.html');
  });

  it('RedirectAllRequestsTo with path and protocol, on a private bucket', async () => {
    const r = await fetchSite(dash('moved'), '/some/path.html');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://example.com/some/path.html');
    expect(r.body).toBe('');
  });

  it.each([
    ['/rel', 301, '/target.html'],
    ['/abs', 301, 'https://example.org/page'],
    ['/private', 403, undefined],
  ])('object redirect %s → %i', async (path, status, location) => {
    const r = await fetchSite(dot('xred'), path);
    expect(r.status).toBe(status);
    expect(r.headers.location).toBe(location);
  });
});

describe.skipIf(!AWS)('bucket policy validation through the API', () => {
  it('refuses a policy naming another bucket', async () => {
    await ok('s3', 'mb', 's3://pol');
    const r = await aws('s3api', 'put-bucket-policy', '--bucket', 'pol', '--policy', publicReadPolicy('someone-else'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('MalformedPolicy');
    expect(r.stderr).toContain('Policy has invalid resource');
  });
});

describe.skipIf(!AWS)('SPA fallback (bucketfront extension, origin started with spaFallback) set with standard tools', () => {
  beforeAll(async () => {
    await ok('s3', 'mb', 's3://spa');
    await writeSite(join(work, 'spa'), { 'index.html': '<div id="app"></div>', 'app.js': 'boot()' });
    await ok('s3', 'sync', join(work, 'spa'), 's3://spa', '--no-progress');
    await ok('s3api', 'put-bucket-policy', '--bucket', 'spa', '--policy', publicListPolicy('spa'));
    await ok(
      's3api',
      'put-bucket-website',
      '--bucket',
      'spa',
      '--website-configuration',
      JSON.stringify({
        IndexDocument: { Suffix: 'index.html' },
        RoutingRules: [{ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: 'index.html', HttpRedirectCode: '200' } }],
      }),
    );
  });

  it('unknown routes get index.html with 200; files are served as usual', async () => {
    const r = await fetchSite(dash('spa'), '/users/42');
    expect(r.status).toBe(200);
    expect(r.body).toBe('<div id="app"></div>');
    expect((await fetchSite(dash('spa'), '/app.js')).body).toBe('boot()');
  });
});
