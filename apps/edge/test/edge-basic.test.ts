import { afterEach, describe, expect, it } from 'vitest';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { TEST_EDGE_WORKERS, edgeFor, fixed, get, oneDistribution, startTinyOrigin, testClock, type Route, type TinyOrigin } from './helpers.js';
import type { RunningEdge } from '../src/index.js';

let origin: TinyOrigin;
let edge: RunningEdge;
afterEach(async () => {
  await edge?.close();
  await origin?.close();
});

/**
 * A route answering `body` (200, with ETag `etag`, `cacheControl` and `headers`), and 304 with the
 * same ETag and Cache-Control to a request whose If-None-Match is that ETag.
 */
function revalidatedWith304(etag: string, cacheControl: string, body: string, headers: Record<string, string> = {}): Route {
  return (req, res) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': cacheControl });
      res.end();
      return;
    }
    res.writeHead(200, { etag, ...headers, 'cache-control': cacheControl, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
}

describe('miss → hit', () => {
  it('first request is a Miss, the next a Hit with Age; one origin request', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({ '/a.txt': fixed('hello', { 'cache-control': 'max-age=60', etag: '"v1"' }) });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    const r1 = await get(`${edge.url}/a.txt`);
    expect(r1.status).toBe(200);
    expect(r1.body.toString()).toBe('hello');
    expect(r1.headers['x-cache']).toBe('Miss from cloudfront');
    expect(r1.headers['age']).toBeUndefined();
    clock.advance(3_000);
    const r2 = await get(`${edge.url}/a.txt`);
    expect(r2.headers['x-cache']).toBe('Hit from cloudfront');
    expect(r2.headers['age']).toBe('3');
    expect(r2.body.toString()).toBe('hello');
    expect(origin.count('/a.txt')).toBe(1);
    // CloudFront headers
    expect(r2.headers['via']).toMatch(/^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/);
    expect(r2.headers['x-amz-cf-pop']).toBe('TST1-C1');
    expect(r1.headers['x-amz-cf-id']).toBeTruthy();
    expect(r2.headers['x-amz-cf-id']).not.toBe(r1.headers['x-amz-cf-id']);
    expect(r2.headers['date']).toBeTruthy();
    expect(r2.headers['cache-control']).toBe('max-age=60'); // viewer-facing headers untouched
  });

  it('origin request carries CloudFront headers; Host is the configured hostHeader', async () => {
    origin = await startTinyOrigin({ '/h': fixed('x') });
    const cfg = oneDistribution(origin.url);
    ((cfg['distributions'] as Array<Record<string, unknown>>)[0]!['origins'] as Array<Record<string, unknown>>)[0]!['hostHeader'] = 'site.s3-website-us-east-1.localhost';
    edge = await edgeFor(cfg);
    await get(`${edge.url}/h?x=1`, { 'x-forwarded-for': '10.0.0.1', 'accept-encoding': 'gzip, deflate, br', cookie: 'a=1' });
    const req = origin.requests[0]!;
    expect(req.url).toBe('/h'); // query strings not keyed → not forwarded
    expect(req.headers['host']).toBe('site.s3-website-us-east-1.localhost');
    expect(req.headers['user-agent']).toBe('Amazon CloudFront');
    expect(req.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(req.headers['x-amz-cf-id']).toBeTruthy();
    expect(req.headers['accept-encoding']).toBe('br,gzip');
    expect(req.headers['cookie']).toBeUndefined();
    expect(req.headers['range']).toBeUndefined();
  });
});

describe('TTL', () => {
  it('max-age below MinTTL is clamped up; above MaxTTL clamped down', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({
      '/short': fixed('s', { 'cache-control': 'max-age=5' }),
      '/long': fixed('l', { 'cache-control': 'max-age=900000000' }),
    });
    edge = await edgeFor(oneDistribution(origin.url, {}, { minTTL: 60, defaultTTL: 60, maxTTL: 100 }), { clock: clock.now });
    await get(`${edge.url}/short`);
    await get(`${edge.url}/long`);
    clock.advance(59_000); // past max-age=5, within MinTTL 60
    expect((await get(`${edge.url}/short`)).headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.count('/short')).toBe(1);
    clock.advance(2_000); // 61 s: MinTTL elapsed
    expect((await get(`${edge.url}/short`)).headers['x-cache']).toMatch(/^(Miss|RefreshHit) from cloudfront$/);
    expect(origin.count('/short')).toBe(2);
    clock.advance(40_000); // 101 s after /long's fetch: MaxTTL 100 elapsed
    expect((await get(`${edge.url}/long`)).headers['x-cache']).toBe('Miss from cloudfront');
    expect(origin.count('/long')).toBe(2);
  });

  it('no-store is not stored (MinTTL 0); every request reaches the origin', async () => {
    origin = await startTinyOrigin({ '/ns': fixed('n', { 'cache-control': 'no-store' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    for (let i = 0; i < 3; i++) expect((await get(`${edge.url}/ns`)).headers['x-cache']).toBe('Miss from cloudfront');
    expect(origin.count('/ns')).toBe(3);
  });

  it('no-store with MinTTL 5 is stored for 5 s', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({ '/ns': fixed('n', { 'cache-control': 'no-store' }) });
    edge = await edgeFor(oneDistribution(origin.url, {}, { minTTL: 5 }), { clock: clock.now });
    await get(`${edge.url}/ns`);
    clock.advance(4_000);
    expect((await get(`${edge.url}/ns`)).headers['x-cache']).toBe('Hit from cloudfront');
    clock.advance(2_000);
    await get(`${edge.url}/ns`);
    expect(origin.count('/ns')).toBe(2);
  });

  it('expired entries are revalidated with If-None-Match: 304 → RefreshHit, TTL recomputed', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({
      '/v': revalidatedWith304('"e1"', 'max-age=10', 'abc'),
    });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    await get(`${edge.url}/v`);
    clock.advance(11_000);
    const r = await get(`${edge.url}/v`);
    expect(r.headers['x-cache']).toBe('RefreshHit from cloudfront');
    expect(r.body.toString()).toBe('abc');
    expect(origin.requests[1]!.headers['if-none-match']).toBe('"e1"');
    clock.advance(5_000);
    expect((await get(`${edge.url}/v`)).headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.count('/v')).toBe(2);
  });
});

describe('no conditional revalidation when cookies are forwarded — docs/cloudfront-caching.md#conditional', () => {
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Cookies.html: "If-Modified-Since
  // and If-None-Match conditional requests are not supported when CloudFront is configured to forward
  // cookies (all or a subset)." The expired entry is fetched in full and replaced.
  const policies: Array<[string, unknown]> = [
    ['a whitelist', ['session']],
    ['all', 'all'],
    ['allExcept', { behavior: 'allExcept', items: ['tracking'] }],
  ];
  for (const [name, cookies] of policies) {
    it(`cookies: ${name} → the refetch carries no If-None-Match / If-Modified-Since; 200 replaces (Miss)`, async () => {
      const clock = testClock();
      let version = 1;
      origin = await startTinyOrigin({
        '/ck': (req, res) => {
          if (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) {
            res.writeHead(304, { etag: '"c1"', 'cache-control': 'max-age=10' });
            res.end();
            return;
          }
          const b = `ck${version}`;
          res.writeHead(200, { etag: '"c1"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT', 'cache-control': 'max-age=10', 'content-length': String(b.length) });
          res.end(b);
        },
      });
      edge = await edgeFor(oneDistribution(origin.url, {}, { cacheKey: { cookies } }), { clock: clock.now });
      await get(`${edge.url}/ck`, { cookie: 'session=a' });
      version = 2;
      clock.advance(11_000);
      const r = await get(`${edge.url}/ck`, { cookie: 'session=a' });
      expect(r.headers['x-cache']).toBe('Miss from cloudfront');
      expect(r.body.toString()).toBe('ck2');
      expect(origin.requests).toHaveLength(2);
      expect(origin.requests[1]!.headers['if-none-match']).toBeUndefined();
      expect(origin.requests[1]!.headers['if-modified-since']).toBeUndefined();
      expect(origin.requests[1]!.headers['cookie']).toBe('session=a');
      // The replacement is cached as usual.
      expect((await get(`${edge.url}/ck`, { cookie: 'session=a' })).headers['x-cache']).toBe('Hit from cloudfront');
    });
  }

  it('cookies: none → the same expired entry is revalidated with both validators (RefreshHit)', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({
      '/ck': revalidatedWith304('"c1"', 'max-age=10', 'ck1', { 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }),
    });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    await get(`${edge.url}/ck`, { cookie: 'session=a' });
    clock.advance(11_000);
    expect((await get(`${edge.url}/ck`, { cookie: 'session=a' })).headers['x-cache']).toBe('RefreshHit from cloudfront');
    expect(origin.requests[1]!.headers['if-none-match']).toBe('"c1"');
    expect(origin.requests[1]!.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(origin.requests[1]!.headers['cookie']).toBeUndefined();
  });
});

describe('viewer request headers — docs/cloudfront-caching.md#cacheable, #compression', () => {
  it('viewer Cache-Control: no-cache, Pragma: no-cache and max-age=0 are ignored on a hit (no forced refresh)', async () => {
    origin = await startTinyOrigin({ '/nc': fixed('cached', { 'cache-control': 'max-age=600' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    expect((await get(`${edge.url}/nc`)).headers['x-cache']).toBe('Miss from cloudfront');
    const requests: Array<Record<string, string>> = [{ 'cache-control': 'no-cache' }, { pragma: 'no-cache' }, { 'cache-control': 'max-age=0' }, { 'cache-control': 'no-store', pragma: 'no-cache' }];
    for (const h of requests) {
      const r = await get(`${edge.url}/nc`, h);
      expect(r.headers['x-cache'], JSON.stringify(h)).toBe('Hit from cloudfront');
      expect(r.body.toString()).toBe('cached');
    }
    expect(origin.count('/nc')).toBe(1);
  });

  it('Accept-Encoding without br/gzip (identity, deflate, none) → the origin gets Accept-Encoding: identity and the viewer an identity body', async () => {
    const css = 'p { margin: 0 }\n'.repeat(200); // compressible: text/css, ≥ 1,000 bytes
    origin = await startTinyOrigin({ '*': fixed(css, { 'content-type': 'text/css' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    const viewers: Array<[string, Record<string, string>]> = [
      ['/id1.css', { 'accept-encoding': 'identity' }],
      ['/id2.css', { 'accept-encoding': 'deflate' }],
      ['/id3.css', {}],
      ['/id4.css', { 'accept-encoding': 'gzip;q=0, br;q=0' }],
    ];
    for (const [path, h] of viewers) {
      const r = await get(`${edge.url}${path}`, h);
      expect(r.headers['content-encoding'], path).toBeUndefined();
      expect(r.body.toString(), path).toBe(css);
    }
    expect(origin.requests.map((q) => q.headers['accept-encoding'])).toEqual(['identity', 'identity', 'identity', 'identity']);
    // Compressed once at fill all the same: a br viewer of the same object is a Hit with br.
    const br = await get(`${edge.url}/id1.css`, { 'accept-encoding': 'br' });
    expect(br.headers['x-cache']).toBe('Hit from cloudfront');
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(css);
    expect(origin.requests).toHaveLength(4);
  });
});

describe('max-age=0 — docs/cloudfront-caching.md#no-cache', () => {
  it('stored, but every request revalidates with the origin (304 → RefreshHit)', async () => {
    origin = await startTinyOrigin({
      '/z': revalidatedWith304('"z1"', 'max-age=0', 'zero'),
    });
    edge = await edgeFor(oneDistribution(origin.url));
    expect((await get(`${edge.url}/z`)).headers['x-cache']).toBe('Miss from cloudfront');
    for (let i = 0; i < 2; i++) {
      const r = await get(`${edge.url}/z`);
      expect(r.headers['x-cache']).toBe('RefreshHit from cloudfront');
      expect(r.body.toString()).toBe('zero');
    }
    expect(origin.count('/z')).toBe(3);
    expect(origin.requests.slice(1).every((r) => r.headers['if-none-match'] === '"z1"')).toBe(true);
  });
});

describe('viewer conditionals and ranges', () => {
  it('304 to viewers on a hit when validators match', async () => {
    origin = await startTinyOrigin({ '/c': fixed('cond', { etag: '"abc"', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    await get(`${edge.url}/c`);
    const r = await get(`${edge.url}/c`, { 'if-none-match': '"abc"' });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
    expect(r.headers['etag']).toBe('"abc"');
    const r2 = await get(`${edge.url}/c`, { 'if-modified-since': 'Wed, 01 Jan 2025 00:00:00 GMT' });
    expect(r2.status).toBe(304);
    const r3 = await get(`${edge.url}/c`, { 'if-none-match': '"zzz"' });
    expect(r3.status).toBe(200);
    expect(origin.count('/c')).toBe(1);
  });

  it('206 from the cached object; the origin never sees a Range', async () => {
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    origin = await startTinyOrigin({ '/bin': fixed(data, { 'content-type': 'application/octet-stream', etag: '"b"' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    const miss = await get(`${edge.url}/bin`, { range: 'bytes=10-19' });
    expect(miss.status).toBe(206);
    expect(miss.headers['content-range']).toBe('bytes 10-19/1000');
    expect(miss.body.equals(data.subarray(10, 20))).toBe(true);
    const hit = await get(`${edge.url}/bin`, { range: 'bytes=-5' });
    expect(hit.status).toBe(206);
    expect(hit.headers['x-cache']).toBe('Hit from cloudfront');
    expect(hit.body.equals(data.subarray(995))).toBe(true);
    const multi = await get(`${edge.url}/bin`, { range: 'bytes=0-1,5-6' });
    expect(multi.status).toBe(206);
    expect(multi.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
    const bad = await get(`${edge.url}/bin`, { range: 'bytes=50-60,0-5' }); // non-ascending → full 200
    expect(bad.status).toBe(200);
    expect(bad.body.length).toBe(1000);
    const past = await get(`${edge.url}/bin`, { range: 'bytes=5000-' });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe('bytes */1000');
    expect(origin.count('/bin')).toBe(1);
    expect(origin.requests.every((r) => r.headers['range'] === undefined)).toBe(true);
  });
});

describe('compression', () => {
  it('gzip and br bodies decompress to the original bytes; weak ETag; Vary: Accept-Encoding', async () => {
    const text = 'body { color: red; }\n'.repeat(200);
    origin = await startTinyOrigin({ '/s.css': fixed(text, { 'content-type': 'text/css', etag: '"css1"' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    const br = await get(`${edge.url}/s.css`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(text);
    expect(br.headers['etag']).toBe('W/"css1"');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    const gz = await get(`${edge.url}/s.css`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(text);
    expect(gz.headers['x-cache']).toBe('Hit from cloudfront');
    const id = await get(`${edge.url}/s.css`);
    expect(id.headers['content-encoding']).toBeUndefined();
    expect(id.body.toString()).toBe(text);
    expect(id.headers['etag']).toBe('"css1"');
    expect(origin.count('/s.css')).toBe(1);
  });

  it('no compression below 1,000 bytes, for images, or when the behavior disables it', async () => {
    origin = await startTinyOrigin({
      '/small.css': fixed('a{}', { 'content-type': 'text/css' }),
      '/img.jpg': fixed(Buffer.alloc(5000, 1), { 'content-type': 'image/jpeg' }),
    });
    edge = await edgeFor(oneDistribution(origin.url));
    expect((await get(`${edge.url}/small.css`, { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
    expect((await get(`${edge.url}/img.jpg`, { 'accept-encoding': 'br' })).headers['content-encoding']).toBeUndefined();
  });
});

describe('headers', () => {
  it('removes hop-by-hop, Trailer, Upgrade and Set-Cookie (cookies not forwarded); filters Vary', async () => {
    origin = await startTinyOrigin({
      '/h': (_req, res) => {
        res.setHeader('set-cookie', 'a=1');
        res.setHeader('vary', 'Origin, User-Agent, Accept-Encoding');
        res.setHeader('x-custom', 'kept');
        res.setHeader('upgrade', 'h2c');
        res.setHeader('content-length', '2');
        res.end('ok');
      },
    });
    edge = await edgeFor(oneDistribution(origin.url));
    const r = await get(`${edge.url}/h`);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.headers['upgrade']).toBeUndefined();
    expect(r.headers['x-custom']).toBe('kept');
    expect(r.headers['vary']).toBe('Accept-Encoding');
  });

  it('Host routing by alias; default root object only for /', async () => {
    origin = await startTinyOrigin({ '/index.html': fixed('root'), '/docs/': fixed('docs-dir') });
    const cfg = oneDistribution(origin.url, { defaultRootObject: 'index.html' });
    const d2 = { id: 'E2OTHER', aliases: ['other.test'], origins: [{ id: 'x', url: origin.url }], defaultCacheBehavior: { targetOriginId: 'x' } };
    (cfg['distributions'] as unknown[]).push(d2);
    edge = await edgeFor(cfg);
    const r = await get(`${edge.url}/`, { host: 'site.test' });
    expect(r.body.toString()).toBe('root');
    expect((await get(`${edge.url}/docs/`, { host: 'site.test' })).body.toString()).toBe('docs-dir');
    expect((await get(`${edge.url}/`, { host: 'other.test' })).status).toBe(404); // no root object there
    expect(origin.count('/index.html')).toBe(1);
    // By distribution id as the first Host label: E2's own cache, so a second origin fetch.
    expect((await get(`${edge.url}/index.html`, { host: 'e2other.bucketfront.localhost' })).status).toBe(200);
    expect(origin.count('/index.html')).toBe(2);
    const unknown = await get(`${edge.url}/`, { host: 'nobody.test' });
    expect(unknown.status).toBe(403);
    expect(unknown.headers['x-cache']).toBe('Error from cloudfront');
  });
});

describe('cache key and storage limits', () => {
  it('whitelisted query strings and cookies are keyed and forwarded; others are not', async () => {
    origin = await startTinyOrigin({
      '/k': (req, res) => {
        const b = `${req.url}|${req.headers['cookie'] ?? ''}`;
        res.writeHead(200, { 'content-length': String(b.length), 'set-cookie': 's=1' });
        res.end(b);
      },
    });
    edge = await edgeFor(oneDistribution(origin.url, {}, { cacheKey: { queryStrings: ['v'], cookies: ['lang'] } }));
    const a = await get(`${edge.url}/k?v=1&utm=x`, { cookie: 'lang=en; track=1' });
    expect(a.body.toString()).toBe('/k?v=1|lang=en');
    expect(a.headers['set-cookie']).toBe('s=1'); // cookies forwarded → Set-Cookie kept
    expect((await get(`${edge.url}/k?v=1&utm=y`, { cookie: 'lang=en; track=2' })).headers['x-cache']).toBe('Hit from cloudfront');
    expect((await get(`${edge.url}/k?v=2`, { cookie: 'lang=en' })).headers['x-cache']).toBe('Miss from cloudfront');
    expect((await get(`${edge.url}/k?v=1`, { cookie: 'lang=fr' })).headers['x-cache']).toBe('Miss from cloudfront');
    expect(origin.count('/k?v=1')).toBe(2);
  });

  it('objects above cache.maxObjectBytes stream through uncached', async () => {
    const big = Buffer.alloc(300_000, 3);
    origin = await startTinyOrigin({ '/big.bin': fixed(big, { 'content-type': 'application/octet-stream' }) });
    edge = await edgeFor({ ...oneDistribution(origin.url), cache: { maxSizeBytes: 1_000_000, maxObjectBytes: 100_000 } });
    for (let i = 0; i < 2; i++) {
      const r = await get(`${edge.url}/big.bin`);
      expect(r.body.equals(big)).toBe(true);
      expect(r.headers['x-cache']).toBe('Miss from cloudfront');
    }
    expect(origin.count('/big.bin')).toBe(2);
  });

  it('chunked origin body larger than maxObjectBytes streams through too', async () => {
    const chunk = Buffer.alloc(50_000, 9);
    origin = await startTinyOrigin({
      '/chunked': async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        for (let i = 0; i < 5; i++) res.write(chunk);
        res.end();
      },
    });
    edge = await edgeFor({ ...oneDistribution(origin.url), cache: { maxSizeBytes: 1_000_000, maxObjectBytes: 100_000 } });
    const r = await get(`${edge.url}/chunked`);
    expect(r.body.length).toBe(250_000);
    expect(r.body.every((b) => b === 9)).toBe(true);
  });
});

describe('startEdge with a config file', () => {
  it('loads YAML from a path; validation errors name the field', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startEdge } = await import('../src/index.js');
    origin = await startTinyOrigin({ '/y': fixed('yaml!') });
    const dir = await mkdtemp(join(tmpdir(), 'bf-edge-'));
    try {
      const good = join(dir, 'edge.yaml');
      await writeFile(good, `pop: YML1\ndistributions:\n  - id: EYAML\n    origins:\n      - id: o\n        url: ${origin.url}\n    defaultCacheBehavior:\n      targetOriginId: o\n`);
      edge = await startEdge({ config: good, workers: 1 });
      const r = await get(`${edge.url}/y`);
      expect(r.body.toString()).toBe('yaml!');
      expect(r.headers['x-amz-cf-pop']).toBe('YML1');
      expect(edge.credentials.generated).toBe(true);
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, `distributions:\n  - id: E\n    origins:\n      - id: o\n        url: nope\n`);
      await expect(startEdge({ config: bad, workers: 1 })).rejects.toThrow('distributions[0].origins[0].url: must be an http(s) URL');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('HEAD and metrics', () => {
  it('HEAD miss fetches with GET and caches: no body, same headers; the GET after is a Hit', async () => {
    origin = await startTinyOrigin({ '/h.txt': fixed('0123456789', { 'cache-control': 'max-age=60' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    const head = await get(`${edge.url}/h.txt`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe('10');
    expect(origin.requests[0]!.method).toBe('GET');
    const g = await get(`${edge.url}/h.txt`);
    expect(g.headers['x-cache']).toBe('Hit from cloudfront');
    expect(g.body.toString()).toBe('0123456789');
  });

  it('metrics count results, bytes, origin latency and cache size', async () => {
    origin = await startTinyOrigin({ '/m': fixed('x'.repeat(100), { 'cache-control': 'max-age=60' }) });
    edge = await edgeFor(oneDistribution(origin.url));
    await get(`${edge.url}/m`);
    await get(`${edge.url}/m`);
    await get(`${edge.url}/m`);
    await get(`${edge.url}/missing`);
    // The shared tier is written after the response went out: wait for the 404's entry there.
    let s = await edge.runtime.metrics();
    for (let i = 0; i < 100 && s.sharedEntries < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      s = await edge.runtime.metrics();
    }
    expect(s.requests).toMatchObject({ Miss: 1, Hit: 2, Error: 1 });
    expect(s.hits).toBe(2);
    expect(s.misses).toBe(1);
    expect(s.bytesSent).toBeGreaterThanOrEqual(300);
    expect(s.originRequests).toBe(2);
    expect(s.originLatency.count).toBe(2);
    expect(s.originLatency.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(s.sharedEntries).toBe(2); // /m and the cached 404, once per host
    expect(s.cacheEntries).toBeGreaterThanOrEqual(2); // and in the memory tier of each worker that served them
    expect(s.cacheSizeBytes).toBeGreaterThan(100);
    expect(s.cacheMaxBytes).toBe(256 * 1024 * 1024 * s.workers); // the memory tier, per worker
    expect(s.workers).toBe(TEST_EDGE_WORKERS);
  });
});

describe('start-up failures', () => {
  it('a viewer port in use rejects (single process and cluster) without leaving servers behind', async () => {
    const { startEdge } = await import('../src/index.js');
    origin = await startTinyOrigin({ '/x': fixed('x') });
    edge = await edgeFor(oneDistribution(origin.url), { workers: 1 }); // no cluster workers of its own: the check below counts them
    await expect(startEdge({ config: oneDistribution(origin.url), port: edge.port, workers: 1 })).rejects.toThrow(/EADDRINUSE/);
    await expect(startEdge({ config: oneDistribution(origin.url), port: edge.port, workers: 2 })).rejects.toThrow();
    const cluster = (await import('node:cluster')).default;
    for (let i = 0; i < 50 && Object.values(cluster.workers ?? {}).some((w) => w && !w.isDead()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead())).toHaveLength(0);
  });
});

describe('redirects — docs/cloudfront-caching.md#cacheable', () => {
  it('301 is cached and not followed; 307 without Cache-Control is not cached', async () => {
    origin = await startTinyOrigin({
      '/old': (_req, res) => {
        res.writeHead(301, { location: '/new', 'content-length': '0' });
        res.end();
      },
      '/tmp': (_req, res) => {
        res.writeHead(307, { location: '/elsewhere', 'content-length': '0' });
        res.end();
      },
    });
    edge = await edgeFor(oneDistribution(origin.url));
    const r1 = await get(`${edge.url}/old`);
    expect(r1.status).toBe(301);
    expect(r1.headers['location']).toBe('/new');
    expect((await get(`${edge.url}/old`)).headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.count('/new')).toBe(0);
    await get(`${edge.url}/tmp`);
    await get(`${edge.url}/tmp`);
    expect(origin.count('/tmp')).toBe(2);
  });
});

describe('OPTIONS — docs/cloudfront-caching.md#cacheable', () => {
  it('passed through uncached by default; cached under its own key when cachedMethods include it', async () => {
    origin = await startTinyOrigin({
      '/api/x': (req, res) => {
        const b = req.method === 'OPTIONS' ? 'preflight' : 'body';
        res.writeHead(200, { 'content-length': String(b.length), 'cache-control': 'max-age=60', ...(req.method === 'OPTIONS' ? { 'access-control-allow-methods': 'GET' } : {}) });
        res.end(b);
      },
    });
    const methods = ['GET', 'HEAD', 'OPTIONS'];
    edge = await edgeFor(
      oneDistribution(
        origin.url,
        {
          cacheBehaviors: [{ pathPattern: '/api/*', targetOriginId: 'o1', allowedMethods: methods, cachedMethods: methods }],
        },
        { allowedMethods: methods },
      ),
    );
    const o1 = await get(`${edge.url}/api/x`, {}, 'OPTIONS');
    expect(o1.body.toString()).toBe('preflight');
    expect(o1.headers['x-cache']).toBe('Miss from cloudfront');
    const o2 = await get(`${edge.url}/api/x`, {}, 'OPTIONS');
    expect(o2.headers['x-cache']).toBe('Hit from cloudfront');
    expect(o2.headers['access-control-allow-methods']).toBe('GET');
    expect((await get(`${edge.url}/api/x`)).body.toString()).toBe('body'); // GET has its own key
    expect(origin.requests.map((r) => r.method)).toEqual(['OPTIONS', 'GET']);
    // Default behavior: OPTIONS allowed but not cached → passes through each time.
    origin.route('/other', (_req, res) => {
      res.writeHead(200, { 'content-length': '2' });
      res.end('ok');
    });
    await get(`${edge.url}/other`, {}, 'OPTIONS');
    await get(`${edge.url}/other`, {}, 'OPTIONS');
    expect(origin.count('/other')).toBe(2);
  });
});
