/**
 * The README's Cache-Control advice, measured: origin fetches for N page views through a real
 * edge whose origin is the real origin's website endpoint, after `bucketfront deploy` with
 *  - old advice: HTML `no-cache` (the edge may not store it: every view is an origin fetch), and
 *  - new advice: HTML `public, max-age=60, s-maxage=31536000` (browsers recheck after a minute,
 *    the edge keeps it until a deploy invalidates it: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html,
 *    s-maxage wins over max-age for the edge TTL, packages/cache-policy/src/ttl.ts),
 * and that a deploy still makes new HTML visible at once (deploy invalidates what changed).
 * Origin fetches are counted from the origin's own access log (operation `Website`).
 * Prints the figures the README quotes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEdgeOptions, type TempDir } from '@bucketfront/test-support';
import type { OriginAccessLogEntry, TestOrigin } from '@bucketfront/origin/testing';
import { loadStartEdge, parseSummary, runCli, startCliTestbed, type StartedEdge, writeTree } from './helpers.js';

const VIEWS = 200;
const ASSETS = 'assets/**=public, max-age=31536000, immutable';
const OLD_HTML = '*.html=no-cache';
const NEW_HTML = '*.html=public, max-age=60, s-maxage=31536000';

/** Bucket, distribution id, Host alias. */
const SITES = {
  old: { bucket: 'advice-old', id: 'EADVICEOLD001', alias: 'old.example' },
  new: { bucket: 'advice-new', id: 'EADVICENEW001', alias: 'new.example' },
  spa: { bucket: 'advice-spa', id: 'EADVICESPA001', alias: 'spa.example' },
} as const;
type Site = (typeof SITES)[keyof typeof SITES];

let origin: TestOrigin;
let edge: StartedEdge;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
const log: OriginAccessLogEntry[] = [];

const originFetches = (site: Site) => log.filter((e) => e.operation === 'Website' && e.bucket === site.bucket).length;

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cache-advice-', { websitePort: true, spaFallback: true, accessLog: (e) => log.push(e) }));
  const startEdge = await loadStartEdge();
  edge = await startEdge({
    config: {
      cache: { diskPath: false },
      // The README's edge configuration: minTTL 0, defaultTTL 86400, maxTTL 31536000.
      distributions: Object.values(SITES).map((s) => ({
        id: s.id,
        aliases: [s.alias],
        defaultRootObject: 'index.html',
        origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: s.bucket }],
        defaultCacheBehavior: { targetOriginId: 'web', minTTL: 0, defaultTTL: 86400, maxTTL: 31536000 },
        cacheTagConfig: { headerName: 'x-amz-meta-cache-tag' },
      })),
    },
    ...testEdgeOptions(origin.credentials),
  });
});

afterAll(async () => {
  await edge?.close();
  await origin?.stop();
  await tmp?.cleanup();
});

const cli = async (...args: string[]) => {
  const r = await runCli(args, env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};

/** `mb`, `website --public` (no --acl on deploys), then the first deploy with `rules`. */
async function setUp(site: Site, dir: string, rules: string[], extra: string[] = []): Promise<void> {
  await cli('mb', `s3://${site.bucket}`, '--endpoint-url', origin.url);
  await cli('website', `s3://${site.bucket}`, '--index-document', 'index.html', '--public', ...extra, '--endpoint-url', origin.url);
  await deploy(site, dir, rules);
}

/** `--cache-control` flags for these rules. */
const cacheControl = (...rules: string[]) => rules.flatMap((r) => ['--cache-control', r]);

async function deploy(site: Site, dir: string, rules: string[]) {
  const args = ['deploy', dir, `s3://${site.bucket}`, '--distribution', site.id, '--endpoint-url', origin.url, '--edge-endpoint-url', edge.controlUrl];
  return parseSummary(await cli(...args, ...rules, '--wait', '--json'));
}

async function view(site: Site, path: string): Promise<{ status: number; body: string; cacheControl: string; xcache: string }> {
  const res = await request(`${edge.url}${path}`, { headers: { host: site.alias } });
  const body = await res.body.text();
  return { status: res.statusCode, body, cacheControl: String(res.headers['cache-control']), xcache: String(res.headers['x-cache']) };
}

/** N page views by first-time visitors: one HTML page each (alternating two pages) and the app's script. */
async function pageViews(site: Site, n: number, pages = ['/', '/about.html']): Promise<number> {
  const before = originFetches(site);
  for (let i = 0; i < n; i++) {
    expect((await view(site, pages[i % pages.length]!)).status).toBe(200);
    expect((await view(site, '/assets/app.3f2a.js')).status).toBe(200);
  }
  return originFetches(site) - before;
}

const figures: string[] = [];

async function writeSite(name: string): Promise<string> {
  const dir = join(tmp.path, name);
  await writeTree(dir, { 'index.html': '<script src=/assets/app.3f2a.js></script>home v1', 'about.html': 'about v1', 'assets/app.3f2a.js': 'app()' });
  return dir;
}

describe('Cache-Control advice: origin fetches per page view through the edge', () => {
  it(`old advice (${OLD_HTML}): every view of a page is an origin fetch`, async () => {
    const dir = await writeSite('old');
    await setUp(SITES.old, dir, cacheControl(ASSETS, OLD_HTML));
    const fetches = await pageViews(SITES.old, VIEWS);
    figures.push(`old advice: ${VIEWS} page views from a cold edge → ${fetches} origin fetches (${(fetches / VIEWS).toFixed(3)} per view)`);
    // Every HTML view, plus the script once.
    expect(fetches).toBe(VIEWS + 1);
    const next = await pageViews(SITES.old, VIEWS);
    expect(next).toBe(VIEWS);
    figures.push(`old advice: the next ${VIEWS} page views → ${next} origin fetches`);
    expect((await view(SITES.old, '/')).cacheControl).toBe('no-cache');
  });

  it(`new advice (${NEW_HTML}): one origin fetch per page, then none`, async () => {
    const dir = await writeSite('new');
    await setUp(SITES.new, dir, cacheControl(ASSETS, NEW_HTML));
    const fetches = await pageViews(SITES.new, VIEWS);
    figures.push(`new advice: ${VIEWS} page views from a cold edge → ${fetches} origin fetches (${(fetches / VIEWS).toFixed(3)} per view)`);
    // The first view of each page and of the script, then none.
    expect(fetches).toBe(3);
    const next = await pageViews(SITES.new, VIEWS);
    expect(next).toBe(0);
    figures.push(`new advice: the next ${VIEWS} page views → ${next} origin fetches`);
    const page = await view(SITES.new, '/about.html');
    expect(page.xcache).toMatch(/^Hit/);
    // The browser gets the header as stored: it keeps the page 60 s, the edge until invalidated.
    expect(page.cacheControl).toBe('public, max-age=60, s-maxage=31536000');

    // A deploy makes the change visible at the next view: deploy invalidates the changed paths.
    await writeFile(join(dir, 'index.html'), '<script src=/assets/app.3f2a.js></script>home v2');
    const s = await deploy(SITES.new, dir, cacheControl(ASSETS, NEW_HTML));
    expect(s.invalidation?.paths).toEqual(['/', '/index.html']);
    const before = originFetches(SITES.new);
    expect((await view(SITES.new, '/')).body).toContain('home v2');
    const after = await pageViews(SITES.new, VIEWS);
    expect(originFetches(SITES.new) - before).toBe(1 + after);
    expect(after).toBe(0);
    figures.push(`new advice after a deploy changing index.html: 1 origin fetch for / (at the first view), then ${after} for ${VIEWS} views`);
  });

  it('single-page apps: deep links are copies of index.html; tag it and deploy --invalidate-tags, or they stay stale', async () => {
    const dir = await writeSite('spa');
    const rules = [...cacheControl(ASSETS, NEW_HTML), '--cache-tag', 'index.html=app-shell'];
    await setUp(SITES.spa, dir, rules, ['--spa-fallback', 'index.html']);
    expect((await view(SITES.spa, '/users/42')).body).toContain('home v1');
    expect((await view(SITES.spa, '/users/42')).xcache).toMatch(/^Hit/);
    await view(SITES.spa, '/about.html');

    // Path invalidation (what deploy does without --invalidate-tags) misses /users/42.
    await writeFile(join(dir, 'index.html'), '<script src=/assets/app.3f2a.js></script>home v2');
    expect((await deploy(SITES.spa, dir, rules)).invalidation?.paths).toEqual(['/', '/index.html']);
    expect((await view(SITES.spa, '/')).body).toContain('home v2');
    expect((await view(SITES.spa, '/users/42')).body).toContain('home v1'); // stale until s-maxage ends

    // With the tag: every cached copy of the app shell goes.
    await writeFile(join(dir, 'index.html'), '<script src=/assets/app.3f2a.js></script>home v3');
    expect((await deploy(SITES.spa, dir, [...rules, '--invalidate-tags'])).invalidation?.paths).toEqual(['#app-shell']);
    expect((await view(SITES.spa, '/users/42')).body).toContain('home v3');
    expect((await view(SITES.spa, '/')).body).toContain('home v3');
    expect((await view(SITES.spa, '/about.html')).xcache).toMatch(/^Hit/);
  });

  afterAll(() => {
    if (figures.length) console.log(`\n${figures.join('\n')}\n`);
  });
});
