/**
 * CloudFront Functions quotas and the sandbox's limits: function size (CreateFunction-time
 * FunctionSizeLimitExceeded), memory, compute budget (with throttling after repeated overruns),
 * log truncation. After every limit the same compiled function keeps working.
 */
import { describe, expect, it } from 'vitest';
import { compileFunction } from './function.js';
import { WASM_MEMORY_MAX_BYTES } from './engine.js';
import { interruptGranularity } from './interrupt.js';
import { DEFAULT_LIMITS, MAX_FUNCTION_SIZE_BYTES } from './limits.js';
import { compile, expectFailure, expectOk, requestOf, viewerRequest } from './__tests__/helpers.js';

const TRIVIAL = 'function handler(event) { return event.request; }';

describe('function size (10 KB)', () => {
  it('accepts exactly 10,240 bytes and rejects one more, counting UTF-8 bytes', async () => {
    const pad = (n: number) => `${TRIVIAL}\n//${'x'.repeat(n - TRIVIAL.length - 3)}`;
    expect(Buffer.byteLength(pad(MAX_FUNCTION_SIZE_BYTES))).toBe(10240);
    const fits = await compileFunction({ name: 'fits', code: pad(MAX_FUNCTION_SIZE_BYTES) });
    expect(fits.ok).toBe(true);
    if (fits.ok) fits.fn.dispose();
    const over = await compileFunction({ name: 'over', code: pad(MAX_FUNCTION_SIZE_BYTES + 1) });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.error.code).toBe('FunctionSizeLimitExceeded');
    // 3,414 three-byte characters are 10,242 bytes though only 3,4xx characters
    const multibyte = await compileFunction({ name: 'utf8', code: `${TRIVIAL}\n//${'€'.repeat(3414)}` });
    expect(multibyte.ok).toBe(false);
    if (!multibyte.ok) expect(multibyte.error.code).toBe('FunctionSizeLimitExceeded');
  });
});

describe('CreateFunction validation', () => {
  it('reports syntax errors, bad names, runtimes and KeyValueStore associations as InvalidArgument', async () => {
    const cases: [Parameters<typeof compileFunction>[0], RegExp][] = [
      [{ name: 'syntax', code: 'function handler(event) { return event.request; ' }, /SyntaxError/],
      [{ name: 'bad name!', code: TRIVIAL }, /name/],
      [{ name: 'rt', code: TRIVIAL, runtime: 'cloudfront-js-3.0' as never }, /runtime/],
      [{ name: 'kvs1', code: TRIVIAL, runtime: 'cloudfront-js-1.0', kvsIds: ['a'] }, /2\.0/],
      [{ name: 'kvs2', code: TRIVIAL, kvsIds: ['a', 'b'] }, /at most one/],
      [{ name: 'imp1', code: `import cf from 'cloudfront';\n${TRIVIAL}`, runtime: 'cloudfront-js-1.0' }, /cloudfront-js-2\.0/],
    ];
    for (const [opts, message] of cases) {
      const r = await compileFunction(opts);
      expect(r.ok, opts.name).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('InvalidArgument');
        expect(r.error.message).toMatch(message);
      }
    }
  });

  it('code cannot close the wrapper it is compiled in and run outside it (it must parse on its own)', async () => {
    const t0 = performance.now();
    for (const code of [
      '}}; while (true) {} ; (function () { return function () {',
      'function handler(e) { return e.request; } }; var state = 0; return function () { state++; (function () {',
      'return; function handler(e) { return e.request; }',
      'export function handler(e) { return e.request; }',
    ]) {
      const r = await compileFunction({ name: 'inject', code });
      expect(r.ok, code).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('InvalidArgument');
    }
    expect(performance.now() - t0).toBeLessThan(5000); // nothing ran (the first would never end)
  });

  it('a function without a handler compiles but fails when run (FunctionExecutionError)', async () => {
    const fn = await compile('function notTheHandler(event) { return event.request; }');
    expectFailure(await fn.run(viewerRequest()), 'FunctionExecutionError', /handler is not defined/);
  });
});

describe('compute budget', () => {
  it('finds the QuickJS interrupt counter, so checks are not 10,000 builtin calls apart', () => {
    expect(interruptGranularity()).toBe('fine');
  });

  it('stops while(true){} with FunctionThrottledError at 100% utilisation; the next invocation works', async () => {
    const fn = await compile(`function handler(event) { if (event.request.uri === '/spin') { while (true) {} } return event.request; }`);
    const r = await fn.run(viewerRequest({ uri: '/spin' }), { budgetMs: 5 });
    expectFailure(r, 'FunctionThrottledError', /compute budget of 5 ms/);
    expect(r.computeUtilization).toBe(100);
    expect(!r.ok && r.error.limit).toBe('compute');
    const next = await fn.run(viewerRequest({ uri: '/ok' }));
    expect(requestOf(next).uri).toBe('/ok');
    expect(next.computeUtilization).toBeLessThan(100);
    expect(fn.instanceCount).toBe(1); // the interrupted instance was kept, not rebuilt
  });

  it('cannot be caught: try/catch/finally around an endless loop does not help', async () => {
    const fn = await compile(`function handler(event) {
      try { for (;;) {} } catch (e) { event.request.uri = '/caught'; } finally { event.request.uri = '/finally'; }
      return event.request;
    }`);
    expectFailure(await fn.run(viewerRequest(), { budgetMs: 5 }), 'FunctionThrottledError');
  });

  it('stops loops of expensive builtin calls too', async () => {
    // `new Array(1e5)` reserves no elements in QuickJS, so this one is stopped by the budget (or
    // by the heap measurement, whichever comes first)
    const grow = await compile(`function handler(event) { let a = []; for (;;) a.push(new Array(1e5)); }`);
    const r = await grow.run(viewerRequest(), { budgetMs: 5 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.limit).toMatch(/^(memory|compute)$/);
    const filled = await compile(`function handler(event) { let a = []; for (;;) a.push(new Array(1e5).fill(0)); }`);
    const f = await filled.run(viewerRequest(), { budgetMs: 50 });
    expectFailure(f, 'FunctionExecutionError', /memory limit/);
    expect(!f.ok && f.error.limit).toBe('memory');
    const repeat = await compile(`function handler(event) { for (;;) 'x'.repeat(1e6).length; }`);
    const t0 = performance.now();
    expectFailure(await repeat.run(viewerRequest(), { budgetMs: 5 }), 'FunctionThrottledError');
    // generous: without the fine-grained counter this loop runs ~2 s; with it, tens of ms
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('stops an endless loop that runs after an await (inside a promise job), and the next invocation works', async () => {
    const fn = await compile(`async function handler(event) { await null; if (event.request.uri === '/spin') for (;;) {} return event.request; }`);
    expectFailure(await fn.run(viewerRequest({ uri: '/spin' }), { budgetMs: 5 }), 'FunctionThrottledError');
    expect(requestOf(fn.runSync(viewerRequest({ uri: '/ok' }))).uri).toBe('/ok');
  });

  it('an async handler that awaits forever on its own promise fails instead of hanging', async () => {
    const fn = await compile(`async function handler(event) { await new Promise(function () {}); return event.request; }`);
    expectFailure(await fn.run(viewerRequest()), 'FunctionExecutionError', /never settled/);
  });

  it('a function that keeps overrunning is throttled without running, then tried again', async () => {
    const fn = await compile(`function handler(event) { if (event.request.uri === '/spin') { while (true) {} } return event.request; }`, {
      limits: { throttleAfter: 2, throttleMs: 200 },
    });
    expectFailure(await fn.run(viewerRequest({ uri: '/spin' }), { budgetMs: 2 }), 'FunctionThrottledError', /compute budget/);
    expect(fn.isThrottled).toBe(false);
    expectFailure(await fn.run(viewerRequest({ uri: '/spin' }), { budgetMs: 2 }), 'FunctionThrottledError', /compute budget/);
    expect(fn.isThrottled).toBe(true);
    const fast = await fn.run(viewerRequest({ uri: '/ok' }));
    expectFailure(fast, 'FunctionThrottledError', /throttled/);
    expect(fast.elapsedMs).toBe(0);
    // TestFunction-style runs are not throttled
    expect(requestOf(await fn.run(viewerRequest({ uri: '/ok' }), { ignoreThrottle: true })).uri).toBe('/ok');
    await new Promise((r) => setTimeout(r, 250));
    expect(requestOf(await fn.run(viewerRequest({ uri: '/ok' }))).uri).toBe('/ok');
  });

  it('reports utilisation as sandbox time over the budget', async () => {
    const fn = await compile(`function handler(event) { var x = 0; for (var i = 0; i < 2e5; i++) x += i; event.request.headers['x'] = { value: String(x) }; return event.request; }`);
    const r = expectOk(await fn.run(viewerRequest(), { budgetMs: 1000 }));
    expect(r.computeUtilization).toBeGreaterThanOrEqual(0);
    expect(r.computeUtilization).toBeLessThan(100);
    expect(r.elapsedMs).toBeGreaterThan(0);
    const tight = await fn.run(viewerRequest(), { budgetMs: 0.05 });
    expectFailure(tight, 'FunctionThrottledError');
  });
});

describe('memory', () => {
  it('the sandbox itself stays well under the cap, leaving CloudFront’s 2 MB to the function', async () => {
    const fn = await compile(TRIVIAL);
    const base = fn.baselineMemoryBytes();
    expect(base).toBeGreaterThan(50_000);
    expect(DEFAULT_LIMITS.memoryBytes - base).toBeGreaterThanOrEqual(2 * 1024 * 1024);
  });

  it('a function may use about 2 MB; much more fails with a memory error', async () => {
    // The heap is measured during execution (at most every millisecond): a burst shorter than
    // that can exceed the cap unnoticed (README "Limits"). This one allocates, then works on the
    // data for some milliseconds (500 rounds of reads; 20 rounds took under a millisecond, and on
    // a busy machine no measurement fell after the allocation). The sandbox's clock does not move
    // while it runs, so the work is counted, not timed.
    const fn = await compile(
      `function handler(event) {
      var n = Number(event.request.querystring.mb.value);
      var chunks = [];
      for (var i = 0; i < n * 8; i++) chunks.push(new Uint8Array(128 * 1024).fill(i));
      var sum = 0;
      for (var round = 0; round < 500; round++) for (var j = 0; j < chunks.length; j++) sum += chunks[j][round * 97 % 131072];
      event.request.headers['x-chunks'] = { value: String(chunks.length) };
      return event.request;
    }`,
      { limits: { budgetMs: 1000 } },
    );
    expect(requestOf(await fn.run(viewerRequest({ querystring: { mb: { value: '2' } } }))).headers['x-chunks']).toEqual({ value: '16' });
    const big = await fn.run(viewerRequest({ querystring: { mb: { value: '4' } } }));
    expectFailure(big, 'FunctionExecutionError', /out of memory/);
    expect(requestOf(await fn.run(viewerRequest({ querystring: { mb: { value: '1' } } }))).headers['x-chunks']).toEqual({ value: '8' });
  });
});

describe('process memory ceiling', () => {
  it('no function can grow the shared WebAssembly memory past its maximum', async () => {
    // a per-sandbox cap far above the ceiling, so that the ceiling is what stops it
    const fn = await compile(
      `function handler(event) {
      if (event.request.uri !== '/grow') return event.request;
      var kept = [], n = 0;
      try { for (;;) { kept.push(new Uint8Array(2 * 1024 * 1024)); n++; } } catch (e) { event.request.headers['x-e'] = { value: e.message + ' after ' + n }; }
      return event.request;
    }`,
      { limits: { budgetMs: 60_000, memoryBytes: 4 * WASM_MEMORY_MAX_BYTES } },
    );
    const r = await fn.run(viewerRequest({ uri: '/grow' }));
    const e = requestOf(r).headers['x-e']!.value;
    expect(e).toMatch(/^out of memory after \d+$/);
    expect(Number(/after (\d+)/.exec(e)![1]) * 2 * 1024 * 1024).toBeLessThan(WASM_MEMORY_MAX_BYTES);
    expect(requestOf(await fn.run(viewerRequest({ uri: '/after' }))).uri).toBe('/after');
  });
});

describe('logs', () => {
  it('keeps console.log lines, formats values, and truncates at 10 KB per invocation (line breaks included)', async () => {
    const fn = await compile(`function handler(event) {
      console.log('a', 1, true, null, undefined, { b: [1, 2] }, new Error('e'));
      if (event.request.uri === '/flood') for (var i = 0; i < 100; i++) console.log('x'.repeat(500));
      if (event.request.uri === '/empty') for (var j = 0; j < 12000; j++) console.log();
      return event.request;
    }`);
    const r = await fn.run(viewerRequest());
    expect(r.logs).toEqual(['a 1 true null undefined {"b":[1,2]} Error: e']);
    const flood = await fn.run(viewerRequest({ uri: '/flood' }));
    const bytes = flood.logs.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    expect(bytes).toBe(10 * 1024);
    expect(flood.logs.length).toBeLessThan(30);
    expect(requestOf(flood).uri).toBe('/flood');
    // empty lines count their line break: at most 10 KB of them, not one per loop turn
    const empty = await fn.run(viewerRequest({ uri: '/empty' }), { budgetMs: 2000 });
    expect(empty.logs.length).toBe(10 * 1024 - r.logs[0]!.length);
  });
});

describe('instances', () => {
  it('runs concurrent async invocations on separate instances, up to maxInstances', async () => {
    const fn = await compile(
      `import cf from 'cloudfront';
async function handler(event) {
  event.request.headers['x-v'] = { value: await cf.kvs().get(event.request.uri) };
  return event.request;
}`,
      { kvsIds: ['k'], limits: { maxInstances: 2 } },
    );
    const waits: (() => void)[] = [];
    const kvs = (_id: string, key: string) => new Promise<string>((resolve) => waits.push(() => resolve(`v${key}`)));
    const runs = ['/1', '/2', '/3'].map((uri) => fn.run(viewerRequest({ uri }), { kvs }));
    await new Promise((r) => setTimeout(r, 20));
    expect(waits).toHaveLength(2); // the third waits for an instance
    expect(fn.instanceCount).toBe(2);
    waits.shift()!();
    await new Promise((r) => setTimeout(r, 20));
    expect(waits).toHaveLength(2);
    for (const w of waits.splice(0)) w();
    await new Promise((r) => setTimeout(r, 20));
    for (const w of waits.splice(0)) w();
    const out = await Promise.all(runs);
    expect(out.map((r) => requestOf(r).headers['x-v']!.value)).toEqual(['v/1', 'v/2', 'v/3']);
  });
});
