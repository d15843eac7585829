/**
 * What a function returns, validated as CloudFront does: invalid results are
 * FunctionValidationError (502), thrown errors FunctionExecutionError (503). Also the shapes of
 * generated responses, bodies, cookies, multiValue and the lazy event (parts the function does not
 * touch are passed through, parts it touches come back as it left them).
 */
import { describe, expect, it } from 'vitest';
import { fieldValues } from './validate.js';
import { compile, expectFailure, expectOk, requestOf, responseOf, viewerRequest, viewerResponse } from './__tests__/helpers.js';

async function returning(body: string, eventType: 'viewer-request' | 'viewer-response' = 'viewer-request') {
  const fn = await compile(`function handler(event) { ${body} }`);
  return fn.run(eventType === 'viewer-request' ? viewerRequest() : viewerResponse());
}

describe('execution errors (503)', () => {
  it('a thrown error is FunctionExecutionError with the message and the function’s line', async () => {
    const fn = await compile(
      `function handler(event) {
  var h = event.request.headers;
  return h.missing.value;
}`,
      { name: 'thrower' },
    );
    const r = await fn.run(viewerRequest());
    expectFailure(r, 'FunctionExecutionError', /^TypeError: .*\n.*thrower\.js:3/);
  });

  it('a rejected async handler, a thrown string and an error at the top level', async () => {
    expectFailure(await (await compile(`async function handler(event) { throw new RangeError('nope'); }`)).run(viewerRequest()), 'FunctionExecutionError', /^RangeError: nope/);
    expectFailure(await (await compile(`function handler(event) { throw 'plain'; }`)).run(viewerRequest()), 'FunctionExecutionError', /^Error: plain$/);
    expectFailure(await (await compile(`var x = undefined.y;\nfunction handler(event) { return event.request; }`)).run(viewerRequest()), 'FunctionExecutionError', /TypeError/);
  });

  it('logs written before the error are kept', async () => {
    const r = await (await compile(`function handler(event) { console.log('before'); throw new Error('after'); }`)).run(viewerRequest());
    expect(r.logs).toEqual(['before']);
    expectFailure(r, 'FunctionExecutionError');
  });
});

describe('validation errors (502)', () => {
  it.each([
    ['nothing', 'return;'],
    ['a string', "return 'ok';"],
    ['null', 'return null;'],
    ['a response with a string status', "return { statusCode: '200' };"],
    ['a response with status 99', 'return { statusCode: 99 };'],
    ['a response with status 600', 'return { statusCode: 600 };'],
    ['a header value that is not a string', "event.request.headers['x'] = { value: 5 }; return event.request;"],
    ['a header without value', "event.request.headers['x'] = {}; return event.request;"],
    ['a header value with CR/LF (header injection)', "event.request.headers['x'] = { value: 'a\\r\\nSet-Cookie: evil=1' }; return event.request;"],
    ['an upper-case header name', "event.request.headers['X-Custom'] = { value: 'a' }; return event.request;"],
    ['a header name with a space', "event.request.headers['x y'] = { value: 'a' }; return event.request;"],
    ['a bad multiValue', "event.request.headers['x'] = { value: 'a', multiValue: 'a' }; return event.request;"],
    ['a changed method (read-only)', "event.request.method = 'POST'; return event.request;"],
    ['a changed host header (read-only)', "event.request.headers.host = { value: 'evil.example' }; return event.request;"],
    ['a removed host header (read-only)', 'delete event.request.headers.host; return event.request;'],
    ['an added via header (read-only)', "event.request.headers.via = { value: '1.1 x' }; return event.request;"],
    ['an added content-length header (read-only)', "event.request.headers['content-length'] = { value: '1' }; return event.request;"],
    ['a disallowed header (connection)', "event.request.headers.connection = { value: 'close' }; return event.request;"],
    ['a disallowed header (x-amz-cf-*)', "event.request.headers['x-amz-cf-pop'] = { value: 'x' }; return event.request;"],
    ['a uri without a leading slash', "event.request.uri = 'index.html'; return event.request;"],
    ['a uri with a space', "event.request.uri = '/a b'; return event.request;"],
    ['a uri with a query string', "event.request.uri = '/a?b=1'; return event.request;"],
    ['a uri that is too long', "event.request.uri = '/' + 'a'.repeat(8192); return event.request;"],
    ['a raw query string with #', "event.request.querystring = 'a=1#frag'; return event.request;"],
    ['a query value with a space', "event.request.querystring = { a: { value: 'b c' } }; return event.request;"],
    ['a cookie value that is not a string', 'event.request.cookies = { a: { value: 1 } }; return event.request;'],
    ['a cyclic object', 'var o = { statusCode: 200 }; o.self = o; return o;'],
    ['a body with an unknown encoding', "return { statusCode: 200, body: { data: 'x', encoding: 'gzip' } };"],
    ['a body that is not valid base64', "return { statusCode: 200, body: { data: 'not base64!', encoding: 'base64' } };"],
  ])('rejects %s', async (_what, body) => {
    expectFailure(await returning(body), 'FunctionValidationError');
  });

  it.each([
    ['the request instead of the response', 'return event.request;'],
    ['a changed via header (read-only)', "event.response.headers.via = { value: '1.1 x' }; return event.response;"],
    ['a warning header (read-only)', "event.response.headers.warning = { value: '199 x' }; return event.response;"],
    ['a status that is not a number', "event.response.statusCode = 'ok'; return event.response;"],
  ])('viewer-response rejects %s', async (_what, body) => {
    expectFailure(await returning(body, 'viewer-response'), 'FunctionValidationError');
  });
});

describe('results', () => {
  it('a generated response gets headers and cookies objects; body as string or {data, encoding}', async () => {
    expect(responseOf(await returning("return { statusCode: 401, statusDescription: 'Unauthorized' };"))).toEqual({
      statusCode: 401,
      statusDescription: 'Unauthorized',
      headers: {},
      cookies: {},
    });
    const r = responseOf(
      await returning(`return {
      statusCode: 200,
      headers: { 'content-type': { value: 'text/plain' } },
      cookies: { s: { value: '1', attributes: 'Secure; Path=/' }, m: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b', attributes: 'Path=/b' }] } },
      body: { data: 'aGVsbG8=', encoding: 'base64' },
      extra: 'ignored',
    };`),
    );
    expect(r).toEqual({
      statusCode: 200,
      headers: { 'content-type': { value: 'text/plain' } },
      cookies: { s: { value: '1', attributes: 'Secure; Path=/' }, m: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b', attributes: 'Path=/b' }] } },
      body: { data: 'aGVsbG8=', encoding: 'base64' },
    });
    expect(responseOf(await returning("return { statusCode: 200, body: 'plain text' };")).body).toBe('plain text');
  });

  it('viewer-response: status, description and body can be replaced; untouched headers pass through', async () => {
    const fn = await compile(`function handler(event) {
      var r = event.response;
      r.statusCode = 404; r.statusDescription = 'Not Found';
      r.body = { encoding: 'text', data: '<p>gone</p>' };
      return r;
    }`);
    const ev = viewerResponse({
      headers: { 'content-type': { value: 'text/html' }, 'x-origin': { value: 'o', multiValue: [{ value: 'o' }, { value: 'p' }] } },
      cookies: { a: { value: 'b', attributes: 'Path=/' } },
    });
    const out = responseOf(await fn.run(ev));
    expect(out).toEqual({
      statusCode: 404,
      statusDescription: 'Not Found',
      headers: ev.response!.headers,
      cookies: ev.response!.cookies,
      body: { encoding: 'text', data: '<p>gone</p>' },
    });
  });

  it('a request the function did not touch comes back as it came in (lazy parts never left the host)', async () => {
    const fn = await compile('function handler(event) { return event.request; }');
    const ev = viewerRequest({
      querystring: { a: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
      headers: { host: { value: 'www.example.com' }, accept: { value: 'text/html' } },
      cookies: { c: { value: 'v' } },
    });
    const out = requestOf(await fn.run(ev));
    expect(out).toEqual(ev.request);
    expect(out.headers).toBe(ev.request.headers); // shared, not copied
  });

  it('a new request object built from the event parts is accepted', async () => {
    const fn = await compile(`function handler(event) {
      var r = event.request;
      return { method: r.method, uri: '/new', querystring: r.querystring, headers: r.headers, cookies: r.cookies };
    }`);
    const out = requestOf(await fn.run(viewerRequest({ headers: { host: { value: 'h' }, a: { value: 'b' } } })));
    expect(out.uri).toBe('/new');
    expect(out.headers).toEqual({ host: { value: 'h' }, a: { value: 'b' } });
  });

  it('returns what the function did to headers, cookies and query strings, including multiValue', async () => {
    const fn = await compile(`function handler(event) {
      var r = event.request;
      delete r.headers.accept;
      r.headers['x-new'] = { value: 'n' };
      r.headers['x-multi'].multiValue[1].value = 'changed';
      r.cookies.added = { value: 'yes' };
      r.querystring.q.value = 'first-only';
      return r;
    }`);
    const ev = viewerRequest({
      querystring: { q: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b' }] } },
      headers: { host: { value: 'h' }, accept: { value: '*/*' }, 'x-multi': { value: '1', multiValue: [{ value: '1' }, { value: '2' }] } },
      cookies: {},
    });
    const out = requestOf(await fn.run(ev));
    expect(out.headers).toEqual({ host: { value: 'h' }, 'x-multi': { value: '1', multiValue: [{ value: '1' }, { value: 'changed' }] }, 'x-new': { value: 'n' } });
    expect(out.cookies).toEqual({ added: { value: 'yes' } });
    // CloudFront's multiValue rules: a modified multiValue wins; otherwise value replaces the first
    expect(fieldValues(out.headers['x-multi']!, ev.request.headers!['x-multi'])).toEqual(['1', 'changed']);
    const qs = out.querystring as Record<string, { value: string; multiValue?: { value: string }[] }>;
    expect(fieldValues(qs.q!, ev.request.querystring!.q)).toEqual(['first-only', 'b']);
    expect(ev.request.headers!.accept).toEqual({ value: '*/*' }); // the host's event was not changed
  });

  it('the event has the documented shape, read lazily but enumerable like plain data', async () => {
    const fn = await compile(`function handler(event) {
      return { statusCode: 200, body: JSON.stringify(event) + '|' + Object.keys(event.request).join() + '|' + typeof event.request.rawQueryString };
    }`);
    const ev = viewerRequest({ querystring: { a: { value: '1' } }, cookies: { c: { value: 'v' } } });
    const out = responseOf(await fn.run(ev, { rawQueryString: 'a=1' }));
    const [json, keys, raw] = (out.body as string).split('|');
    expect(JSON.parse(json!)).toEqual(ev);
    expect(keys).toBe('method,uri,querystring,headers,cookies');
    expect(raw).toBe('function');
  });

  it('viewer-response events carry the response and the request', async () => {
    const fn = await compile(`function handler(event) {
      event.response.headers['x-seen'] = { value: event.context.eventType + ' ' + event.request.uri + ' ' + event.response.statusCode };
      return event.response;
    }`);
    const out = responseOf(await fn.run(viewerResponse({ statusCode: 304 }, { uri: '/page' })));
    expect(out.headers['x-seen']).toEqual({ value: 'viewer-response /page 304' });
    expect(out.statusCode).toBe(304);
  });

  it('request.rawQueryString() follows the documented cases', async () => {
    const fn = await compile(`function handler(event) { var q = event.request.rawQueryString(); return { statusCode: 200, body: q === undefined ? 'undefined' : '[' + q + ']' }; }`);
    expect(responseOf(await fn.run(viewerRequest(), { rawQueryString: 'name=John&age=25' })).body).toBe('[name=John&age=25]');
    expect(responseOf(await fn.run(viewerRequest(), { rawQueryString: '' })).body).toBe('[]');
    expect(responseOf(await fn.run(viewerRequest())).body).toBe('undefined');
  });

  it('values with separator characters survive the wire format', async () => {
    const fn = await compile(`function handler(event) {
      if (event.request.uri !== '/') return event.request;
      return { statusCode: 200, body: event.viewer.ip + '|' + event.context.requestId + '|' + event.request.method };
    }`);
    const ev = viewerRequest({ uri: '/\u0002odd' }, '\u0001weird');
    expectFailure(await fn.run(ev), 'FunctionValidationError', /uri/); // control characters are not allowed in a URI
    const ok = viewerRequest({ uri: '/', method: '\u0002GET' }, '\u0001weird');
    ok.context.requestId = '\u0003id';
    expect(responseOf(await fn.run(ok)).body).toBe('\u0001weird|\u0003id|\u0002GET');
  });
});

describe('what comes back after reading parts', () => {
  it('in-place edits of fetched fields are seen; reading alone changes nothing', async () => {
    const fn = await compile(`function handler(event) {
      var h = event.request.headers;
      var q = event.request.querystring;
      if (event.request.uri === '/edit') { h.accept.value = 'text/plain'; q.a.value = '9'; }
      if (event.request.uri === '/same') { h.accept = { value: h.accept.value }; }
      if (event.request.uri === '/order') { var a = h.accept; delete h.accept; h.accept = a; }
      return event.request;
    }`);
    const ev = (uri: string) => viewerRequest({ uri, querystring: { a: { value: '1' } }, headers: { host: { value: 'h' }, accept: { value: '*/*' }, 'x-z': { value: 'z' } } });
    const read = ev('/read');
    expect(requestOf(await fn.run(read)).headers).toBe(read.request.headers);
    const edited = requestOf(await fn.run(ev('/edit')));
    expect(edited.headers).toEqual({ host: { value: 'h' }, accept: { value: 'text/plain' }, 'x-z': { value: 'z' } });
    expect(edited.querystring).toEqual({ a: { value: '9' } });
    expect(requestOf(await fn.run(ev('/same'))).headers).toEqual(ev('/same').request.headers);
    expect(Object.keys(requestOf(await fn.run(ev('/order'))).headers)).toEqual(['host', 'x-z', 'accept']);
  });

  it('a field named __proto__ is an ordinary field both ways', async () => {
    const fn = await compile(`function handler(event) {
      var h = event.request.headers;
      var seen = Object.prototype.hasOwnProperty.call(h, '__proto__') ? h['__proto__'].value : 'missing';
      if (event.request.uri === '/add') h['x-seen'] = { value: seen };
      return event.request;
    }`);
    const headers = JSON.parse('{"host":{"value":"h"},"__proto__":{"value":"p"}}') as Record<string, { value: string }>;
    const out = requestOf(await fn.run(viewerRequest({ uri: '/add', headers })));
    expect(Object.keys(out.headers)).toEqual(['host', '__proto__', 'x-seen']);
    expect(out.headers['x-seen']).toEqual({ value: 'p' });
    expect(Object.getOwnPropertyDescriptor(out.headers, '__proto__')?.value).toEqual({ value: 'p' });
    expect(Object.getPrototypeOf(out.headers)).toBe(Object.prototype);
  });
});

describe('async handlers', () => {
  it('await works on plain promises and async helpers', async () => {
    const fn = await compile(`async function answer() { return 42; }
async function squared() { return answer().then(function (v) { return v * v; }); }
async function handler(event) {
  event.request.headers.answer = { value: '' + (await answer()) + ',' + (await squared()) };
  return event.request;
}`);
    expect(requestOf(await fn.run(viewerRequest())).headers.answer).toEqual({ value: '42,1764' });
    expect(expectOk(fn.runSync(viewerRequest())).ok).toBe(true);
  });
});
