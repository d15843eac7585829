/**
 * The website endpoint over real HTTP, backed by the real filesystem store
 * (no S3 API involved: objects, ACLs and configurations are written through
 * the ObjectStore). Covers docs/s3-website-rules.md and the ceph/s3-tests website cases;
 * website-aws-cli.test.ts repeats the main flows through the S3 API and the
 * aws CLI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type CannedAcl, type ObjectMetadata, type ObjectStore } from '@bucketfront/object-store';
import { listenOnLoopback, testStoreOptions } from '@bucketfront/test-support';
import { serializeWebsiteConfiguration, type WebsiteConfiguration } from '@bucketfront/website';
import { handleWebsiteRequest } from '../src/website/index.js';
import { staticUserDirectory } from '../src/users/directory.js';

let store: ObjectStore;
let server: Server;
let base: string;
let dataDir: string;
let requestCounter = 0;
const users = staticUserDirectory([{ accessKeyId: 'AKIDWEBSITETEST', secretAccessKey: 'secret' }]);

const REGION = 'us-east-1';
const dash = (bucket: string) => `${bucket}.s3-website-${REGION}.localhost`;
const dot = (bucket: string) => `${bucket}.s3-website.${REGION}.localhost`;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bf-website-'));
  const where = testStoreOptions(dataDir);
  store = 'store' in where ? (await openStore(where.store, { credentials: where.storeCredentials })).store : (await openStore(`fs:${dataDir}`)).store;
  server = createServer((req, res) => {
    void handleWebsiteRequest(req, res, {
      store,
      users,
      region: REGION,
      websiteDomain: 'localhost',
      isWebsitePort: true,
      requestId: `REQ${++requestCounter}`,
      hostId: 'HOSTID',
      scheme: 'http',
    });
  });
  base = await listenOnLoopback(server);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function put(bucket: string, key: string, body: string, meta: Partial<ObjectMetadata> = {}): Promise<void> {
  await store.putObject(bucket, key, Readable.from([Buffer.from(body)]), { userMetadata: {}, ...meta });
}

async function bucketWith(
  name: string,
  opts: { acl?: CannedAcl; website?: WebsiteConfiguration; policy?: 'public-read' | string; objects?: Record<string, string | [string, Partial<ObjectMetadata>]> },
): Promise<void> {
  await store.createBucket(name, { region: REGION, acl: opts.acl ?? 'private' });
  if (opts.website) await store.putBucketConfig(name, 'website', serializeWebsiteConfiguration(opts.website));
  if (opts.policy) {
    const policy =
      opts.policy === 'public-read'
        ? JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` }] })
        : opts.policy;
    await store.putBucketConfig(name, 'policy', policy);
  }
  for (const [key, value] of Object.entries(opts.objects ?? {})) {
    if (typeof value === 'string') await put(name, key, value);
    else await put(name, key, value[0], value[1]);
  }
}

async function get(host: string, path = '/', init: { method?: string; headers?: Record<string, string> } = {}) {
  const res = await request(`${base}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    headers: { host, ...init.headers },
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}

const site: WebsiteConfiguration = { indexDocument: { suffix: 'index.html' }, errorDocument: { key: 'error.html' } };
const indexOnly: WebsiteConfiguration = { indexDocument: { suffix: 'index.html' } };
const PUBLIC: Partial<ObjectMetadata> = { acl: 'public-read' };

describe('hosts (docs/s3-website-rules.md#hosts)', () => {
  beforeAll(async () => {
    await bucketWith('hosts', { website: indexOnly, policy: 'public-read', objects: { 'index.html': '<p>home</p>' } });
    await bucketWith('www.example.com', { website: indexOnly, policy: 'public-read', objects: { 'index.html': 'cname' } });
  });

  it.each([dash('hosts'), dot('hosts'), `${dash('hosts')}:8080`, 'HOSTS.S3-WEBSITE.US-EAST-1.LOCALHOST'])('serves %s', async (host) => {
    const r = await get(host);
    expect(r.status).toBe(200);
    expect(r.body).toBe('<p>home</p>');
    expect(r.headers['content-type']).toBe('text/html');
  });

  it('custom domain: the Host is the bucket name (CNAME)', async () => {
    expect((await get('www.example.com')).body).toBe('cname');
    expect((await get(dash('www.example.com'))).body).toBe('cname');
  });

  it('bare endpoint → 301 https://aws.amazon.com/s3/', async () => {
    const r = await get(`s3-website-${REGION}.localhost`);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('https://aws.amazon.com/s3/');
    expect(r.body).toBe('');
  });

  it('another region → 400', async () => {
    const r = await get('hosts.s3-website-eu-west-1.localhost');
    expect(r.status).toBe(400);
    expect(r.body).toContain('<li>BucketName: hosts</li>');
  });

  it('unknown bucket → 404 NoSuchBucket page (as S3)', async () => {
    const r = await get(dash('nope-nope'), '/x');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toBe(
      '<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchBucket</li>\n' +
        '<li>Message: The specified bucket does not exist</li>\n<li>BucketName: nope-nope</li>\n' +
        `<li>RequestId: ${r.headers['x-amz-request-id']}</li>\n<li>HostId: HOSTID</li>\n</ul>\n<hr/>\n</body>\n</html>\n`,
    );
  });

  it('bucket without website configuration → 404 NoSuchWebsiteConfiguration, even for redirecting objects (as S3)', async () => {
    await bucketWith('plain', { policy: 'public-read', objects: { page: ['x', { websiteRedirectLocation: '/y' }] } });
    for (const path of ['/', '/page']) {
      const r = await get(dash('plain'), path);
      expect(r.status).toBe(404);
      expect(r.body).toContain('<li>Code: NoSuchWebsiteConfiguration</li>\n<li>Message: The specified bucket does not have a website configuration</li>\n<li>BucketName: plain</li>\n');
    }
  });
});

describe('ceph/s3-tests: bucket × index visibility', () => {
  beforeAll(async () => {
    await bucketWith('pub-pub', { acl: 'public-read', website: indexOnly, objects: { 'index.html': ['pub', PUBLIC] } });
    await bucketWith('pub-priv', { acl: 'public-read', website: indexOnly, objects: { 'index.html': 'priv' } });
    await bucketWith('priv-pub', { website: indexOnly, objects: { 'index.html': ['pub', PUBLIC] } });
    await bucketWith('priv-priv', { website: indexOnly, objects: { 'index.html': 'priv' } });
    await bucketWith('pub-empty', { acl: 'public-read', website: indexOnly });
    await bucketWith('priv-empty', { website: indexOnly });
  });

  it.each([
    ['pub-pub', 200, 'pub'],
    ['priv-pub', 200, 'pub'],
    ['pub-priv', 403, '<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n<li>RequestId'],
    ['priv-priv', 403, '<li>Code: AccessDenied</li>'],
    ['pub-empty', 404, '<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: index.html</li>'],
    ['priv-empty', 403, '<li>Code: AccessDenied</li>'],
  ])('%s → %i', async (bucket, status, body) => {
    const r = await get(dash(bucket));
    expect(r.status).toBe(status);
    expect(r.body).toContain(body);
    if (status === 403) expect(r.body).not.toContain('Key:');
  });
});

describe('ceph/s3-tests: error documents', () => {
  const errorDoc = '<html>custom error</html>';
  beforeAll(async () => {
    await bucketWith('err-missing', { acl: 'public-read', website: site });
    await bucketWith('err-blocked', { acl: 'public-read', website: site, objects: { 'error.html': errorDoc } });
    await bucketWith('err-good', { acl: 'public-read', website: site, objects: { 'error.html': [errorDoc, { acl: 'public-read', contentType: 'text/html' }] } });
    await bucketWith('err-good-priv', { website: site, objects: { 'error.html': [errorDoc, PUBLIC], 'secret.html': 's' } });
    await bucketWith('err-redirect', { acl: 'public-read', website: site, objects: { 'error.html': ['x', { acl: 'public-read', websiteRedirectLocation: '/oops' }] } });
    // private buckets (no anonymous s3:ListBucket): a missing key is a 403
    await bucketWith('err-priv-missing', { website: site });
    await bucketWith('err-priv-blocked', { website: site, objects: { 'error.html': errorDoc } });
    await bucketWith('err-priv-index-blocked', { website: site, objects: { 'index.html': 'private index', 'error.html': errorDoc } });
  });

  // s3-tests private_bucket_list_empty_missingerrordoc / _blockederrordoc and
  // private_bucket_list_private_index_blockederrordoc: the default page with the original 403.
  // Without list permission a missing error document is itself AccessDenied (docs/s3-website-rules.md#access).
  it.each([
    ['err-priv-missing', '/nope'],
    ['err-priv-blocked', '/nope'],
    ['err-priv-index-blocked', '/'],
  ])('%s %s: 403 default page with the AccessDenied section', async (bucket, path) => {
    const r = await get(dash(bucket), path);
    expect(r.status).toBe(403);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toBe(
      '<html>\n<head><title>403 Forbidden</title></head>\n<body>\n<h1>403 Forbidden</h1>\n<ul>\n<li>Code: AccessDenied</li>\n' +
        '<li>Message: Access Denied</li>\n' +
        `<li>RequestId: ${r.headers['x-amz-request-id']}</li>\n<li>HostId: HOSTID</li>\n</ul>\n` +
        '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>\n' +
        '<li>Message: Access Denied</li>\n</ul>\n<hr/>\n</body>\n</html>\n',
    );
    expect(r.body).not.toContain(errorDoc);
  });

  it('missing error document: default page with the NoSuchKey section, original 404', async () => {
    const r = await get(dash('err-missing'), '/nope');
    expect(r.status).toBe(404);
    expect(r.body).toBe(
      '<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n<li>Code: NoSuchKey</li>\n' +
        '<li>Message: The specified key does not exist.</li>\n<li>Key: nope</li>\n' +
        `<li>RequestId: ${r.headers['x-amz-request-id']}</li>\n<li>HostId: HOSTID</li>\n</ul>\n` +
        '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>\n' +
        '<li>Message: The specified key does not exist.</li>\n<li>Key: error.html</li>\n</ul>\n<hr/>\n</body>\n</html>\n',
    );
  });

  it('blocked (private) error document: AccessDenied section', async () => {
    const r = await get(dash('err-blocked'), '/nope');
    expect(r.status).toBe(404);
    expect(r.body).toContain('<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>\n</ul>\n');
  });

  it('good error document: its body, the original 404, x-amz-error-* headers, no stray bytes', async () => {
    const r = await get(dash('err-good'), '/nope', { headers: { range: 'bytes=0-3', 'if-none-match': '*' } });
    expect(r.status).toBe(404);
    expect(r.body).toBe(errorDoc);
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.headers['content-length']).toBe(String(errorDoc.length));
    expect(r.headers['x-amz-error-code']).toBe('NoSuchKey');
    expect(r.headers['x-amz-error-message']).toBe('The specified key does not exist.');
    expect(r.headers['x-amz-error-detail-key']).toBe('nope');
  });

  it('good error document for a 403', async () => {
    const r = await get(dash('err-good-priv'), '/secret.html');
    expect(r.status).toBe(403);
    expect(r.body).toBe(errorDoc);
    expect(r.headers['x-amz-error-code']).toBe('AccessDenied');
  });

  it('error document with its own redirect: 301, original status lost', async () => {
    const r = await get(dash('err-redirect'), '/nope');
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe('/oops');
  });

  it('HEAD: same status and headers, no body', async () => {
    const r = await get(dash('err-good'), '/nope', { method: 'HEAD' });
    expect(r.status).toBe(404);
    expect(r.body).toBe('');
    expect(r.headers['content-length']).toBe(String(errorDoc.length));
    expect(r.headers['x-amz-error-code']).toBe('NoSuchKey');
  });
});

describe('redirects', () => {
  beforeAll(async () => {
    await bucketWith('redir-all', { website: { redirectAllRequestsTo: { hostName: 'example.com' } } });
    await bucketWith('redir-all-https', { website: { redirectAllRequestsTo: { hostName: 'example.com', protocol: 'https' } } });
    await bucketWith('xredirect', {
      website: indexOnly,
      policy: 'public-read',
      objects: {
        rel: ['', { websiteRedirectLocation: '/target.html' }],
        abs: ['', { websiteRedirectLocation: 'https://example.com/x' }],
        'dir/index.html': 'dir index',
      },
    });
    await bucketWith('xredirect-priv', {
      website: indexOnly,
      objects: { rel: ['', { websiteRedirectLocation: '/target.html' }], abs: ['', { websiteRedirectLocation: 'https://example.com/x' }] },
    });
  });

  it.each([
    ['redir-all', '/', 'http://example.com/'],
    ['redir-all', '/a/b.html?q=1', 'http://example.com/a/b.html'],
    ['redir-all-https', '/path/x', 'https://example.com/path/x'],
  ])('RedirectAllRequestsTo %s %s → %s (private bucket, empty body)', async (bucket, path, location) => {
    const r = await get(dash(bucket), path);
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(location);
    expect(r.body).toBe('');
  });

  it.each([
    ['xredirect', '/rel', 301, '/target.html'],
    ['xredirect', '/abs', 301, 'https://example.com/x'],
    ['xredirect-priv', '/rel', 403, undefined],
    ['xredirect-priv', '/abs', 403, undefined],
  ])('object redirect %s%s → %i', async (bucket, path, status, location) => {
    const r = await get(dash(bucket), path);
    expect(r.status).toBe(status);
    expect(r.headers.location).toBe(location);
    if (status === 301) expect(r.body).toBe('');
  });

  it('slashless folder → 302 /dir/ with the Found page, query dropped', async () => {
    const r = await get(dot('xredirect'), '/dir?x=1');
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/dir/');
    expect(r.body).toContain('<title>302 Moved Temporarily</title>');
    expect(r.body).toContain('<li>Code: Found</li>\n<li>Message: Resource Found</li>');
    expect((await get(dot('xredirect'), '/dir/')).body).toBe('dir index');
  });
});

describe('routing rules (ceph/s3-tests test_routing_generator)', () => {
  beforeAll(async () => {
    const rules: WebsiteConfiguration['routingRules'] = [
      { condition: { keyPrefixEquals: 'docs/' }, redirect: { replaceKeyPrefixWith: 'documents/' } },
      { condition: { keyPrefixEquals: 'images/' }, redirect: { replaceKeyPrefixWith: '' } },
      { condition: { keyPrefixEquals: 'up/' }, redirect: { protocol: 'https', hostName: 'secure.example' } },
      { condition: { keyPrefixEquals: 'one' }, redirect: { replaceKeyWith: 'only.html', httpRedirectCode: 302 } },
      ...[301, 302, 303, 304, 305, 306, 307, 308].map((code) => ({ condition: { keyPrefixEquals: `code${code}` }, redirect: { replaceKeyWith: `to${code}`, httpRedirectCode: code } })),
      { condition: { httpErrorCodeReturnedEquals: 404, keyPrefixEquals: 'missing/' }, redirect: { hostName: 'fallback.example', replaceKeyPrefixWith: 'found/' } },
      { condition: { httpErrorCodeReturnedEquals: 404 }, redirect: { replaceKeyPrefixWith: 'report-404/' } },
    ];
    await bucketWith('rules', { acl: 'public-read', website: { ...site, routingRules: rules }, policy: 'public-read', objects: { 'docs/a.html': 'a', 'index.html': 'home', 'error.html': 'err' } });
  });

  it.each([
    ['/docs/a.html', 301, (h: string) => `http://${h}/documents/a.html`],
    ['/images/x/y.png', 301, (h: string) => `http://${h}/x/y.png`],
    ['/up/page', 301, () => 'https://secure.example/up/page'],
    ['/one/two', 302, (h: string) => `http://${h}/only.html`],
    ['/missing/thing', 301, () => 'http://fallback.example/found/thing'],
    ['/x', 301, (h: string) => `http://${h}/report-404/x`],
  ])('%s → %i', async (path, status, location) => {
    const host = `${dash('rules')}:1234`;
    const r = await get(host, path);
    expect(r.status).toBe(status);
    expect(r.headers.location).toBe(location(host));
    expect(r.body).toBe('');
  });

  it.each([301, 302, 303, 304, 305, 306, 307, 308])('HttpRedirectCode %i echoed', async (code) => {
    const r = await get(dash('rules'), `/code${code}`);
    expect(r.status).toBe(code);
    expect(r.headers.location).toBe(`http://${dash('rules')}/to${code}`);
  });

  it('existing objects and / are served (prefix rules see the raw key)', async () => {
    expect((await get(dash('rules'), '/')).body).toBe('home');
  });
});

describe('GetObject semantics on website GETs', () => {
  const body = 'abcdefghijklmnopqrstuvwxyz';
  beforeAll(async () => {
    await bucketWith('getobj', {
      website: indexOnly,
      policy: 'public-read',
      objects: {
        'alpha.txt': [body, { cacheControl: 'max-age=60', contentDisposition: 'inline', userMetadata: { owner: 'me' } }],
        'style.css': 'body{}',
        'index.html': 'home',
      },
    });
  });

  it('200 with the stored headers', async () => {
    const r = await get(dash('getobj'), '/alpha.txt');
    expect(r.status).toBe(200);
    expect(r.body).toBe(body);
    expect(r.headers).toMatchObject({
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      'content-disposition': 'inline',
      'accept-ranges': 'bytes',
      'content-length': String(body.length),
      'x-amz-meta-owner': 'me',
      'x-amz-id-2': 'HOSTID',
    });
    expect(r.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(r.headers['last-modified']).toMatch(/GMT$/);
    expect((await get(dash('getobj'), '/style.css')).headers['content-type']).toBe('text/css');
  });

  it('304 on If-None-Match and If-Modified-Since; 412 on If-Match and If-Unmodified-Since', async () => {
    const first = await get(dash('getobj'), '/alpha.txt');
    const etag = String(first.headers.etag);
    const lastModified = String(first.headers['last-modified']);
    expect((await get(dash('getobj'), '/alpha.txt', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await get(dash('getobj'), '/alpha.txt', { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await get(dash('getobj'), '/alpha.txt', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    expect((await get(dash('getobj'), '/alpha.txt', { headers: { 'if-match': '"other"' } })).status).toBe(412);
    expect((await get(dash('getobj'), '/alpha.txt', { headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } })).status).toBe(412);
    const r304 = await get(dash('getobj'), '/alpha.txt', { headers: { 'if-none-match': etag } });
    expect(r304.body).toBe('');
    expect(r304.headers.etag).toBe(etag);
  });

  it('206 for a single range, 416 when unsatisfiable', async () => {
    const r = await get(dash('getobj'), '/alpha.txt', { headers: { range: 'bytes=2-5' } });
    expect(r.status).toBe(206);
    expect(r.body).toBe('cdef');
    expect(r.headers['content-range']).toBe(`bytes 2-5/${body.length}`);
    expect(r.headers['content-length']).toBe('4');
    const suffix = await get(dash('getobj'), '/alpha.txt', { headers: { range: 'bytes=-3' } });
    expect(suffix.body).toBe('xyz');
    const bad = await get(dash('getobj'), '/alpha.txt', { headers: { range: 'bytes=100-' } });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${body.length}`);
  });

  it('HEAD: same status and headers, no body', async () => {
    const r = await get(dash('getobj'), '/alpha.txt', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(r.headers['content-length']).toBe(String(body.length));
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('%s → 405 with Method and ResourceType lines', async (method) => {
    const r = await get(dash('getobj'), '/alpha.txt', { method });
    expect(r.status).toBe(405);
    expect(r.body).toContain(
      `<li>Code: MethodNotAllowed</li>\n<li>Message: The specified method is not allowed against this resource.</li>\n<li>Method: ${method}</li>\n<li>ResourceType: OBJECT</li>\n`,
    );
  });

  it('405 stays 405 even for an unknown bucket', async () => {
    expect((await get(dash('no-such-bucket-x'), '/', { method: 'POST' })).status).toBe(405);
  });

  it('sees a configuration change on the next request', async () => {
    await store.putBucketConfig('getobj', 'website', serializeWebsiteConfiguration({ redirectAllRequestsTo: { hostName: 'moved.example' } }));
    expect((await get(dash('getobj'), '/alpha.txt')).headers.location).toBe('http://moved.example/alpha.txt');
    await store.putBucketConfig('getobj', 'website', serializeWebsiteConfiguration(indexOnly));
    expect((await get(dash('getobj'), '/alpha.txt')).status).toBe(200);
  });

  it('sees a bucket policy change on the next request (explicit Deny wins)', async () => {
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::getobj/*' },
        { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::getobj/alpha.txt' },
      ],
    });
    const before = await store.getBucketConfig('getobj', 'policy');
    await store.putBucketConfig('getobj', 'policy', deny);
    expect((await get(dash('getobj'), '/alpha.txt')).status).toBe(403);
    expect((await get(dash('getobj'), '/style.css')).status).toBe(200);
    await store.putBucketConfig('getobj', 'policy', before);
    expect((await get(dash('getobj'), '/alpha.txt')).status).toBe(200);
  });

  it('a large object is streamed', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    await put('getobj', 'big.bin', big);
    const r = await get(dash('getobj'), '/big.bin');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(big.length);
    const part = await get(dash('getobj'), '/big.bin', { headers: { range: 'bytes=1048576-1048580' } });
    expect(part.status).toBe(206);
    expect(part.body).toBe('xxxxx');
  });
});

describe('SPA fallback (bucketfront extension)', () => {
  beforeAll(async () => {
    await bucketWith('spa', {
      website: {
        ...site,
        routingRules: [{ condition: { httpErrorCodeReturnedEquals: 404 }, redirect: { replaceKeyWith: 'index.html', httpRedirectCode: 200 } }],
      },
      acl: 'public-read',
      policy: 'public-read',
      objects: { 'index.html': ['<div id=app>', { contentType: 'text/html' }], 'app.js': 'js' },
    });
  });

  it('unknown routes get index.html with 200', async () => {
    const r = await get(dash('spa'), '/users/42/settings');
    expect(r.status).toBe(200);
    expect(r.body).toBe('<div id=app>');
    expect(r.headers['content-type']).toBe('text/html');
    expect(r.headers.location).toBeUndefined();
  });

  it('existing files are untouched', async () => {
    expect((await get(dash('spa'), '/app.js')).body).toBe('js');
  });
});
