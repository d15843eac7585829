/**
 * Built-in modules: crypto (hash/HMAC), querystring, buffer/Buffer, cloudfront (KeyValueStore,
 * origin helpers, edgeLocation), compared with Node's implementations where CloudFront says they
 * "behave exactly as their Node.js counterparts".
 */
import { createHash, createHmac } from 'node:crypto';
import { parse as qsParse, stringify as qsStringify } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import { compile, expectFailure, expectOk, requestOf, responseOf, viewerRequest, viewerResponse } from './__tests__/helpers.js';
import type { RunOptions } from './types.js';

/** Runs `expr` inside a 2.0 (or 1.0) handler and returns its JSON-serialised value. */
async function evaluate(expr: string, opts: { runtime?: 'cloudfront-js-1.0' | 'cloudfront-js-2.0'; preamble?: string; kvsIds?: string[]; run?: RunOptions } = {}): Promise<unknown> {
  const fn = await compile(
    `${opts.preamble ?? ''}
async function handler(event) {
  return { statusCode: 200, body: JSON.stringify({ v: await (async function () { return ${expr}; })() }) };
}`,
    { runtime: opts.runtime ?? 'cloudfront-js-2.0', ...(opts.kvsIds ? { kvsIds: opts.kvsIds } : {}) },
  );
  const body = responseOf(await fn.run(viewerRequest(), opts.run)).body as string;
  return (JSON.parse(body) as { v: unknown }).v;
}

describe('crypto', () => {
  it('createHash and createHmac match node:crypto for md5, sha1, sha256 in hex, base64 and base64url', async () => {
    for (const alg of ['md5', 'sha1', 'sha256']) {
      for (const enc of ['hex', 'base64', 'base64url'] as const) {
        const data = 'päyload/with-ünïcode?x=1';
        expect(await evaluate(`require('crypto').createHash('${alg}').update('${data}').digest('${enc}')`)).toBe(createHash(alg).update(data).digest(enc));
        expect(await evaluate(`require('crypto').createHmac('${alg}', 'k€y').update('a').update('${data}').digest('${enc}')`)).toBe(createHmac(alg, 'k€y').update('a').update(data).digest(enc));
      }
    }
  });

  it('digest() without an encoding returns a Buffer in 2.0 and a byte string in 1.0', async () => {
    const expected = createHash('sha256').update('x').digest();
    expect(await evaluate(`(function () { var d = require('crypto').createHash('sha256').update('x').digest(); return [Buffer.isBuffer(d), d.toString('hex')]; })()`)).toEqual([
      true,
      expected.toString('hex'),
    ]);
    expect(
      await evaluate(`(function () { var d = require('crypto').createHash('sha256').update('x').digest(); return [typeof d, d.length, d.charCodeAt(0)]; })()`, { runtime: 'cloudfront-js-1.0' }),
    ).toEqual(['string', 32, expected[0]]);
  });

  it('takes Buffers and typed arrays as data and keys; refuses unknown algorithms and a second digest', async () => {
    const key = Buffer.from([1, 2, 3, 250]);
    expect(await evaluate(`require('crypto').createHmac('sha256', Buffer.from([1, 2, 3, 250])).update(new Uint8Array([104, 105])).digest('hex')`)).toBe(
      createHmac('sha256', key).update('hi').digest('hex'),
    );
    expect(await evaluate(`(function () { try { require('crypto').createHash('sha512'); return 'ok'; } catch (e) { return e.message; } })()`)).toMatch(/not supported/);
    expect(await evaluate(`(function () { var h = require('crypto').createHash('md5'); h.digest('hex'); try { h.digest('hex'); return 'twice'; } catch (e) { return e.message; } })()`)).toMatch(
      /already called/,
    );
  });

  it('import crypto from "crypto" and named imports work in 2.0', async () => {
    expect(
      await evaluate(`crypto.createHash('md5').update('a').digest('hex') + ':' + createHmac('md5', 'k').update('a').digest('hex')`, {
        preamble: `import crypto from 'crypto';\nimport { createHmac } from 'crypto';`,
      }),
    ).toBe(`${createHash('md5').update('a').digest('hex')}:${createHmac('md5', 'k').update('a').digest('hex')}`);
  });
});

describe('querystring', () => {
  const cases = ['name=value&abc=xyz&abc=123', 'a=1&&b=&c', 'a+b=c+d&e=%41%42', 'x=%E2%82%AC&bad=%E2%82', '=v&k='];
  it.each(cases)('parse(%j) matches node:querystring', async (input) => {
    expect(await evaluate(`Object.assign({}, require('querystring').parse(${JSON.stringify(input)}))`)).toEqual({ ...qsParse(input) });
  });

  it('stringify, escape, unescape, separators and maxKeys behave like Node', async () => {
    const obj = { name: 'value', abc: ['xyz', '123'], anotherName: '', n: 5, b: true, o: { x: 1 }, s: 'a b&c€' };
    expect(await evaluate(`require('querystring').stringify(${JSON.stringify(obj)})`)).toBe(qsStringify(obj as unknown as Parameters<typeof qsStringify>[0]));
    expect(await evaluate(`require('querystring').stringify({ name: 'value', abc: ['xyz', '123'], anotherName: '' })`)).toBe('name=value&abc=xyz&abc=123&anotherName=');
    expect(await evaluate(`require('querystring').encode({ a: 1 }, ';', ':')`)).toBe('a:1');
    expect(await evaluate(`Object.assign({}, require('querystring').decode('a:1;b:2', ';', ':'))`)).toEqual({ a: '1', b: '2' });
    expect(await evaluate(`Object.keys(require('querystring').parse('a=1&b=2&c=3', null, null, { maxKeys: 2 })).join()`)).toBe('a,b');
    expect(await evaluate(`require('querystring').escape('a b/ü')`)).toBe('a%20b%2F%C3%BC');
    expect(await evaluate(`require('querystring').unescape('a%20b%2F%C3%BC')`)).toBe('a b/ü');
  });
});

describe('Buffer (2.0)', () => {
  it('encodes and decodes like Node', async () => {
    const s = 'héllo wörld ✓';
    for (const enc of ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le']) {
      expect(await evaluate(`Buffer.from(${JSON.stringify(s)}).toString('${enc}')`)).toBe(Buffer.from(s).toString(enc as BufferEncoding));
    }
    expect(await evaluate(`Buffer.from('aGVsbG8', 'base64url').toString()`)).toBe('hello');
    expect(await evaluate(`Buffer.from('68656c6c6f', 'hex').toString('utf8', 1, 3)`)).toBe('el');
    expect(await evaluate(`Buffer.byteLength('€uro')`)).toBe(6);
    expect(await evaluate(`Buffer.concat([Buffer.from('ab'), Buffer.from('cd')]).toString()`)).toBe('abcd');
    expect(await evaluate(`Buffer.alloc(4, 'ab').toString()`)).toBe('abab');
    expect(
      await evaluate(`[Buffer.from('a').equals(Buffer.from('a')), Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.isBuffer(new Uint8Array(1)), Buffer.from([1, 2]) instanceof Uint8Array]`),
    ).toEqual([true, -1, false, true]);
    expect(
      await evaluate(
        `(function () { var b = Buffer.alloc(6); b.writeUInt16BE(0x1234, 0); b.writeUInt32LE(0xdeadbeef, 2); return [b.readUInt16BE(0), b.readUInt32LE(2), b.toString('hex'), b.slice(2, 4).toString('hex')]; })()`,
      ),
    ).toEqual([0x1234, 0xdeadbeef, '1234efbeadde', 'efbe']);
    expect(await evaluate(`[Buffer.from('hello world').indexOf('world'), Buffer.from('abc').includes('bc'), Buffer.from('x').toJSON()]`)).toEqual([6, true, { type: 'Buffer', data: [120] }]);
    expect(await evaluate(`require('buffer').Buffer === Buffer`)).toBe(true);
  });

  it('is not available in 1.0', async () => {
    expect(await evaluate(`typeof Buffer`, { runtime: 'cloudfront-js-1.0' })).toBe('undefined');
    expect(await evaluate(`(function () { try { require('buffer'); return 'loaded'; } catch (e) { return e.message; } })()`, { runtime: 'cloudfront-js-1.0' })).toBe("Cannot find module 'buffer'");
  });
});

describe('cloudfront: KeyValueStore', () => {
  const store = new Map([
    ['greeting', 'héllo'],
    ['config', '{"a":[1,2],"b":"x"}'],
    ['bad-json', '{nope'],
  ]);
  const kvs = (id: string, key: string) => (id === 'kvs-1' ? store.get(key) : undefined);
  const opts = { kvsIds: ['arn:aws:cloudfront::123456789012:key-value-store/kvs-1'], preamble: "import cf from 'cloudfront';" };

  it('get returns strings, parsed JSON or bytes; exists says whether a key is there', async () => {
    for (const lookup of [kvs, async (id: string, key: string) => kvs(id, key)]) {
      const run = { kvs: lookup };
      expect(await evaluate(`cf.kvs().get('greeting')`, { ...opts, run })).toBe('héllo');
      expect(await evaluate(`cf.kvs().get('greeting', { format: 'string' })`, { ...opts, run })).toBe('héllo');
      expect(await evaluate(`cf.kvs().get('config', { format: 'json' })`, { ...opts, run })).toEqual({ a: [1, 2], b: 'x' });
      expect(await evaluate(`(async function () { var b = await cf.kvs().get('greeting', { format: 'bytes' }); return [Buffer.isBuffer(b), b.length]; })()`, { ...opts, run })).toEqual([true, 6]);
      expect(await evaluate(`Promise.all([cf.kvs().exists('greeting'), cf.kvs().exists('nope')])`, { ...opts, run })).toEqual([true, false]);
      expect(await evaluate(`cf.kvs('kvs-1').get('greeting')`, { ...opts, run })).toBe('héllo');
    }
  });

  it('get of a missing key rejects (catchable); a bad JSON value rejects with SyntaxError', async () => {
    expect(await evaluate(`cf.kvs().get('missing').then(function () { return 'found'; }, function (e) { return e.name + ': ' + e.message; })`, { ...opts, run: { kvs } })).toBe(
      'Error: Key "missing" was not found in the KeyValueStore',
    );
    expect(await evaluate(`cf.kvs().get('bad-json', { format: 'json' }).catch(function (e) { return e.name; })`, { ...opts, run: { kvs } })).toBe('SyntaxError');
    const fn = await compile(`import cf from 'cloudfront';\nasync function handler(event) { await cf.kvs().get('missing'); return event.request; }`, { kvsIds: ['kvs-1'] });
    expectFailure(await fn.run(viewerRequest(), { kvs }), 'FunctionExecutionError', /not found/);
  });

  it('a failing lookup rejects with its message; no association or a foreign id throws', async () => {
    expect(
      await evaluate(`cf.kvs().get('greeting').catch(function (e) { return e.message; })`, {
        ...opts,
        run: {
          kvs: () => {
            throw new Error('store offline');
          },
        },
      }),
    ).toBe('store offline');
    expect(await evaluate(`cf.kvs().get('greeting').catch(function (e) { return e.message; })`, { ...opts, run: { kvs: () => Promise.reject(new Error('slow store')) } })).toBe('slow store');
    expect(await evaluate(`(function () { try { cf.kvs(); return 'ok'; } catch (e) { return e.message; } })()`, { preamble: opts.preamble })).toMatch(/no KeyValueStore associated/);
    expect(await evaluate(`(function () { try { cf.kvs('other'); return 'ok'; } catch (e) { return e.message; } })()`, opts)).toMatch(/not associated/);
  });

  it('meta() returns what the host reports', async () => {
    const meta = { creationDateTime: '2024-01-01T00:00:00Z', lastUpdatedDateTime: '2024-02-01T00:00:00Z', keyCount: 3 };
    expect(await evaluate(`cf.kvs().meta()`, { ...opts, run: { kvs, kvsMeta: () => meta } })).toEqual(meta);
  });

  it('a lookup that never completes fails the invocation after lookupTimeoutMs, and the function still works', async () => {
    const fn = await compile(`import cf from 'cloudfront';\nasync function handler(event) { event.request.headers['x-v'] = { value: await cf.kvs().get('greeting') }; return event.request; }`, {
      kvsIds: ['kvs-1'],
      limits: { lookupTimeoutMs: 50 },
    });
    expectFailure(await fn.run(viewerRequest(), { kvs: () => new Promise<string>(() => {}) }), 'FunctionExecutionError', /did not complete within 50 ms/);
    expect(requestOf(await fn.run(viewerRequest(), { kvs })).headers['x-v']).toEqual({ value: 'héllo' });
  });

  it('runSync refuses to wait for an asynchronous lookup', async () => {
    const fn = await compile(`import cf from 'cloudfront';\nasync function handler(event) { try { await cf.kvs().get('greeting'); } catch (e) {} return event.request; }`, { kvsIds: ['kvs-1'] });
    expectFailure(fn.runSync(viewerRequest(), { kvs: async (id, key) => kvs(id, key) }), 'FunctionExecutionError', /runSync/);
    expect(requestOf(fn.runSync(viewerRequest(), { kvs })).uri).toBe('/index.html');
  });
});

describe('cloudfront: origin helpers and edgeLocation', () => {
  it('records selectRequestOriginById and createRequestOriginGroup; refuses them in viewer-response', async () => {
    const fn = await compile(`import cf from 'cloudfront';
function handler(event) {
  if (event.context.eventType === 'viewer-response') { try { cf.selectRequestOriginById('o'); } catch (e) { event.response.headers['x-e'] = { value: e.message }; } return event.response; }
  cf.selectRequestOriginById('origin-2');
  cf.createRequestOriginGroup({ originIds: ['a', 'b'], failoverCriteria: { statusCodes: [500] } });
  return event.request;
}`);
    const r = expectOk(await fn.run(viewerRequest()));
    expect(r.originModifications).toEqual([
      { method: 'selectRequestOriginById', args: ['origin-2'] },
      { method: 'createRequestOriginGroup', args: [{ originIds: ['a', 'b'], failoverCriteria: { statusCodes: [500] } }] },
    ]);
    expect(responseOf(await fn.run(viewerResponse())).headers['x-e']!.value).toMatch(/only be used in viewer-request/);
  });

  it('cf.edgeLocation comes from the run options in viewer-request and is empty in viewer-response', async () => {
    const fn = await compile(`import cf from 'cloudfront';
function handler(event) {
  var where = JSON.stringify(cf.edgeLocation);
  if (event.response) { event.response.headers['x-edge'] = { value: where }; return event.response; }
  event.request.headers['x-edge'] = { value: where };
  return event.request;
}`);
    const edgeLocation = { name: 'SEA', serverIp: '192.0.2.10', region: 'us-west-2' };
    expect(requestOf(await fn.run(viewerRequest(), { edgeLocation })).headers['x-edge']).toEqual({ value: JSON.stringify(edgeLocation) });
    expect(responseOf(await fn.run(viewerResponse(), { edgeLocation })).headers['x-edge']).toEqual({ value: '{}' });
  });
});
