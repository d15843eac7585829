/**
 * CloudFront Functions through the edge: AWS's example functions (developer guide "Example code
 * for CloudFront Functions", https://github.com/aws-samples/amazon-cloudfront-functions) associated
 * with cache behaviors run on viewer-request and viewer-response, with CloudFront's outcomes for
 * generated responses, failures and limits, on every worker (the suite runs with 1, 2 and 4).
 */
import { describe, expect, it } from 'vitest';
import { startEdge } from '../src/index.js';
import { closeAfterTest, echoUrl, edgeFor, fixed, get, oneDistribution, startTinyOrigin, TEST_EDGE_WORKERS } from './helpers.js';
import { ADD_INDEX_HTML } from './fixtures/aws-functions.js';

/** AWS sample "redirect the viewer to a new URL". */
const REDIRECT = `
function handler(event) {
    var newurl = 'https://example.com/index.html'; // Change the redirect URL to your choice
    var response = {
        statusCode: 302,
        statusDescription: 'Found',
        headers:
            { "location": { "value": newurl } }
        }
    return response;
}`;

/** AWS sample "add HTTP security headers to the response". */
const SECURITY_HEADERS = `
function handler(event) {
    var response = event.response;
    var headers = response.headers;
    // Set HTTP security headers
    // Since JavaScript doesn't allow for hyphens in variable names, we use the dict["key"] notation
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload'};
    headers['content-security-policy'] = { value: "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'"};
    headers['x-content-type-options'] = { value: 'nosniff'};
    headers['x-frame-options'] = {value: 'DENY'};
    headers['x-xss-protection'] = {value: '1; mode=block'};
    // Return the response to viewers
    return response;
}`;

/** Redirects from a key value store (the pattern of AWS's kvs samples, runtime 2.0). */
const KVS_REDIRECT = `
import cf from 'cloudfront';
const kvsHandle = cf.kvs();
async function handler(event) {
    const request = event.request;
    try {
        const target = await kvsHandle.get(request.uri);
        return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: target } } };
    } catch (err) {
        return request; // not in the store: on to the cache and the origin
    }
}`;

function withFunctions(originUrl: string, functions: Array<Record<string, unknown>>, associations: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...oneDistribution(originUrl, {}, { functionAssociations: associations }), functions, ...extra };
}

describe('CloudFront Functions at the edge', () => {
  it('viewer-request rewrite (add index.html): /guide and /guide/ serve guide/index.html, cached under the rewritten URI', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '/guide/index.html': fixed('<h1>Guide</h1>', { 'content-type': 'text/html', 'cache-control': 'max-age=600' }) }));
    const edge = closeAfterTest(await edgeFor(withFunctions(origin.url, [{ name: 'add-index', code: ADD_INDEX_HTML }], [{ eventType: 'viewer-request', functionArn: 'add-index' }])));
    for (const path of ['/guide', '/guide/', '/guide', '/guide/index.html']) {
      const r = await get(`${edge.url}${path}`);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('<h1>Guide</h1>');
    }
    // Every URL became /guide/index.html before the cache: one origin fetch per worker at most (one with the shared tier).
    expect(origin.count('/guide/index.html')).toBe(1);
    expect(origin.requests.every((r) => r.url === '/guide/index.html')).toBe(true);
    const m = await edge.runtime.metrics();
    expect(m.functionInvocations).toBe(4);
  });

  it('viewer-request generated response (redirect): 302 with Location and X-Cache FunctionGeneratedResponse, the origin never asked', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': fixed('origin') }));
    const edge = closeAfterTest(
      await edgeFor(
        withFunctions(
          origin.url,
          [{ name: 'redirect', code: REDIRECT, runtime: 'cloudfront-js-1.0' }],
          [{ eventType: 'viewer-request', functionArn: 'arn:aws:cloudfront::123456789012:function/redirect' }],
        ),
      ),
    );
    const r = await get(`${edge.url}/anything?x=1`);
    expect(r.status).toBe(302);
    expect(r.headers['location']).toBe('https://example.com/index.html');
    expect(r.headers['x-cache']).toBe('FunctionGeneratedResponse from cloudfront');
    expect(r.headers['x-amz-cf-id']).toBeTruthy();
    expect(origin.requests).toHaveLength(0);
  });

  it('viewer-response security headers: on misses and hits, not on origin errors (CloudFront runs none for status ≥ 400)', async () => {
    const origin = closeAfterTest(
      await startTinyOrigin({
        '/page.html': fixed('<p>page</p>', { 'content-type': 'text/html', 'cache-control': 'max-age=600' }),
        '/gone.html': fixed('gone', { 'cache-control': 'max-age=600' }, 404),
      }),
    );
    const edge = closeAfterTest(await edgeFor(withFunctions(origin.url, [{ name: 'security-headers', code: SECURITY_HEADERS }], [{ eventType: 'viewer-response', functionArn: 'security-headers' }])));
    const miss = await get(`${edge.url}/page.html`);
    const hit = await get(`${edge.url}/page.html`);
    for (const r of [miss, hit]) {
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('<p>page</p>');
      expect(r.headers['strict-transport-security']).toBe('max-age=63072000; includeSubdomains; preload');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['content-type']).toBe('text/html');
      expect(r.headers['x-amz-cf-pop']).toBeTruthy(); // headers a function cannot see stay
    }
    expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
    expect(hit.headers['x-cache']).toMatch(/^(Hit|Miss) from cloudfront$/); // another worker may miss
    const notFound = await get(`${edge.url}/gone.html`);
    expect(notFound.status).toBe(404);
    expect(notFound.headers['x-frame-options']).toBeUndefined();
  });

  it('a key value store read by a 2.0 function: listed paths redirect, others go to the origin', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': fixed('from the origin', { 'cache-control': 'max-age=60' }) }));
    const data = Array.from({ length: 2000 }, (_, i) => ({ key: `/old/${i}`, value: `https://new.example/${i}` }));
    const edge = closeAfterTest(
      await edgeFor(
        withFunctions(origin.url, [{ name: 'kvs-redirect', code: KVS_REDIRECT, keyValueStoreAssociations: ['redirects'] }], [{ eventType: 'viewer-request', functionArn: 'kvs-redirect' }], {
          keyValueStores: [{ name: 'redirects', data }],
        }),
      ),
    );
    const moved = await get(`${edge.url}/old/1234`);
    expect(moved.status).toBe(301);
    expect(moved.headers['location']).toBe('https://new.example/1234');
    const kept = await get(`${edge.url}/current/page`);
    expect(kept.status).toBe(200);
    expect(kept.body.toString()).toBe('from the origin');
    expect(origin.requests.map((r) => r.url)).toEqual(['/current/page']);
  });

  it('failures: a throw is 503 FunctionExecutionError, an endless loop 503 within the limit (the edge keeps serving), an invalid result 502', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': fixed('ok', { 'cache-control': 'max-age=60' }) }));
    const code = `
function handler(event) {
  var uri = event.request.uri;
  if (uri === '/throw') throw new Error('boom');
  if (uri === '/loop') { while (true) {} }
  if (uri === '/invalid') return { statusCode: 'not a number' };
  return event.request;
}`;
    const edge = closeAfterTest(await edgeFor(withFunctions(origin.url, [{ name: 'faulty', code }], [{ eventType: 'viewer-request', functionArn: 'faulty' }])));
    const thrown = await get(`${edge.url}/throw`);
    expect(thrown.status).toBe(503);
    expect(thrown.headers['x-cache']).toBe('FunctionExecutionError from cloudfront');
    expect(thrown.body.toString()).toContain('The CloudFront function associated with the CloudFront distribution is invalid or could not run.');
    const t0 = Date.now();
    const looped = await get(`${edge.url}/loop`);
    expect(looped.status).toBe(503);
    expect(looped.headers['x-cache']).toMatch(/^Function(Throttled|Execution)Error from cloudfront$/);
    expect(Date.now() - t0).toBeLessThan(5_000); // stopped by the compute limit, not by a timeout
    const invalid = await get(`${edge.url}/invalid`);
    expect(invalid.status).toBe(502);
    expect(invalid.headers['x-cache']).toBe('FunctionValidationError from cloudfront');
    for (let i = 0; i < 2 * TEST_EDGE_WORKERS; i++) expect((await get(`${edge.url}/fine-${i}`)).status).toBe(200);
    const m = await edge.runtime.metrics();
    expect(m.functionErrors).toBe(3);
  });

  it("characters above U+00FF in what a function returns (from a viewer's query string) go out as UTF-8 bytes; the edge never crashes", async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': fixed('ok', { 'cache-control': 'max-age=60' }) }));
    // A common pattern: a header or a generated page built from a decoded viewer value.
    const code = `
function handler(event) {
  var q = event.request.querystring;
  var name = q.name ? decodeURIComponent(q.name.value) : '';
  if (event.request.uri === '/hello') {
    return { statusCode: 200, statusDescription: 'Hi ' + name, headers: { 'x-greeting': { value: 'hello ' + name } }, cookies: { who: { value: name } }, body: 'hello ' + name };
  }
  event.request.headers['x-name'] = { value: name };
  return event.request;
}`;
    const respond = `function handler(event) { event.response.headers['x-euro'] = { value: '\\u20ac' }; return event.response; }`;
    const edge = closeAfterTest(
      await edgeFor(
        withFunctions(
          origin.url,
          [
            { name: 'greet', code },
            { name: 'euro', code: respond },
          ],
          [
            { eventType: 'viewer-request', functionArn: 'greet' },
            { eventType: 'viewer-response', functionArn: 'euro' },
          ],
        ),
      ),
    );
    const utf8AsLatin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    const hello = await get(`${edge.url}/hello?name=%E2%82%AC%E2%98%83`);
    expect(hello.status).toBe(200);
    expect(hello.headers['x-greeting']).toBe(utf8AsLatin1('hello €☃'));
    expect(hello.headers['set-cookie']).toBe(utf8AsLatin1('who=€☃'));
    expect(hello.body.toString()).toBe('hello €☃');
    const page = await get(`${edge.url}/page?name=%E2%82%AC`);
    expect(page.status).toBe(200);
    expect(page.headers['x-euro']).toBe(utf8AsLatin1('€'));
    for (let i = 0; i < 2 * TEST_EDGE_WORKERS; i++) expect((await get(`${edge.url}/hello?name=%E2%82%AC`)).status).toBe(200); // every worker still up
  });

  it('identical requests reuse the function’s result without entering the sandbox; what the function reads (a cookie) keeps results apart', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': echoUrl('max-age=60') }));
    const route = `function handler(event) {
  var r = event.request;
  r.uri = '/' + (r.cookies.group ? r.cookies.group.value : 'control') + r.uri;
  return r;
}`;
    const edge = closeAfterTest(await edgeFor(withFunctions(origin.url, [{ name: 'route', code: route }], [{ eventType: 'viewer-request', functionArn: 'route' }])));
    const rounds = 10;
    const viewers: Array<[Record<string, string>, string]> = [
      [{ cookie: 'group=a' }, 'origin saw /a/page'],
      [{ cookie: 'group=b; other=1' }, 'origin saw /b/page'],
      [{}, 'origin saw /control/page'],
    ];
    for (let i = 0; i < rounds; i++) {
      for (const [headers, body] of viewers) {
        const r = await get(`${edge.url}/page`, headers);
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe(body);
      }
    }
    const m = await edge.runtime.metrics();
    expect(m.functionInvocations).toBe(rounds * viewers.length);
    // each worker runs each distinct input once at most
    expect(m.functionResultsReused).toBeGreaterThanOrEqual(rounds * viewers.length - viewers.length * TEST_EDGE_WORKERS);
  });

  it('only the associated behavior runs the function; a rewrite does not choose another behavior', async () => {
    const origin = closeAfterTest(await startTinyOrigin({ '*': echoUrl('max-age=60') }));
    const rewrite = `function handler(event) { event.request.uri = '/api/moved' + event.request.uri; return event.request; }`;
    const config = {
      ...oneDistribution(origin.url, {
        cacheBehaviors: [{ pathPattern: '/static/*', targetOriginId: 'o1', functionAssociations: [{ eventType: 'viewer-request', functionArn: 'rewrite' }] }],
      }),
      functions: [{ name: 'rewrite', code: rewrite }],
    };
    const edge = closeAfterTest(await edgeFor(config));
    expect((await get(`${edge.url}/static/a.css`)).body.toString()).toBe('origin saw /api/moved/static/a.css');
    expect((await get(`${edge.url}/other`)).body.toString()).toBe('origin saw /other');
  });

  it("configuration errors name the function and CloudFront's error: association not a function name, bad code, oversize code", async () => {
    const origin = closeAfterTest(await startTinyOrigin({}));
    const start = (config: Record<string, unknown>) => startEdge({ config, workers: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    // (An association naming a function that is not configured is allowed: one published through the API, edge-functions-api.test.ts.)
    await expect(start(withFunctions(origin.url, [], [{ eventType: 'viewer-request', functionArn: 'no such/name' }]))).rejects.toThrow(/functionArn: 'no such\/name' is not a function name/);
    await expect(
      start(withFunctions(origin.url, [{ name: 'broken', code: 'function handler(event) { return event.request' }], [{ eventType: 'viewer-request', functionArn: 'broken' }])),
    ).rejects.toThrow(/functions\[0\] \(broken\): InvalidArgument/);
    await expect(
      start(withFunctions(origin.url, [{ name: 'big', code: `function handler(e) { return e.request; } // ${'x'.repeat(11_000)}` }], [{ eventType: 'viewer-request', functionArn: 'big' }])),
    ).rejects.toThrow(/FunctionSizeLimitExceeded/);
    await expect(start(withFunctions(origin.url, [{ name: 'f', code: ADD_INDEX_HTML }], [{ eventType: 'origin-request', functionArn: 'f' }]))).rejects.toThrow(/Lambda@Edge event/);
  });
});
