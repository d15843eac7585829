/**
 * The sandbox: no Node APIs, no dynamic code, no state shared between invocations or functions.
 * Each probe reports what it found through a response header, so a test fails if the probe
 * stops reaching its assertion (an unexpected exception makes the run fail instead).
 */
import { describe, expect, it } from 'vitest';
import { compileFunction } from './function.js';
import { compile, expectFailure, expectOk, requestOf, viewerRequest } from './__tests__/helpers.js';

/** Compiles a function whose handler returns `{statusCode: 200, headers: {probe: String(<expr>)}}`. */
async function probe(expr: string, preamble = ''): Promise<string> {
  const fn = await compile(`${preamble}
function handler(event) {
  var v;
  try { v = String(${expr}); } catch (e) { v = 'threw ' + e.name + ': ' + e.message; }
  return { statusCode: 200, headers: { probe: { value: v } } };
}`);
  const r = expectOk(await fn.run(viewerRequest()));
  if (!('response' in r.output)) throw new Error('probe returned no response');
  return r.output.response.headers.probe!.value;
}

describe('no host capabilities', () => {
  it.each([
    'process',
    'setTimeout',
    'setInterval',
    'setImmediate',
    'clearTimeout',
    'fetch',
    'XMLHttpRequest',
    'WebAssembly',
    'WeakRef',
    'FinalizationRegistry',
    'SharedArrayBuffer',
    'Atomics',
    'std',
    'os',
    'performance',
    'module',
    'exports',
    '__dirname',
    'Deno',
    'H',
    'globalThis.__cf_import__',
    'global',
  ])('%s is not defined', async (name) => {
    expect(await probe(`typeof ${name}`)).toBe('undefined');
  });

  it('require() only knows the CloudFront modules', async () => {
    for (const m of ['fs', 'node:fs', 'child_process', 'net', 'http', 'os', 'path', 'vm', 'worker_threads', '__proto__', 'constructor']) {
      expect(await probe(`require(${JSON.stringify(m)})`)).toBe(`threw Error: Cannot find module '${m}'`);
    }
    expect(await probe(`typeof require('crypto').createHash`)).toBe('function');
  });

  it('a static import of a Node module is rejected at compile time', async () => {
    const r = await compileFunction({ name: 'imp', code: `import fs from 'fs';\nfunction handler(e) { return e.request; }` });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ code: 'InvalidArgument', message: "The function code is not valid: Cannot find module 'fs'" });
  });

  it('dynamic import() rejects: there is no module loader', async () => {
    const fn = await compile(`async function handler(event) {
      var outcome;
      try { await import('fs'); outcome = 'loaded'; } catch (e) { outcome = 'rejected'; }
      event.request.headers['x-import'] = { value: outcome };
      return event.request;
    }`);
    expect(requestOf(await fn.run(viewerRequest())).headers['x-import']).toEqual({ value: 'rejected' });
  });

  it('eval and every function constructor throw', async () => {
    const refused = /^threw EvalError: .*not supported/;
    expect(await probe(`eval('1 + 1')`)).toMatch(refused);
    expect(await probe(`(0, eval)('1 + 1')`)).toMatch(refused);
    expect(await probe(`Function('return this')()`)).toMatch(refused);
    expect(await probe(`new Function('a', 'b', 'return a + b')(1, 2)`)).toMatch(refused);
    expect(await probe(`({}).constructor.constructor('return process')()`)).toMatch(refused);
    expect(await probe(`(function () {}).constructor('return process')()`)).toMatch(refused);
    expect(await probe(`(async function () {}).constructor('return 1')`)).toMatch(refused);
    expect(await probe(`(function* () {}).constructor('yield 1')`)).toMatch(refused);
    expect(await probe(`(async function* () {}).constructor('yield 1')`)).toMatch(refused);
    expect(await probe(`event.constructor.constructor('return globalThis')()`)).toMatch(refused);
    // instanceof Function still works with the replaced constructor
    expect(await probe(`(() => 1) instanceof Function`)).toBe('true');
  });

  it('`this` at the top level and in the handler is undefined (strict mode)', async () => {
    expect(await probe(`topThis`, `var topThis = typeof this;`)).toBe('undefined');
    expect(await probe(`this.constructor.constructor('return process')()`)).toMatch(/^threw TypeError/);
  });

  it('the host functions and lazy accessors cannot be used to reach anything', async () => {
    expect(await probe(`Object.getOwnPropertyNames(globalThis).filter(function (n) { return /^(H|__|process|std|os)/.test(n); }).join()`)).toBe('');
    const fn = await compile(`function handler(event) {
      var d = Object.getOwnPropertyDescriptor(event.request, 'headers');
      var r = [];
      try { d.get.leak = 1; r.push('writable'); } catch (e) { r.push(e.name); }
      try { event.request.rawQueryString.leak = 1; r.push('writable'); } catch (e) { r.push(e.name); }
      try { d.get.constructor('return 1'); r.push('constructed'); } catch (e) { r.push(e.name); }
      event.request.headers['x-r'] = { value: r.join() };
      return event.request;
    }`);
    expect(requestOf(await fn.run(viewerRequest())).headers['x-r']).toEqual({ value: 'TypeError,TypeError,EvalError' });
  });
});

describe('no state across invocations', () => {
  it('top-level variables start fresh on every invocation', async () => {
    const fn = await compile(`var count = 0;
let seen = [];
function handler(event) {
  count++;
  seen.push(event.request.uri);
  event.request.headers['x-count'] = { value: count + ':' + seen.join(',') };
  return event.request;
}`);
    for (const uri of ['/a', '/b', '/c']) {
      expect(requestOf(await fn.run(viewerRequest({ uri }))).headers['x-count']).toEqual({ value: `1:${uri}` });
    }
  });

  it('writes to globalThis are refused and never seen by a later invocation', async () => {
    const fn = await compile(`function handler(event) {
      var before = typeof globalThis.stash + '/' + typeof stash;
      var write;
      try { globalThis.stash = event.request.uri; write = 'stored'; } catch (e) { write = e.name; }
      try { Object.defineProperty(globalThis, 'stash2', { value: 1 }); } catch (e) { write += '+' + e.name; }
      event.request.headers['x-g'] = { value: before + ' ' + write };
      return event.request;
    }`);
    for (let i = 0; i < 3; i++) {
      expect(requestOf(await fn.run(viewerRequest())).headers['x-g']).toEqual({ value: 'undefined/undefined TypeError+TypeError' });
    }
  });

  it('prototype pollution is refused and leaks neither to the next invocation nor to another function', async () => {
    const polluter = await compile(`function handler(event) {
      var r = [typeof ({}).polluted, typeof [].polluted];
      try { Object.prototype.polluted = 1; r.push('set'); } catch (e) { r.push(e.name); }
      try { Array.prototype.push = function () { return 'hijacked'; }; r.push('set'); } catch (e) { r.push(e.name); }
      try { Object.setPrototypeOf(Array.prototype, null); r.push('set'); } catch (e) { r.push(e.name); }
      try { ({}).__proto__.viaProto = 1; r.push('set'); } catch (e) { r.push(e.name); }
      try { String.prototype.trim = null; r.push('set'); } catch (e) { r.push(e.name); }
      try { JSON.parse = function () { return {}; }; r.push('set'); } catch (e) { r.push(e.name); }
      try { Object.getPrototypeOf(function* () {}).polluted = 1; r.push('set'); } catch (e) { r.push(e.name); }
      try { Object.getPrototypeOf([][Symbol.iterator]()).next = null; r.push('set'); } catch (e) { r.push(e.name); }
      try { Error.prepareStackTrace = function () {}; r.push('set'); } catch (e) { r.push(e.name); }
      var a = []; a.push(5);
      r.push(a.length);
      event.request.headers['x-p'] = { value: r.join() };
      return event.request;
    }`);
    const expected = 'undefined,undefined,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,TypeError,1';
    expect(requestOf(await polluter.run(viewerRequest())).headers['x-p']).toEqual({ value: expected });
    expect(requestOf(await polluter.run(viewerRequest())).headers['x-p']).toEqual({ value: expected });
    expect(await probe(`typeof ({}).polluted + typeof [].viaProto + [1].concat([2]).length`)).toBe('undefinedundefined2');
  });

  it('ordinary code can still shadow frozen prototype properties (no override mistake)', async () => {
    expect(
      await probe(
        `new Foo() + '|' + new MyError('m').name + '|' + o.toString() + '|' + (Foo.prototype.constructor === Foo)`,
        `
function Foo() {}
Foo.prototype.constructor = Foo;
Foo.prototype.toString = function () { return 'foo'; };
class MyError extends Error { constructor(m) { super(m); this.name = 'MyError'; } }
var o = {}; o.toString = function () { return 'own'; };`,
      ),
    ).toBe('foo|MyError|own|true');
    expect(await probe(`(function () { try { Object.prototype.toString = null; return 'set'; } catch (e) { return e.name; } })()`)).toBe('TypeError');
  });

  it('one function cannot read another function’s variables', async () => {
    const a = await compile(`var secretOfA = 'hunter2'; function handler(e) { return e.request; }`);
    await a.run(viewerRequest());
    expect(await probe(`typeof secretOfA`)).toBe('undefined');
    expect(await probe(`Object.getOwnPropertyNames(globalThis).indexOf('secretOfA')`)).toBe('-1');
  });

  it('a promise job left behind by one invocation never runs in the next', async () => {
    const fn = await compile(`function handler(event) {
      if (event.request.uri === '/first') Promise.resolve().then(function () { console.log('left over from /first'); });
      console.log('run ' + event.request.uri);
      return event.request;
    }`);
    const first = await fn.run(viewerRequest({ uri: '/first' }));
    expect(first.logs).toEqual(['run /first']);
    const second = await fn.run(viewerRequest({ uri: '/second' }));
    expect(second.logs).toEqual(['run /second']);
  });

  it('no object a function can reach keeps a mark from one invocation to the next (globals, modules, the event and its accessors, __cf_import__)', async () => {
    // Tags every extensible object reachable from the function's code with this invocation's
    // distribution id; a tag from another id found later is state shared between invocations.
    const fn = await compile(
      `import cf from 'cloudfront'; import crypto from 'crypto'; import qs from 'querystring'; import * as ns from 'cloudfront';
function handler(event) {
  var found = [];
  var seen = new Set();
  var me = event.context.distributionId;
  var stack = [['globalThis', globalThis], ['event', event], ['__cf_import__', __cf_import__], ['cf', cf], ['ns', ns], ['crypto', crypto], ['qs', qs],
    ['kvs', cf.kvs()], ['hash', crypto.createHash('sha1')], ['buffer', Buffer.from('a')], ['parsed', qs.parse('a=1')],
    ['require', require('crypto')], ['rawQueryString', event.request.rawQueryString], ['headers', event.request.headers],
    ['error', (function () { try { null.x; } catch (e) { return e; } })()]];
  while (stack.length) {
    var it = stack.pop(), path = it[0], o = it[1];
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    var tag = Object.getOwnPropertyDescriptor(o, '__tag');
    if (tag && tag.value !== me) found.push(path);
    if (!tag && Object.isExtensible(o)) Object.defineProperty(o, '__tag', { value: me });
    stack.push([path + '.__proto__', Object.getPrototypeOf(o)]);
    var keys = Reflect.ownKeys(o);
    for (var i = 0; i < keys.length; i++) {
      var d = Object.getOwnPropertyDescriptor(o, keys[i]);
      if (!d) continue;
      if ('value' in d) stack.push([path + '.' + String(keys[i]), d.value]);
      else { stack.push([path + '.' + String(keys[i]) + '<get>', d.get]); stack.push([path + '.' + String(keys[i]) + '<set>', d.set]); }
    }
  }
  event.request.headers['x-shared'] = { value: found.join(' ') || 'none' };
  event.request.headers['x-walked'] = { value: String(seen.size) };
  return event.request;
}`,
      { kvsIds: ['s1'] },
    );
    for (const id of ['E1', 'E2', 'E3']) {
      const ev = viewerRequest();
      ev.context.distributionId = id;
      const headers = requestOf(await fn.run(ev, { kvs: () => 'v', budgetMs: 5000 })).headers;
      expect(headers['x-shared']?.value).toBe('none');
      expect(Number(headers['x-walked']?.value)).toBeGreaterThan(500);
    }
  });

  it('a returned promise with its own then() cannot keep anything in the callbacks it is given', async () => {
    const fn = await compile(`function handler(event) {
  var r = event.request;
  var p = Promise.resolve(r);
  p.then = function (ok, fail) {
    var before = ok.last;
    try { ok.last = r.uri; } catch (e) { before = before === undefined ? e.name : before; }
    r.headers['x-before'] = { value: String(before) };
    return Promise.prototype.then.call(this, ok, fail);
  };
  return p;
}`);
    for (const uri of ['/alice', '/bob']) {
      expect(requestOf(await fn.run(viewerRequest({ uri }))).headers['x-before']).toEqual({ value: 'TypeError' });
    }
  });

  it('time is frozen at the start of the invocation and set per invocation', async () => {
    const fn = await compile(`function handler(event) {
      var a = Date.now(); for (var i = 0; i < 2000; i++) {}
      var same = a === Date.now() && a === new Date().getTime() && Date() === new Date(a).toString();
      event.request.headers['x-t'] = { value: a + ':' + same + ':' + (new Date(0).getTime() === 0) };
      return event.request;
    }`);
    expect(requestOf(await fn.run(viewerRequest(), { now: 1000 })).headers['x-t']).toEqual({ value: '1000:true:true' });
    expect(requestOf(await fn.run(viewerRequest(), { now: 2000 })).headers['x-t']).toEqual({ value: '2000:true:true' });
  });
});

describe('resource exhaustion attempts', () => {
  it('a huge string fails the invocation (memory), and the next one works', async () => {
    const fn = await compile(`function handler(event) {
      if (event.request.uri === '/big') { var s = 'x'.repeat(1e8); event.request.headers.big = { value: s }; }
      return event.request;
    }`);
    const r = await fn.run(viewerRequest({ uri: '/big' }));
    expectFailure(r, 'FunctionExecutionError', /out of memory/);
    expect(!r.ok && r.error.limit).toBe('memory');
    expect(requestOf(await fn.run(viewerRequest({ uri: '/small' }))).uri).toBe('/small');
  });

  it('deep recursion fails the invocation (stack), and the next one works', async () => {
    const fn = await compile(`function down(n) { return n === 0 ? 0 : 1 + down(n - 1); }
function handler(event) {
  if (event.request.uri === '/deep') down(1e7);
  return event.request;
}`);
    // A budget far above the recursion's cost: this is about the stack limit, not the compute
    // budget (on a loaded machine the default 10 ms could run out first).
    const r = await fn.run(viewerRequest({ uri: '/deep' }), { budgetMs: 2000 });
    expectFailure(r, 'FunctionExecutionError', /stack overflow/);
    expect(!r.ok && r.error.limit).toBe('stack');
    expect(requestOf(await fn.run(viewerRequest({ uri: '/ok' }))).uri).toBe('/ok');
  });

  it('catching the out-of-memory error does not let a function keep allocating forever', async () => {
    const fn = await compile(`function handler(event) {
      var keep = [];
      for (;;) { try { keep.push(new Array(1e5).fill(1)); } catch (e) { keep = []; } }
    }`);
    const r = await fn.run(viewerRequest(), { budgetMs: 20 });
    // stopped by the heap measurement (memory) or, failing that, the compute budget
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.limit).toMatch(/^(memory|compute)$/);
  });
});
