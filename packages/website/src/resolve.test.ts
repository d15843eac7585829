import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebsiteConfiguration } from './config/parse.js';
import { onLookupResult, planRequest, type FinalDecision, type LookupOutcome, type WebsiteDecision, type WebsiteRequest } from './resolve.js';
import type { RoutingRule, WebsiteConfiguration } from './types.js';

/** What the store holds, as an anonymous user sees it. */
interface World {
  objects: Record<string, { public: boolean; redirect?: string }>;
  canList: boolean;
}

function outcomeOf(world: World, key: string, indexKey?: string): LookupOutcome {
  const o = world.objects[key];
  if (!o) {
    const missing: LookupOutcome = { kind: 'missing', canListBucket: world.canList };
    if (indexKey !== undefined) missing.indexRedirectExists = indexKey in world.objects;
    return missing;
  }
  if (!o.public) return { kind: 'forbidden' };
  return o.redirect === undefined ? { kind: 'readable' } : { kind: 'readable', websiteRedirectLocation: o.redirect };
}

/** The executor's loop, with the store replaced by `world` (pure data). */
function resolve(config: WebsiteConfiguration, path: string, world: World, method = 'GET'): FinalDecision {
  const request: WebsiteRequest = { method, path, scheme: 'http', host: 'b.s3-website-us-east-1.localhost:9000' };
  let d: WebsiteDecision = planRequest(config, request);
  for (let steps = 0; d.kind === 'lookup'; steps++) {
    if (steps > 4) throw new Error('resolver loops');
    d = onLookupResult(config, request, d, outcomeOf(world, d.key, d.indexRedirect?.key));
  }
  return d;
}

const site: WebsiteConfiguration = { indexDocument: { suffix: 'index.html' }, errorDocument: { key: 'error.html' } };
const pub = { public: true };
const world = (objects: World['objects'], canList = true): World => ({ objects, canList });
const withRules = (...routingRules: RoutingRule[]): WebsiteConfiguration => ({ indexDocument: { suffix: 'index.html' }, routingRules });
const HOST = 'http://b.s3-website-us-east-1.localhost:9000';

describe('resolveWebsite: steps 1–7', () => {
  it('405 for anything but GET/HEAD, even with an ErrorDocument', () => {
    expect(resolve(site, '/', world({ 'index.html': pub, 'error.html': pub }), 'POST')).toEqual({
      kind: 'errorPage',
      error: { status: 405, code: 'MethodNotAllowed', message: 'The specified method is not allowed against this resource.', method: 'POST', resourceType: 'OBJECT' },
    });
    expect(resolve(site, '/', world({ 'index.html': pub }), 'HEAD')).toMatchObject({ kind: 'serve', key: 'index.html' });
  });

  it.each([
    [{ hostName: 'example.com' }, '/', 'http://example.com/'],
    [{ hostName: 'example.com' }, '/a/b%20c.html', 'http://example.com/a/b%20c.html'],
    [{ hostName: 'example.com', protocol: 'https' as const }, '/path', 'https://example.com/path'],
  ])('RedirectAllRequestsTo %o %s → 301 %s, no permission check', (redirectAllRequestsTo, path, location) => {
    expect(resolve({ redirectAllRequestsTo }, path, world({}, false))).toEqual({ kind: 'redirect', status: 301, location });
  });

  it.each<[string, World, Partial<FinalDecision> & Record<string, unknown>]>([
    ['/', world({ 'index.html': pub }), { kind: 'serve', purpose: 'object', key: 'index.html', status: 200, honourConditionals: true }],
    ['/dir/', world({ 'dir/index.html': pub }), { kind: 'serve', key: 'dir/index.html' }],
    ['/a%20b.html', world({ 'a b.html': pub }), { kind: 'serve', key: 'a b.html' }],
    ['/a+b', world({ 'a+b': pub }), { kind: 'serve', key: 'a+b' }],
    ['/dir', world({ 'dir/index.html': pub }), { kind: 'redirect', status: 302, location: '/dir/', page: { status: 302, code: 'Found', message: 'Resource Found' } }],
    ['/d%20ir', world({ 'd ir/index.html': pub }), { kind: 'redirect', status: 302, location: '/d%20ir/' }],
    ['/dir', world({}), { kind: 'errorPage', error: { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', key: 'dir' } }],
    ['/', world({}), { kind: 'errorPage', error: { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', key: 'index.html' } }],
    ['/', world({}, false), { kind: 'errorPage', error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } }],
    ['/', world({ 'index.html': { public: false } }), { kind: 'errorPage', error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } }],
    ['/old', world({ old: { public: true, redirect: '/new.html' } }), { kind: 'redirect', status: 301, location: '/new.html' }],
    ['/old', world({ old: { public: true, redirect: 'https://example.com/x' } }), { kind: 'redirect', status: 301, location: 'https://example.com/x' }],
    ['/old', world({ old: { public: false, redirect: '/new.html' } }), { kind: 'errorPage', error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } }],
    ['/%E0%A4%A', world({}), { kind: 'errorPage', error: { status: 400, code: 'InvalidURI', message: "Couldn't parse the specified URI." } }],
  ])('no error document: %s', (path, w, expected) => {
    const config = { indexDocument: { suffix: 'index.html' } };
    expect(resolve(config, path, w)).toEqual(expect.objectContaining(expected));
  });
});

describe('resolveWebsite: error document (step 9)', () => {
  it.each<[string, World, Record<string, unknown>]>([
    ['readable: its body with the original 404', world({ 'error.html': pub }), { kind: 'serve', purpose: 'errorDocument', key: 'error.html', status: 404, honourConditionals: false }],
    ['readable: original 403 kept', world({ 'error.html': pub }, false), { kind: 'serve', key: 'error.html', status: 403 }],
    [
      'missing: default page + NoSuchKey section',
      world({}),
      {
        kind: 'errorPage',
        error: { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', key: 'missing' },
        errorDocumentFailure: { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', key: 'error.html' },
      },
    ],
    [
      'private: default page + AccessDenied section',
      world({ 'error.html': { public: false } }),
      {
        kind: 'errorPage',
        errorDocumentFailure: { status: 403, code: 'AccessDenied', message: 'Access Denied' },
      },
    ],
    ['carrying a redirect: 301, original status lost', world({ 'error.html': { public: true, redirect: '/oops' } }), { kind: 'redirect', status: 301, location: '/oops' }],
  ])('%s', (_name, w, expected) => {
    expect(resolve(site, '/missing', w)).toEqual(expect.objectContaining(expected));
  });

  it('the error document is given the error for x-amz-error-* headers', () => {
    const d = resolve(site, '/missing', world({ 'error.html': pub }));
    expect(d.kind === 'serve' && d.error).toEqual({ status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', key: 'missing' });
  });
});

describe('resolveWebsite: routing rules (steps 5, 8, 10)', () => {
  const onPrefix = (keyPrefixEquals: string, redirect: RoutingRule['redirect']): RoutingRule => ({ condition: { keyPrefixEquals }, redirect });
  const on404 = (redirect: RoutingRule['redirect'], keyPrefixEquals?: string): RoutingRule => ({
    condition: keyPrefixEquals === undefined ? { httpErrorCodeReturnedEquals: 404 } : { httpErrorCodeReturnedEquals: 404, keyPrefixEquals },
    redirect,
  });
  const all = world({ 'index.html': pub, 'index.htm': pub, page: { public: true, redirect: '/elsewhere' }, 'docs/a': pub });

  it.each<[string, WebsiteConfiguration, string, FinalDecision | Record<string, unknown>]>([
    ['/ does not match KeyPrefixEquals=index (as S3)', withRules(onPrefix('index', { replaceKeyWith: 'x' })), '/', { kind: 'serve', key: 'index.html' }],
    ['/index.html matches KeyPrefixEquals=index', withRules(onPrefix('index', { replaceKeyWith: 'x' })), '/index.html', { kind: 'redirect', status: 301, location: `${HOST}/x` }],
    ['prefix rules pre-empt an object redirect (as S3)', withRules(onPrefix('page', { hostName: 'other.example' })), '/page', { kind: 'redirect', status: 301, location: 'http://other.example/page' }],
    ['prefix rules pre-empt an existing object', withRules(onPrefix('docs/', { replaceKeyPrefixWith: 'documents/' })), '/docs/a', { kind: 'redirect', status: 301, location: `${HOST}/documents/a` }],
    ['empty ReplaceKeyPrefixWith strips the prefix', withRules(onPrefix('docs/', { replaceKeyPrefixWith: '' })), '/docs/a/b.html', { kind: 'redirect', status: 301, location: `${HOST}/a/b.html` }],
    [
      'rule without Condition matches everything',
      withRules({ redirect: { protocol: 'https', hostName: 'h.example' } }),
      '/any/thing',
      { kind: 'redirect', status: 301, location: 'https://h.example/any/thing' },
    ],
    [
      'first matching rule in document order wins',
      withRules(onPrefix('a', { replaceKeyWith: 'first' }), onPrefix('ab', { replaceKeyWith: 'second' })),
      '/abc',
      { kind: 'redirect', status: 301, location: `${HOST}/first` },
    ],
    ['404 rule with no prefix prepends: /x → /report-404/x', withRules(on404({ replaceKeyPrefixWith: 'report-404/' })), '/x', { kind: 'redirect', status: 301, location: `${HOST}/report-404/x` }],
    ['404 rule does not fire on a hit', withRules(on404({ replaceKeyPrefixWith: 'report-404/' })), '/docs/a', { kind: 'serve', key: 'docs/a' }],
    ['404 rule matches the ORIGINAL key (dir/), not dir/index.html', withRules(on404({ replaceKeyPrefixWith: 'new/' }, 'dir/')), '/dir/', { kind: 'redirect', status: 301, location: `${HOST}/new/` }],
    ['404 rule with prefix not matching → 404 page', withRules(on404({ replaceKeyPrefixWith: 'new/' }, 'other/')), '/dir/', { kind: 'errorPage' }],
    [
      '404 rule redirects even with an ErrorDocument (as S3)',
      { ...site, routingRules: [on404({ hostName: 'h.example', replaceKeyWith: 'oops.html' })] },
      '/nope',
      { kind: 'redirect', status: 301, location: 'http://h.example/oops.html' },
    ],
    ['404 rule does not fire on 403', withRules(on404({ replaceKeyWith: 'x' })), '/private', { kind: 'errorPage', error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } }],
    [
      '403 rule fires on 403',
      withRules({ condition: { httpErrorCodeReturnedEquals: 403 }, redirect: { replaceKeyWith: 'login' } }),
      '/private',
      { kind: 'redirect', status: 301, location: `${HOST}/login` },
    ],
    [
      'ReplaceKeyWith with HostName and Protocol',
      withRules(onPrefix('a', { protocol: 'https', hostName: 'x.example', replaceKeyWith: 'b.html' })),
      '/a',
      { kind: 'redirect', status: 301, location: 'https://x.example/b.html' },
    ],
    ['no replacement keeps the key', withRules(onPrefix('a', { hostName: 'x.example' })), '/a/b%20c', { kind: 'redirect', status: 301, location: 'http://x.example/a/b%20c' }],
  ])('%s', (_name, config, path, expected) => {
    const w = path === '/private' ? world({ private: { public: false } }) : all;
    expect(resolve(config, path, w)).toEqual(expect.objectContaining(expected));
  });

  it.each([301, 302, 303, 304, 305, 306, 307, 308])('HttpRedirectCode %i is echoed', (code) => {
    const config = withRules(onPrefix('', { replaceKeyWith: 'x', httpRedirectCode: code }));
    expect(resolve(config, '/y', all)).toEqual({ kind: 'redirect', status: code, location: `${HOST}/x` });
    const onMiss = withRules(on404({ replaceKeyWith: 'x', httpRedirectCode: code }));
    expect(resolve(onMiss, '/missing', all)).toEqual({ kind: 'redirect', status: code, location: `${HOST}/x` });
  });
});

describe('SPA fallback (bucketfront extension, HttpRedirectCode 200)', () => {
  const spa: WebsiteConfiguration = {
    indexDocument: { suffix: 'index.html' },
    errorDocument: { key: 'error.html' },
    routingRules: [{ condition: { httpErrorCodeReturnedEquals: 404 }, redirect: { replaceKeyWith: 'index.html', httpRedirectCode: 200 } }],
  };

  it('is parsed from the Garage-style XML when the extension is enabled', () => {
    const xml =
      '<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument><ErrorDocument><Key>error.html</Key></ErrorDocument>' +
      '<RoutingRules><RoutingRule><Condition><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition>' +
      '<Redirect><ReplaceKeyWith>index.html</ReplaceKeyWith><HttpRedirectCode>200</HttpRedirectCode></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>';
    expect(parseWebsiteConfiguration(xml, { allowSpaFallback: true })).toEqual({ ok: true, config: spa });
  });

  it('serves index.html with 200 for unknown routes', () => {
    expect(resolve(spa, '/app/route/42', world({ 'index.html': pub }))).toEqual({
      kind: 'serve',
      purpose: 'fallback',
      key: 'index.html',
      status: 200,
      honourConditionals: true,
    });
  });

  it('existing objects are served as usual', () => {
    expect(resolve(spa, '/app.js', world({ 'index.html': pub, 'app.js': pub }))).toMatchObject({ kind: 'serve', key: 'app.js', purpose: 'object' });
  });

  it('falls back to the error document with the original 404 when the target is missing', () => {
    expect(resolve(spa, '/x', world({ 'error.html': pub }))).toMatchObject({ kind: 'serve', purpose: 'errorDocument', key: 'error.html', status: 404 });
  });

  it('is off by default: without the rule, unknown routes are 404', () => {
    expect(resolve(site, '/app/route', world({ 'index.html': pub }))).toMatchObject({ kind: 'errorPage', error: { status: 404 } });
  });

  // Without s3:ListBucket a missing key is 403, as on AWS; a 200 rule naming 404 (what older
  // `--spa-fallback` wrote) or 403 covers both, like CloudFront custom error responses for both.
  const fallback = { kind: 'serve', purpose: 'fallback', key: 'index.html', status: 200, honourConditionals: true };
  const spaOn = (code: 403 | 404): WebsiteConfiguration => ({
    ...spa,
    routingRules: [{ condition: { httpErrorCodeReturnedEquals: code }, redirect: { replaceKeyWith: 'index.html', httpRedirectCode: 200 } }],
  });

  it.each([403, 404] as const)('a rule naming %i serves index.html for a missing key when anonymous users may not list (403)', (code) => {
    expect(resolve(spaOn(code), '/users/42', world({ 'index.html': pub }, false))).toEqual(fallback);
  });

  it.each([403, 404] as const)('a rule naming %i serves index.html for a private key, listable bucket or not', (code) => {
    for (const canList of [true, false]) {
      expect(resolve(spaOn(code), '/users/42', world({ 'index.html': pub, 'users/42': { public: false } }, canList))).toEqual(fallback);
    }
  });

  it('a rule naming the exact status wins over the SPA rule for the other code', () => {
    const login = { condition: { httpErrorCodeReturnedEquals: 403 }, redirect: { replaceKeyWith: 'login', httpRedirectCode: 302 } };
    const config: WebsiteConfiguration = { ...spa, routingRules: [...spa.routingRules!, login] };
    const w = world({ 'index.html': pub, 'users/42': { public: false } });
    expect(resolve(config, '/users/42', w)).toEqual({ kind: 'redirect', status: 302, location: `${HOST}/login` });
    expect(resolve(config, '/users/43', w)).toEqual(fallback);
  });

  it('only the extension is widened: a 3XX rule for 404 still ignores 403', () => {
    const config = withRules({ condition: { httpErrorCodeReturnedEquals: 404 }, redirect: { replaceKeyWith: 'x', httpRedirectCode: 302 } });
    expect(resolve(config, '/missing', world({}, false))).toMatchObject({ kind: 'errorPage', error: { status: 403 } });
  });

  it('property: with an SPA rule, an absent key and a private key get the same decision', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(403, 404),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('/users/42', '/a', '/deep/link/', '/x%20y'),
        (code, canList, errorDocument, indexPublic, path) => {
          const config = spaOn(code as 403 | 404);
          if (!errorDocument) delete config.errorDocument;
          const objects = { 'index.html': { public: indexPublic }, 'error.html': pub };
          const key = decodeURIComponent(path.slice(1)) + (path.endsWith('/') ? 'index.html' : '');
          const absent = resolve(config, path, world(objects, canList));
          const secret = resolve(config, path, world({ ...objects, [key]: { public: false } }, canList));
          // The request never learns whether the key exists (with listing allowed it could list anyway,
          // but the SPA answer is still the same when the app shell is readable).
          if (indexPublic) {
            expect(absent).toEqual(fallback);
            expect(secret).toEqual(fallback);
          }
          if (!canList) expect(secret).toEqual(absent);
        },
      ),
    );
  });
});

describe('resolveWebsite properties', () => {
  const arbWorld = fc.record({
    objects: fc.dictionary(
      fc.constantFrom('index.html', 'a', 'a/index.html', 'error.html', 'x y', 'report/a'),
      fc.record({ public: fc.boolean(), redirect: fc.option(fc.constantFrom('/r', 'http://e.example/'), { nil: undefined }) }, { requiredKeys: ['public'] }),
    ),
    canList: fc.boolean(),
  });
  const arbRule: fc.Arbitrary<RoutingRule> = fc
    .record({
      condition: fc.option(
        fc.oneof(
          fc.record({ keyPrefixEquals: fc.constantFrom('', 'a', 'index', 'report/') }),
          fc.record({ httpErrorCodeReturnedEquals: fc.constantFrom(403, 404) }, { requiredKeys: ['httpErrorCodeReturnedEquals'] }),
        ),
        { nil: undefined },
      ),
      redirect: fc.record({ replaceKeyWith: fc.constantFrom('index.html', 'x'), httpRedirectCode: fc.constantFrom(200, 301, 302, 307) }, { requiredKeys: [] }),
    })
    .map((r) => (r.condition === undefined ? { redirect: r.redirect } : r));
  const arbConfig = fc.record({
    indexDocument: fc.constant({ suffix: 'index.html' }),
    errorDocument: fc.option(fc.constant({ key: 'error.html' }), { nil: undefined }),
    routingRules: fc.option(fc.array(arbRule, { minLength: 1, maxLength: 4 }), { nil: undefined }),
  }) as fc.Arbitrary<WebsiteConfiguration>;

  it('any path, method, config and store → a final decision within a few steps', () => {
    fc.assert(
      fc.property(fc.webPath(), fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST'), arbConfig, arbWorld, (path, method, config, w) => {
        const d = resolve(config, path.startsWith('/') ? path : `/${path}`, w, method);
        expect(['serve', 'redirect', 'errorPage']).toContain(d.kind);
        if (d.kind === 'redirect') expect(d.status).toBeGreaterThanOrEqual(301);
        if (d.kind === 'serve') expect([200, 403, 404]).toContain(d.status);
        if (method !== 'GET' && method !== 'HEAD') expect(d).toMatchObject({ kind: 'errorPage', error: { status: 405 } });
      }),
    );
  });

  it('prefix rules never see the suffixed key', () => {
    const config = withRules({ condition: { keyPrefixEquals: 'index' }, redirect: { replaceKeyWith: 'hit' } });
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9._-]{1,8}$/), { maxLength: 3 }), (segments) => {
        const path = '/' + segments.map((s) => `${s}/`).join('');
        const d = planRequest(config, { method: 'GET', path, scheme: 'http', host: 'h' });
        const startsWithIndex = path.slice(1).startsWith('index');
        expect(d.kind === 'redirect').toBe(startsWithIndex);
        if (d.kind === 'lookup') expect(d.key).toBe(`${path.slice(1)}index.html`);
      }),
    );
  });
});
