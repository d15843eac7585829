/**
 * Per-invocation cost of the CloudFront Functions runtime.
 *
 *   npx tsx packages/cf-functions/bench/invoke.ts [iterations per round, default 10000]
 *
 * Measures (single thread, after warm-up): a trivial viewer-request function (event in, request
 * out), add-index-html (url-rewrite-single-page-apps), a header-adding viewer-response function,
 * an async KeyValueStore lookup (sync and async host lookup), crypto HMAC, and a compute-limit hit
 * (`while (true) {}`), plus sandbox setup cost. Not a test: numbers depend on the machine.
 */
import { compileFunction, type CloudFrontFunction, type CloudFrontFunctionEvent, type RunOptions } from '../src/index.js';

const iterations = Number(process.argv[2] ?? 10000);

const request: CloudFrontFunctionEvent = {
  version: '1.0',
  context: {
    distributionDomainName: 'd111111abcdef8.cloudfront.net',
    distributionId: 'EDFDVBD6EXAMPLE',
    eventType: 'viewer-request',
    requestId: 'EXAMPLEntjQpEXAMPLE_SG5Z-EXAMPLEPmPfEXAMPLEu3EqEXAMPLE==',
  },
  viewer: { ip: '198.51.100.11' },
  request: {
    method: 'GET',
    uri: '/blog/post',
    querystring: { ref: { value: 'home' } },
    headers: {
      host: { value: 'www.example.com' },
      'user-agent': { value: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
      accept: { value: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      'accept-encoding': { value: 'gzip, deflate, br' },
      'accept-language': { value: 'en-US,en;q=0.5' },
    },
    cookies: { session: { value: 'abc123' } },
  },
};
const response: CloudFrontFunctionEvent = {
  ...request,
  context: { ...request.context, eventType: 'viewer-response' },
  response: { statusCode: 200, statusDescription: 'OK', headers: { 'content-type': { value: 'text/html' }, 'content-length': { value: '1234' } }, cookies: {} },
};

async function compile(name: string, code: string, extra: { kvsIds?: string[] } = {}): Promise<CloudFrontFunction> {
  const r = await compileFunction({ name, code, runtime: 'cloudfront-js-2.0', ...extra });
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return r.fn;
}

function report(name: string, perOpUs: number, cpuUs?: number): void {
  const cpu = cpuUs === undefined ? '' : `  (CPU ${cpuUs.toFixed(2).padStart(8)} µs)`;
  console.log(`${name.padEnd(58)} ${perOpUs.toFixed(2).padStart(9)} µs${cpu}`);
}

/** Wall and process CPU time per operation; CPU time is what counts on a machine shared with other load. */
function measure(n: number, op: () => void): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) op();
  const wall = ((performance.now() - t0) * 1000) / n;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / n];
}

/** Best of three rounds (the least disturbed one: this machine is shared with other load). */
const ROUNDS = 3;

function benchSync(name: string, fn: CloudFrontFunction, event: CloudFrontFunctionEvent, opts: RunOptions = {}, n = iterations): void {
  for (let i = 0; i < Math.min(5000, n); i++) fn.runSync(event, opts);
  let best: [number, number] = [Infinity, Infinity];
  for (let round = 0; round < ROUNDS; round++) {
    const m = measure(n, () => {
      const r = fn.runSync(event, opts);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    });
    if (m[1] < best[1]) best = m;
  }
  report(name, best[0], best[1]);
}

async function benchAsync(name: string, fn: CloudFrontFunction, event: CloudFrontFunctionEvent, opts: RunOptions = {}, n = iterations): Promise<void> {
  for (let i = 0; i < Math.min(5000, n); i++) await fn.run(event, opts);
  let best: [number, number] = [Infinity, Infinity];
  for (let round = 0; round < ROUNDS; round++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = await fn.run(event, opts);
      if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    }
    const c = process.cpuUsage(c0);
    const m: [number, number] = [((performance.now() - t0) * 1000) / n, (c.user + c.system) / n];
    if (m[1] < best[1]) best = m;
  }
  report(name, best[0], best[1]);
}

const t0 = performance.now();
const trivial = await compile('trivial', 'function handler(event) { return event.request; }');
report('compile (first: loads the WebAssembly module)', (performance.now() - t0) * 1000);
const t1 = performance.now();
const indexHtml = await compile(
  'add_index_html',
  `function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri.endsWith('/')) { request.uri += 'index.html'; }
    else if (!uri.includes('.')) { request.uri += '/index.html'; }
    return request;
  }`,
);
report('compile (next: one sandbox instance)', (performance.now() - t1) * 1000);
const asyncTrivial = await compile('async_trivial', 'async function handler(event) { return event.request; }');
const headers = await compile(
  'security_headers',
  `async function handler(event) {
    var response = event.response;
    var headers = response.headers;
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubdomains; preload' };
    headers['x-content-type-options'] = { value: 'nosniff' };
    headers['x-frame-options'] = { value: 'DENY' };
    return response;
  }`,
);
const kvs = await compile(
  'kvs_rewrite',
  `import cf from 'cloudfront';
  const kvsHandle = cf.kvs();
  async function handler(event) {
    const request = event.request;
    const segments = request.uri.split('/');
    try { segments[1] = await kvsHandle.get(segments[1]); request.uri = segments.join('/'); } catch (e) {}
    return request;
  }`,
  { kvsIds: ['kvs-bench'] },
);
const hmac = await compile(
  'hmac',
  `import crypto from 'crypto';
  function handler(event) {
    var sig = crypto.createHmac('sha256', 'secret').update(event.request.uri).digest('base64url');
    event.request.headers['x-sig'] = { value: sig };
    return event.request;
  }`,
);
const spin = await compile('spin', 'function handler(event) { while (true) {} }');

console.log(`\nbest of ${ROUNDS} rounds of ${iterations} invocations each\n`);
benchSync('trivial (return event.request), runSync', trivial, request);
await benchAsync('trivial, run (async API)', trivial, request);
benchSync('async function handler (trivial), runSync', asyncTrivial, request);
benchSync('add-index-html, runSync', indexHtml, request);
benchSync('viewer-response: add 3 security headers, runSync', headers, response);
const store = new Map([['blog', 'v2/blog']]);
benchSync('kvs get + uri rewrite (sync lookup), runSync', kvs, request, { kvs: (_id, key) => store.get(key) });
await benchAsync('kvs get + uri rewrite (async lookup), run', kvs, request, { kvs: async (_id, key) => store.get(key) });
benchSync('crypto HMAC-SHA256 of the uri into a header, runSync', hmac, request);
// the edge's hot path: identical invocations answered from kept results (src/result-cache.ts)
benchSync('trivial, result reused (reuseResults)', trivial, request, { reuseResults: true });
benchSync('viewer-response: add 3 security headers, result reused', headers, response, { reuseResults: true });
benchSync('kvs get + uri rewrite, result reused (the lookup checked again)', kvs, request, { kvs: (_id, key) => store.get(key), reuseResults: true });
{
  const n = 20;
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const r = spin.runSync(request, { budgetMs: 5, ignoreThrottle: true });
    if (r.ok || r.error.kind !== 'FunctionThrottledError') throw new Error('spin was not stopped');
  }
  report('while(true){} stopped at a 5 ms budget', ((performance.now() - t) * 1000) / n);
}
{
  const [wall, cpu] = measure(iterations, () => JSON.parse(JSON.stringify(request)));
  report('(reference) host JSON round trip of the event', wall, cpu);
}
for (const f of [trivial, indexHtml, asyncTrivial, headers, kvs, hmac, spin]) f.dispose();
