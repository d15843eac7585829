import { afterEach, describe, expect, it } from 'vitest';
import { edgeFor, fixed, get, oneDistribution, startTinyOrigin, testClock, type Route, type TinyOrigin } from './helpers.js';
import type { RunningEdge } from '../src/index.js';

let origin: TinyOrigin;
let origin2: TinyOrigin | undefined;
let edge: RunningEdge;
afterEach(async () => {
  await edge?.close();
  await origin?.close();
  await origin2?.close();
  origin2 = undefined;
});

/** `route`, except that while `failing()` it answers 503 `down`. */
function downWhile(failing: () => boolean, route: Route): Route {
  return (req, res) => {
    if (!failing()) return route(req, res);
    res.writeHead(503, { 'content-length': '4' });
    res.end('down');
  };
}

/** An edge on a test clock that has cached `path` (answered by `route`) from an origin now down (connection refused). */
async function cachedThenOriginDown(path: string, route: Route): Promise<ReturnType<typeof testClock>> {
  const clock = testClock();
  origin = await startTinyOrigin({ [path]: route });
  edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
  await get(`${edge.url}${path}`);
  await origin.close();
  return clock;
}

describe('stale serving — docs/cloudfront-caching.md#stale', () => {
  it('origin down (connection refused): expired copy served within stale-if-error; 502 Error after', async () => {
    const clock = await cachedThenOriginDown('/page', fixed('cached copy', { 'cache-control': 'max-age=10, stale-if-error=60' }));
    clock.advance(30_000);
    const r = await get(`${edge.url}/page`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('cached copy');
    expect(r.headers['x-cache']).toBe('Hit from cloudfront');
    expect(r.headers['age']).toBe('30');
    clock.advance(50_000); // 80 s: past max-age 10 + SIE 60
    const gone = await get(`${edge.url}/page`);
    expect(gone.status).toBe(502);
    expect(gone.headers['x-cache']).toBe('Error from cloudfront');
    const snap = await edge.runtime.metrics();
    expect(snap.staleServes).toBe(1);
    expect(snap.requests.Error).toBe(1);
  });

  it('default: expired copy served on origin 5xx for 10 s; stale-if-error=0 turns it off', async () => {
    const clock = testClock();
    let failing = false;
    origin = await startTinyOrigin({
      '/d': downWhile(() => failing, fixed('good', { 'cache-control': 'max-age=5' })),
      '/off': downWhile(() => failing, fixed('good', { 'cache-control': 'max-age=5, stale-if-error=0' })),
    });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    await get(`${edge.url}/d`);
    await get(`${edge.url}/off`);
    failing = true;
    clock.advance(8_000); // expired 3 s ago: within the default 10 s
    expect((await get(`${edge.url}/d`)).body.toString()).toBe('good');
    const off = await get(`${edge.url}/off`);
    expect(off.status).toBe(503);
    expect(off.headers['x-cache']).toBe('Error from cloudfront');
  });

  it('default, no stale directive: origin down (connection refused) → expired copy served for 10 s after expiry, then 502', async () => {
    const clock = await cachedThenOriginDown('/plain', fixed('kept copy', { 'cache-control': 'max-age=5' }));
    clock.advance(14_000); // expired 9 s ago: inside the default 10 s (ErrorCachingMinTTL)
    const r = await get(`${edge.url}/plain`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('kept copy');
    expect(r.headers['x-cache']).toBe('Hit from cloudfront');
    clock.advance(2_000); // expired 11 s ago
    const gone = await get(`${edge.url}/plain`);
    expect(gone.status).toBe(502);
    expect(gone.headers['x-cache']).toBe('Error from cloudfront');
    expect((await edge.runtime.metrics()).staleServes).toBe(1);
  });

  it('stale-while-revalidate: stale copy served at once, one background revalidation', async () => {
    const clock = testClock();
    let version = 1;
    origin = await startTinyOrigin({
      '/swr': async (_req, res) => {
        const v = version;
        await new Promise((r) => setTimeout(r, 100));
        res.writeHead(200, { 'cache-control': 'max-age=10, stale-while-revalidate=60', 'content-length': '2' });
        res.end(`v${v}`);
      },
    });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    await get(`${edge.url}/swr`);
    version = 2;
    clock.advance(20_000);
    const rs = await Promise.all([1, 2, 3].map(() => get(`${edge.url}/swr`)));
    // All three got the stale v1: none waited for the revalidation (it would have returned v2).
    expect(rs.map((r) => r.body.toString())).toEqual(['v1', 'v1', 'v1']);
    await new Promise((r) => setTimeout(r, 250));
    expect(origin.count('/swr')).toBe(2); // one background revalidation
    const fresh = await get(`${edge.url}/swr`);
    expect(fresh.body.toString()).toBe('v2');
    expect(fresh.headers['x-cache']).toBe('Hit from cloudfront');
  });

  it('origin response timeout with an expired copy: stale served after the timeout (default 10 s window)', async () => {
    const clock = testClock();
    let slow = false;
    origin = await startTinyOrigin({
      '/t': async (_req, res) => {
        if (slow) await new Promise((r) => setTimeout(r, 2500));
        res.writeHead(200, { 'cache-control': 'max-age=5', 'content-length': '5' });
        res.end(slow ? 'late!' : 'first');
      },
    });
    const cfg = oneDistribution(origin.url);
    ((cfg['distributions'] as Array<Record<string, unknown>>)[0]!['origins'] as Array<Record<string, unknown>>)[0]!['responseTimeout'] = 1;
    edge = await edgeFor(cfg, { clock: clock.now });
    await get(`${edge.url}/t`);
    slow = true;
    clock.advance(7_000);
    const r = await get(`${edge.url}/t`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('first');
    expect(r.headers['x-cache']).toBe('Hit from cloudfront');
  });

  it('origin down and nothing cached → 502 with a CloudFront-style page', async () => {
    origin = await startTinyOrigin();
    const url = origin.url;
    await origin.close();
    edge = await edgeFor(oneDistribution(url));
    const r = await get(`${edge.url}/x`);
    expect(r.status).toBe(502);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(r.body.toString()).toContain('The request could not be satisfied');
  });

  it('response timeout → 504', async () => {
    origin = await startTinyOrigin({ '/slow': fixed('late', {}, 200, 3000) });
    const cfg = oneDistribution(origin.url);
    ((cfg['distributions'] as Array<Record<string, unknown>>)[0]!['origins'] as Array<Record<string, unknown>>)[0]!['responseTimeout'] = 1;
    edge = await edgeFor(cfg);
    const r = await get(`${edge.url}/slow`);
    expect(r.status).toBe(504);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
  });
});

describe('errors — docs/cloudfront-caching.md#error-caching', () => {
  it('404 cached for ErrorCachingMinTTL (10 s default); 403 without max-age not cached', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({ '/forbidden': fixed('no', {}, 403) });
    edge = await edgeFor(oneDistribution(origin.url), { clock: clock.now });
    const r = await get(`${edge.url}/missing`);
    expect(r.status).toBe(404);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    clock.advance(9_000);
    await get(`${edge.url}/missing`);
    expect(origin.count('/missing')).toBe(1);
    clock.advance(2_000);
    await get(`${edge.url}/missing`);
    expect(origin.count('/missing')).toBe(2);
    await get(`${edge.url}/forbidden`);
    await get(`${edge.url}/forbidden`);
    expect(origin.count('/forbidden')).toBe(2);
  });

  it('SPA pattern: 403/404 → /index.html with 200; the page is cached; error TTL from the rule', async () => {
    const clock = testClock();
    origin = await startTinyOrigin({ '/index.html': fixed('<html>app</html>', { 'content-type': 'text/html', 'cache-control': 'max-age=300' }), '/private': fixed('denied', {}, 403) });
    edge = await edgeFor(
      oneDistribution(origin.url, {
        customErrorResponses: [
          { errorCode: 404, responsePagePath: '/index.html', responseCode: 200, errorCachingMinTTL: 30 },
          { errorCode: 403, responsePagePath: '/index.html', responseCode: 200, errorCachingMinTTL: 30 },
        ],
      }),
      { clock: clock.now },
    );
    const r = await get(`${edge.url}/app/route/42`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('<html>app</html>');
    expect(r.headers['content-type']).toBe('text/html');
    const r403 = await get(`${edge.url}/private`);
    expect(r403.status).toBe(200);
    expect(r403.body.toString()).toBe('<html>app</html>');
    clock.advance(20_000);
    await get(`${edge.url}/app/route/42`);
    expect(origin.count('/app/route/42')).toBe(1); // error cached for the rule's 30 s
    expect(origin.count('/index.html')).toBe(1); // the page is cached
    clock.advance(15_000);
    await get(`${edge.url}/app/route/42`);
    expect(origin.count('/app/route/42')).toBe(2);
  });

  it('custom error page with another status code and path matched to a behavior', async () => {
    origin = await startTinyOrigin({ '/errors/404.html': fixed('custom not found', { 'content-type': 'text/html' }) });
    edge = await edgeFor(
      oneDistribution(origin.url, {
        customErrorResponses: [{ errorCode: 404, responsePagePath: '/errors/404.html', responseCode: 404 }],
      }),
    );
    const r = await get(`${edge.url}/nope`);
    expect(r.status).toBe(404);
    expect(r.body.toString()).toBe('custom not found');
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
  });

  it('method not in allowedMethods → 403 Error; allowed POST passes through uncached', async () => {
    origin = await startTinyOrigin({ '/api/x': fixed('posted', { 'cache-control': 'max-age=600' }) });
    edge = await edgeFor(
      oneDistribution(origin.url, {
        cacheBehaviors: [{ pathPattern: '/api/*', targetOriginId: 'o1', allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'] }],
      }),
    );
    const denied = await get(`${edge.url}/page`, {}, 'POST', 'x');
    expect(denied.status).toBe(403);
    expect(denied.headers['x-cache']).toBe('Error from cloudfront');
    const ok1 = await get(`${edge.url}/api/x`, {}, 'POST', 'x');
    const ok2 = await get(`${edge.url}/api/x`, {}, 'POST', 'x');
    expect([ok1.status, ok2.status]).toEqual([200, 200]);
    expect(origin.count('/api/x')).toBe(2);
    expect(origin.requests.every((r) => r.method === 'POST')).toBe(true);
  });
});

describe('behaviors and origin groups — docs/cloudfront-caching.md#behaviors, #origins', () => {
  it('first matching behavior picks the origin and TTLs', async () => {
    origin = await startTinyOrigin({ '*': fixed('from-1') });
    origin2 = await startTinyOrigin({ '*': fixed('from-2') });
    edge = await edgeFor({
      distributions: [
        {
          id: 'E1',
          origins: [
            { id: 'a', url: origin.url },
            { id: 'b', url: origin2.url },
          ],
          defaultCacheBehavior: { targetOriginId: 'a' },
          cacheBehaviors: [
            { pathPattern: '/img/*.png', targetOriginId: 'b' },
            { pathPattern: '/img/*', targetOriginId: 'a' },
          ],
        },
      ],
    });
    expect((await get(`${edge.url}/img/x.png`)).body.toString()).toBe('from-2');
    expect((await get(`${edge.url}/img/x.jpg`)).body.toString()).toBe('from-1');
    expect((await get(`${edge.url}/IMG/x.png`)).body.toString()).toBe('from-1'); // case-sensitive
  });

  it('origin group: failover to the secondary on listed status codes and on connect failure', async () => {
    origin = await startTinyOrigin({ '/a': fixed('primary-500', {}, 500), '/b': fixed('primary-404', {}, 404), '/c': fixed('primary-ok') });
    origin2 = await startTinyOrigin({ '*': fixed('secondary') });
    const dist = {
      id: 'E1',
      origins: [
        { id: 'p', url: origin.url, connectionAttempts: 1 },
        { id: 's', url: origin2.url },
      ],
      originGroups: [{ id: 'g', primaryOriginId: 'p', secondaryOriginId: 's', failoverCriteria: { statusCodes: [500, 502, 503, 504] } }],
      defaultCacheBehavior: { targetOriginId: 'g' },
    };
    edge = await edgeFor({ distributions: [dist] });
    expect((await get(`${edge.url}/a`)).body.toString()).toBe('secondary');
    const b = await get(`${edge.url}/b`); // 404 is not a failover code here
    expect(b.status).toBe(404);
    expect((await get(`${edge.url}/c`)).body.toString()).toBe('primary-ok');
    await origin.close();
    expect((await get(`${edge.url}/d`)).body.toString()).toBe('secondary');
  });
});

describe('origin groups never fail over for POST — docs/cloudfront-caching.md#origins', () => {
  const methods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'];
  const group = (primary: string, secondary: string) => ({
    distributions: [
      {
        id: 'E1',
        origins: [
          { id: 'p', url: primary, connectionAttempts: 1 },
          { id: 's', url: secondary },
        ],
        originGroups: [{ id: 'g', primaryOriginId: 'p', secondaryOriginId: 's', failoverCriteria: { statusCodes: [500, 502, 503, 504] } }],
        defaultCacheBehavior: { targetOriginId: 'g', allowedMethods: methods },
      },
    ],
  });

  it('primary answers a failover status: POST gets it as is; GET fails over', async () => {
    origin = await startTinyOrigin({ '/form': fixed('primary-503', {}, 503) });
    origin2 = await startTinyOrigin({ '*': fixed('secondary') });
    edge = await edgeFor(group(origin.url, origin2.url));
    const post = await get(`${edge.url}/form`, { 'content-type': 'text/plain' }, 'POST', 'data');
    expect(post.status).toBe(503);
    expect(post.body.toString()).toBe('primary-503');
    expect(post.headers['x-cache']).toBe('Error from cloudfront');
    expect(origin2.requests).toHaveLength(0);
    expect((await get(`${edge.url}/form`)).body.toString()).toBe('secondary'); // the same path by GET does
    expect(origin2.requests.map((r) => r.method)).toEqual(['GET']);
  });

  it('primary down: POST gets 502; the secondary sees no POST', async () => {
    origin = await startTinyOrigin();
    const down = origin.url;
    await origin.close();
    origin2 = await startTinyOrigin({ '*': fixed('secondary') });
    edge = await edgeFor(group(down, origin2.url));
    const post = await get(`${edge.url}/form`, { 'content-type': 'text/plain' }, 'POST', 'data');
    expect(post.status).toBe(502);
    expect(post.headers['x-cache']).toBe('Error from cloudfront');
    expect(origin2.requests).toHaveLength(0);
    expect((await get(`${edge.url}/form`)).body.toString()).toBe('secondary');
  });
});

describe('incomplete origin bodies — docs/cloudfront-caching.md#cacheable', () => {
  it('body shorter than Content-Length is never cached', async () => {
    origin = await startTinyOrigin({
      '/trunc': (_req, res) => {
        res.writeHead(200, { 'content-length': '100', 'cache-control': 'max-age=600' });
        res.write(Buffer.alloc(50, 1));
        setTimeout(() => res.socket?.destroy(), 20);
      },
    });
    edge = await edgeFor(oneDistribution(origin.url));
    const r1 = await get(`${edge.url}/trunc`);
    expect(r1.status).toBe(502);
    expect(r1.headers['x-cache']).toBe('Error from cloudfront');
    await get(`${edge.url}/trunc`);
    expect(origin.count('/trunc')).toBe(2);
  });
});
