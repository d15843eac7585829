/**
 * Reuse of results for identical invocations (result-cache.ts, RunOptions.reuseResults): a
 * reused result must be exactly what running the function again would give, so every input the
 * function read is part of the key, KeyValueStore reads are checked again, parts it did not read
 * are the new event's own, and what cannot be repeated (clock, randomness, failures, origin
 * helpers) is never kept.
 */
import { describe, expect, it } from 'vitest';
import { compile, expectFailure, expectOk, requestOf, responseOf, viewerRequest, viewerResponse } from './__tests__/helpers.js';
import type { CloudFrontFunction } from './function.js';
import type { CloudFrontFunctionEvent, RunOptions, RunResult } from './types.js';

const REUSE: RunOptions = { reuseResults: true };
const reused = (r: RunResult): boolean => r.ok && r.reused === true;
/** Runs `fn` on `ev`: the returned request's header `name`, and whether the result was reused. */
const headerAndReuse = (fn: CloudFrontFunction, ev: CloudFrontFunctionEvent, name: string, opts: RunOptions = REUSE): [string | undefined, boolean] => {
  const r = fn.runSync(ev, opts);
  return [requestOf(r).headers[name]?.value, reused(r)];
};

describe('identical invocations', () => {
  it('are answered from the kept result, with the same output; another URI runs the function', async () => {
    const fn = await compile(`function handler(event) {
  var r = event.request;
  if (r.uri.endsWith('/')) r.uri += 'index.html';
  else if (!r.uri.includes('.')) r.uri += '.html';
  return r;
}`);
    const first = fn.runSync(viewerRequest({ uri: '/guide/' }), REUSE);
    expect(reused(first)).toBe(false);
    expect(requestOf(first).uri).toBe('/guide/index.html');
    const again = fn.runSync(viewerRequest({ uri: '/guide/' }), REUSE);
    expect(reused(again)).toBe(true);
    expect(requestOf(again).uri).toBe('/guide/index.html');
    const other = fn.runSync(viewerRequest({ uri: '/guide/intro' }), REUSE);
    expect(reused(other)).toBe(false);
    expect(requestOf(other).uri).toBe('/guide/intro.html');
    expect(fn.keptResults).toBe(2);
  });

  it('hand back the new event’s own query string, headers and cookies when the function did not read them', async () => {
    const fn = await compile('function handler(event) { return event.request; }');
    fn.runSync(viewerRequest({ headers: { host: { value: 'a.example' }, 'x-a': { value: '1' } }, querystring: { q: { value: '1' } }, cookies: { s: { value: '1' } } }), REUSE);
    const ev = viewerRequest({ headers: { host: { value: 'b.example' }, 'x-a': { value: '2' } }, querystring: { q: { value: '2' } }, cookies: { s: { value: '2' } } });
    const r = fn.runSync(ev, REUSE);
    expect(reused(r)).toBe(true);
    const out = requestOf(r);
    expect(out.headers).toBe(ev.request.headers);
    expect(out.querystring).toBe(ev.request.querystring);
    expect(out.cookies).toBe(ev.request.cookies);
    expect(out.headers['x-a']?.value).toBe('2');
  });

  it('without reuseResults (TestFunction) every invocation runs', async () => {
    const fn = await compile('function handler(event) { return event.request; }');
    for (let i = 0; i < 3; i++) expect(reused(fn.runSync(viewerRequest()))).toBe(false);
    expect(reused(await fn.run(viewerRequest()))).toBe(false);
    expect(fn.keptResults).toBe(0);
  });
});

describe('what the function read is the key', () => {
  it('a header it reads: each value gets its own result', async () => {
    const fn = await compile(`function handler(event) {
  var h = event.request.headers;
  h['x-variant'] = { value: h['x-ab'] ? h['x-ab'].value : 'none' };
  return event.request;
}`);
    const seq = ['A', 'A', 'B', 'A', undefined, 'B', undefined].map((ab) =>
      headerAndReuse(fn, viewerRequest({ headers: { host: { value: 'www.example.com' }, ...(ab === undefined ? {} : { 'x-ab': { value: ab } }) } }), 'x-variant'),
    );
    expect(seq).toEqual([
      ['A', false],
      ['A', true],
      ['B', false],
      ['A', true],
      ['none', false],
      ['B', true],
      ['none', true],
    ]);
  });

  it.each([
    ['viewer.ip', 'event.viewer.ip', (v: string) => viewerRequest({}, v)],
    ['cookies', "event.request.cookies.s ? event.request.cookies.s.value : ''", (v: string) => viewerRequest({ cookies: { s: { value: v } } })],
    ['query string', "event.request.querystring.q ? event.request.querystring.q.value : ''", (v: string) => viewerRequest({ querystring: { q: { value: v } } })],
  ])('%s it reads', async (_what, expr, event) => {
    const fn = await compile(`function handler(event) { event.request.headers['x-seen'] = { value: String(${expr}) }; return event.request; }`);
    const seen = (v: string) => headerAndReuse(fn, event(v), 'x-seen');
    expect([seen('192.0.2.1'), seen('192.0.2.1'), seen('192.0.2.2'), seen('192.0.2.1')]).toEqual([
      ['192.0.2.1', false],
      ['192.0.2.1', true],
      ['192.0.2.2', false],
      ['192.0.2.1', true],
    ]);
  });

  it('request.rawQueryString()', async () => {
    const fn = await compile(`function handler(event) { event.request.headers['x-raw'] = { value: String(event.request.rawQueryString()) }; return event.request; }`);
    const raw = (q: string) => headerAndReuse(fn, viewerRequest(), 'x-raw', { ...REUSE, rawQueryString: q });
    expect([raw('a=1'), raw('a=1'), raw('a=2')]).toEqual([
      ['a=1', false],
      ['a=1', true],
      ['a=2', false],
    ]);
  });

  it('a function that reads headers on one path only keeps a result per path, and never mixes them', async () => {
    const fn = await compile(`function handler(event) {
  var r = event.request;
  if (r.uri.startsWith('/private/') && !r.headers.authorization) return { statusCode: 401, statusDescription: 'Unauthorized' };
  return r;
}`);
    const ev = (uri: string, auth?: string) => viewerRequest({ uri, headers: { host: { value: 'www.example.com' }, ...(auth === undefined ? {} : { authorization: { value: auth } }) } });
    const status = (r: RunResult): string => {
      const o = expectOk(r).output;
      return 'response' in o ? String(o.response.statusCode) : o.request.uri;
    };
    const results = [ev('/pub/a', 'x'), ev('/pub/a'), ev('/private/a'), ev('/private/a', 'Bearer 1'), ev('/private/a'), ev('/private/a', 'Bearer 1'), ev('/private/a', 'Bearer 2')].map((e) => {
      const r = fn.runSync(e, REUSE);
      return [status(r), reused(r)];
    });
    expect(results).toEqual([
      ['/pub/a', false],
      ['/pub/a', true],
      ['401', false],
      ['/private/a', false],
      ['401', true],
      ['/private/a', true],
      ['/private/a', false],
    ]);
  });

  it('viewer-response: response headers it reads are part of the key; those it did not read are the new response’s', async () => {
    const adds = await compile(`function handler(event) {
  var h = event.response.headers;
  h['x-type'] = { value: h['content-type'] ? h['content-type'].value : 'none' };
  return event.response;
}`);
    const html = adds.runSync(viewerResponse({ headers: { 'content-type': { value: 'text/html' } } }), REUSE);
    const css = adds.runSync(viewerResponse({ headers: { 'content-type': { value: 'text/css' } } }), REUSE);
    const html2 = adds.runSync(viewerResponse({ headers: { 'content-type': { value: 'text/html' } } }), REUSE);
    expect([responseOf(html).headers['x-type']?.value, responseOf(css).headers['x-type']?.value, responseOf(html2).headers['x-type']?.value]).toEqual(['text/html', 'text/css', 'text/html']);
    expect([reused(html), reused(css), reused(html2)]).toEqual([false, false, true]);

    const same = await compile('function handler(event) { return event.response; }');
    same.runSync(viewerResponse({ headers: { etag: { value: '"1"' } } }), REUSE);
    const ev = viewerResponse({ headers: { etag: { value: '"2"' } } });
    const r = same.runSync(ev, REUSE);
    expect(reused(r)).toBe(true);
    expect(responseOf(r).headers.etag?.value).toBe('"2"');
    const other = same.runSync(viewerResponse({ statusCode: 404, statusDescription: 'Not Found' }), REUSE);
    expect(reused(other)).toBe(false);
    expect(responseOf(other).statusCode).toBe(404);
  });
});

describe('what the function can see without reading it', () => {
  it('whether context.requestId exists is part of the key', async () => {
    const fn = await compile(`function handler(event) { event.request.headers['x-has'] = { value: String('requestId' in event.context) }; return event.request; }`);
    const without = (): ReturnType<typeof viewerRequest> => {
      const ev = viewerRequest();
      delete ev.context.requestId;
      return ev;
    };
    const seen = [viewerRequest(), without(), viewerRequest(), without()].map((ev) => headerAndReuse(fn, ev, 'x-has'));
    expect(seen).toEqual([
      ['true', false],
      ['false', false],
      ['true', true],
      ['false', true],
    ]);
  });
});

describe('what cannot be repeated is never kept', () => {
  it.each([
    ['Date.now()', 'String(Date.now())'],
    ['new Date()', 'new Date().toISOString()'],
    ['Date()', 'Date()'],
    ['Math.random()', 'String(Math.random())'],
    ['context.requestId (unique to its request)', 'event.context.requestId'],
  ])('%s', async (_what, expr) => {
    const fn = await compile(`function handler(event) { event.request.headers['x-v'] = { value: ${expr} }; return event.request; }`);
    const a = fn.runSync(viewerRequest(), { ...REUSE, now: 1_000 });
    const b = fn.runSync(viewerRequest(), { ...REUSE, now: 2_000 });
    expect([reused(a), reused(b)]).toEqual([false, false]);
    expect(fn.keptResults).toBe(0);
  });

  it('but a date built from fixed values is', async () => {
    const fn = await compile(`function handler(event) { event.request.headers['x-v'] = { value: new Date(0).toISOString() }; return event.request; }`);
    fn.runSync(viewerRequest(), REUSE);
    const r = fn.runSync(viewerRequest(), REUSE);
    expect(reused(r)).toBe(true);
    expect(requestOf(r).headers['x-v']?.value).toBe('1970-01-01T00:00:00.000Z');
  });

  it('failures and origin helpers', async () => {
    const throws = await compile(`function handler(event) { throw new Error('no ' + event.request.uri); }`);
    for (let i = 0; i < 2; i++) expectFailure(throws.runSync(viewerRequest(), REUSE), 'FunctionExecutionError', /no \/index.html/);
    const origin = await compile(`import cf from 'cloudfront';
function handler(event) { cf.updateRequestOrigin({ domainName: 'other.example.com' }); return event.request; }`);
    const a = origin.runSync(viewerRequest(), REUSE);
    const b = origin.runSync(viewerRequest(), REUSE);
    expect([reused(a), reused(b)]).toEqual([false, false]);
    expect(expectOk(b).originModifications).toHaveLength(1);
    expect(throws.keptResults + origin.keptResults).toBe(0);
  });
});

describe('key value store reads', () => {
  const redirect = `import cf from 'cloudfront';
async function handler(event) {
  var r = event.request;
  try { r.uri = await cf.kvs().get(r.uri); } catch (e) { r.headers['x-miss'] = { value: '1' }; }
  return r;
}`;

  it('are checked again: a changed or deleted value is never answered from an old result', async () => {
    const fn = await compile(redirect, { kvsIds: ['kvs1'] });
    const data = new Map([['/old', '/new']]);
    const opts: RunOptions = { ...REUSE, kvs: (_id, key) => data.get(key) };
    const uri = (): [string, boolean] => {
      const r = fn.runSync(viewerRequest({ uri: '/old' }), opts);
      return [requestOf(r).uri, reused(r)];
    };
    const seq = [uri(), uri()];
    data.set('/old', '/newer');
    seq.push(uri(), uri());
    data.delete('/old');
    seq.push(uri(), uri());
    data.set('/old', '/new');
    seq.push(uri());
    expect(seq).toEqual([
      ['/new', false],
      ['/new', true],
      ['/newer', false],
      ['/newer', true],
      ['/old', false],
      ['/old', true],
      ['/new', false],
    ]);
  });

  it('an asynchronous lookup (run) is not kept', async () => {
    const fn = await compile(redirect, { kvsIds: ['kvs1'] });
    const opts: RunOptions = { ...REUSE, kvs: async () => '/async' };
    const a = await fn.run(viewerRequest({ uri: '/old' }), opts);
    const b = await fn.run(viewerRequest({ uri: '/old' }), opts);
    expect([requestOf(a).uri, requestOf(b).uri, reused(b)]).toEqual(['/async', '/async', false]);
    expect(fn.keptResults).toBe(0);
  });
});

describe('kept results', () => {
  it('give their logs again, whatever a caller did to an earlier result’s logs', async () => {
    const fn = await compile(`function handler(event) { console.log('seen ' + event.request.uri); return event.request; }`);
    const first = fn.runSync(viewerRequest(), REUSE);
    first.logs.push('added by the caller');
    const r = fn.runSync(viewerRequest(), REUSE);
    expect(reused(r)).toBe(true);
    expect(r.logs).toEqual(['seen /index.html']);
    r.logs.length = 0;
    expect(fn.runSync(viewerRequest(), REUSE).logs).toEqual(['seen /index.html']);
  });

  it('are not used by a run with its own compute budget (it could fail where the kept run did not)', async () => {
    const fn = await compile('function handler(event) { return event.request; }');
    fn.runSync(viewerRequest(), REUSE);
    expect(reused(fn.runSync(viewerRequest(), REUSE))).toBe(true);
    expect(reused(fn.runSync(viewerRequest(), { ...REUSE, budgetMs: 5 }))).toBe(false);
  });

  it('requests that cannot be kept (keys over 8 KiB) take no key shape from those that can', async () => {
    // eight read paths with their own dependency sets, each including a 9 KiB part; the common
    // path (/home) reads only the URI and is a ninth shape
    const fn = await compile(`function handler(event) {
  var r = event.request, n = r.uri.slice(1), v = '';
  if (n === 'home') return r;
  if (n === '1' || n === '4' || n === '7') v += JSON.stringify(r.cookies);
  if (n === '2' || n === '5' || n === '8') v += JSON.stringify(r.headers);
  if (n === '3' || n === '6') v += JSON.stringify(r.querystring);
  if (n === '4' || n === '5' || n === '6') v += event.viewer.ip;
  if (n === '7' || n === '8') v += r.rawQueryString();
  return { statusCode: 200, headers: { 'x-len': { value: String(v.length) } } };
}`);
    const big = 'x'.repeat(9 * 1024);
    for (let i = 1; i <= 8; i++) {
      const r = fn.runSync(viewerRequest({ uri: `/${i}`, cookies: { c: { value: big } }, headers: { host: { value: big } }, querystring: { q: { value: big } } }), REUSE);
      expect(Number(responseOf(r).headers['x-len']?.value)).toBeGreaterThan(9 * 1024);
    }
    expect(fn.keptResults).toBe(0);
    fn.runSync(viewerRequest({ uri: '/home' }), REUSE);
    expect(reused(fn.runSync(viewerRequest({ uri: '/home' }), REUSE))).toBe(true);
  });

  it('are bounded: the least recently used go first', async () => {
    const fn = await compile('function handler(event) { return event.request; }');
    const n = 12_000;
    for (let i = 0; i < n; i++) fn.runSync(viewerRequest({ uri: `/p/${i}` }), REUSE);
    expect(fn.keptResults).toBeGreaterThan(1_000);
    expect(fn.keptResults).toBeLessThan(n);
    expect(reused(fn.runSync(viewerRequest({ uri: `/p/${n - 1}` }), REUSE))).toBe(true);
    expect(reused(fn.runSync(viewerRequest({ uri: '/p/0' }), REUSE))).toBe(false);
  });
});
