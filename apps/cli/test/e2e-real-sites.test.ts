/// <reference lib="dom" />
/**
 * Real sites out of the box: two sites built here by their generators from npm (VitePress with
 * clean URLs; Vite + React + react-router with client-side routing), deployed with the real
 * `bucketfront website` and `bucketfront deploy`, and browsed through the edge in headless
 * Chromium. The edge runs the CloudFront Functions recipes from examples/functions as a user
 * would configure them: clean-urls.js for the docs, spa-fallback.js for the app; the app is also
 * served a second way, by the origin's SPA fallback (`website --spa-fallback`) with no function.
 *
 * Every page is checked as a person sees it: the document's status, its heading (not an empty
 * body), images decoded, styles and fonts applied, no failed subresource and no script error,
 * client-side navigation without a page load, reloads, deep links, the site's own 404.
 * Screenshots in test-results/real-sites/.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';
import { hasChromium, makeTempDir, testEdgeOptions, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { cliEnv, loadStartEdge, parseSummary, runCli, type StartedEdge } from './helpers.js';
import { CHROMIUM_ARGS, executableOnPath, expectPng } from './browser.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/real-sites/', import.meta.url));
const RECIPES = join(repoRoot, 'examples/functions');
const screenshotDir = join(repoRoot, 'test-results', 'real-sites');

/** A generator's build, bounded: a hung build fails the test instead of the whole run. */
const BUILD_TIMEOUT_MS = 120_000;
/** Set-up hooks that build and deploy: the build's bound plus the CLI calls. */
const SETUP_HOOK_TIMEOUT_MS = BUILD_TIMEOUT_MS + 60_000;

/** Bucket, distribution id and Host name (an alias of the distribution) of each site. */
const DOCS = { bucket: 'docs', id: 'EREALDOCS0001', host: 'docs.localhost' } as const;
const SPA = { bucket: 'spa', id: 'EREALSPAFN001', host: 'spa.localhost' } as const;
const SPA_ORIGIN = { bucket: 'spa-origin', id: 'EREALSPAOR001', host: 'spa-origin.localhost' } as const;
type Site = typeof DOCS | typeof SPA | typeof SPA_ORIGIN;

/** The README's deploy advice: hashed assets for a year, pages until a deploy invalidates them. */
const CACHE_CONTROL = ['--cache-control', 'assets/**=public, max-age=31536000, immutable', '--cache-control', '*.html=public, max-age=60, s-maxage=31536000'];

const chromiumArgs = [
  ...CHROMIUM_ARGS,
  // Browsers resolve *.localhost to the loopback interface; pin it to the address the edge listens on.
  '--host-resolver-rules=MAP *.localhost 127.0.0.1',
];

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(screenshotDir, name);
  await mkdir(screenshotDir, { recursive: true });
  await rm(path, { force: true });
  await page.screenshot({ path, fullPage: true });
  await expectPng(path);
}

/**
 * Runs a generator's build through its Node API (`build()` from 'vitepress' or 'vite'), as its
 * CLI would: in a child Node process (modules resolved from the repository root, NODE_ENV
 * `production`; not vitest's worker, whose NODE_ENV=test and `development` resolve condition
 * would give development builds of React and Vue), killed if it takes longer than
 * BUILD_TIMEOUT_MS. `script` is an ES module body.
 */
function generatorBuild(what: string, script: string): Promise<void> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS') env[k] = v;
  env['NODE_ENV'] = 'production';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${what} ${signal === 'SIGKILL' ? `did not finish within ${BUILD_TIMEOUT_MS / 1000} s` : `exited ${code}`}:\n${output.slice(-4000)}`));
    });
  });
}

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(root.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

describe.skipIf(!hasChromium())('real sites built by their generators, deployed with bucketfront, browsed through the edge', () => {
  let temp: TempDir;
  let origin: TestOrigin;
  let edge: StartedEdge;
  let browser: Browser;
  let env: NodeJS.ProcessEnv;
  let edgePort: string;

  const siteUrl = (site: Site, path: string) => `http://${site.host}:${edgePort}${path}`;

  const cli = async (...args: string[]): Promise<string> => {
    const r = await runCli(args, env, { timeoutMs: 60_000 });
    expect(r.code, `bucketfront ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };

  /** `mb`, `website … --public` with `websiteArgs`, then `deploy` (waiting for its invalidation). */
  async function publish(site: Site, dist: string, websiteArgs: string[]): Promise<void> {
    await cli('mb', `s3://${site.bucket}`, '--endpoint-url', origin.url);
    await cli('website', `s3://${site.bucket}`, ...websiteArgs, '--public', '--endpoint-url', origin.url);
    const summary = parseSummary(
      await cli('deploy', dist, `s3://${site.bucket}`, '--distribution', site.id, ...CACHE_CONTROL, '--endpoint-url', origin.url, '--edge-endpoint-url', edge.controlUrl, '--wait', '--json'),
    );
    expect(summary.ok).toBe(true);
    expect(summary.uploaded.length).toBe((await filesUnder(dist)).length);
  }

  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-real-sites-');
    origin = await startTestOrigin({ websitePort: true, spaFallback: true });
    env = cliEnv({ credentials: origin.credentials, cacheDir: join(temp.path, 'cli-cache') });
    const distribution = (site: Site, viewerRequest?: string, customErrorResponses: object[] = []) => ({
      id: site.id,
      aliases: [site.host],
      defaultRootObject: 'index.html',
      origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: site.bucket }],
      customErrorResponses,
      defaultCacheBehavior: {
        targetOriginId: 'web',
        minTTL: 0,
        defaultTTL: 86400,
        maxTTL: 31536000,
        compress: true,
        ...(viewerRequest ? { functionAssociations: [{ eventType: 'viewer-request', functionArn: viewerRequest }] } : {}),
      },
    });
    const startEdge = await loadStartEdge();
    edge = await startEdge({
      config: {
        cache: { diskPath: false },
        functions: [
          { name: 'clean-urls', file: join(RECIPES, 'clean-urls.js') },
          { name: 'spa-fallback', file: join(RECIPES, 'spa-fallback.js') },
        ],
        distributions: [
          // `website --public` grants no listing, so the origin answers a missing page 403 (as S3
          // does without s3:ListBucket), with the error document: the edge gives it status 404.
          distribution(DOCS, 'clean-urls', [{ errorCode: 403, responsePagePath: '/404.html', responseCode: 404 }]),
          // A missing file is 403 likewise: a 404 whose body is the app (its NotFound view).
          distribution(SPA, 'spa-fallback', [{ errorCode: 403, responsePagePath: '/index.html', responseCode: 404 }]),
          distribution(SPA_ORIGIN),
        ],
      },
      ...testEdgeOptions(origin.credentials),
    });
    edgePort = new URL(edge.url).port;
    browser = await chromium.launch({ executablePath: executableOnPath('chromium'), args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    await edge?.close();
    await origin?.stop();
    await temp?.cleanup();
  });

  interface Visit {
    page: Page;
    /** Failed requests, answers ≥ 400 (but the expected one) and uncaught script errors. */
    failures: string[];
    /** Paths of every answered request. */
    loaded: string[];
    /** Documents loaded in the main frame (a client-side navigation adds none). */
    documents: () => number;
    /** Resolves when no request has been in flight for a moment. */
    settle: () => Promise<void>;
    /**
     * Runs a navigation this test starts (goto, reload): a request it cuts short (a favicon still
     * loading) is aborted by the browser, which is not a failure of the site.
     */
    navigating: <T>(work: () => Promise<T>) => Promise<T>;
  }

  /** A page in a fresh context (no cache, no storage) that records what fails. */
  async function open(expectedMissing?: string): Promise<Visit> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const page = await context.newPage();
    const failures: string[] = [];
    const loaded: string[] = [];
    let inflight = 0;
    let documents = 0;
    let lastChange = Date.now();
    let navigatingNow = false;
    const done = () => {
      inflight--;
      lastChange = Date.now();
    };
    page.on('request', (req) => {
      inflight++;
      lastChange = Date.now();
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) documents++;
    });
    page.on('requestfinished', done);
    page.on('requestfailed', (req) => {
      done();
      const error = req.failure()?.errorText ?? '';
      if (!(navigatingNow && error === 'net::ERR_ABORTED' && !req.isNavigationRequest())) failures.push(`${req.url()} failed: ${error}`);
    });
    page.on('pageerror', (error) => failures.push(`script error: ${error.message}`));
    page.on('response', (res) => {
      const expected = expectedMissing !== undefined && res.url() === expectedMissing && res.request().isNavigationRequest();
      if (res.status() >= 400 && !expected) failures.push(`${res.url()} ${res.status()}`);
      else loaded.push(new URL(res.url()).pathname);
    });
    const settle = async () => {
      const deadline = Date.now() + 15_000;
      while (inflight > 0 || Date.now() - lastChange < 300) {
        if (Date.now() > deadline) throw new Error(`requests still in flight after 15 s (${inflight})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const navigating = async <T>(work: () => Promise<T>): Promise<T> => {
      navigatingNow = true;
      try {
        return await work();
      } finally {
        navigatingNow = false;
      }
    };
    return { page, failures, loaded, documents: () => documents, settle, navigating };
  }

  /** Loads `url` as a document: its answer, once every subresource has been answered. */
  async function visit(v: Visit, url: string): Promise<Response> {
    const response = await v.navigating(() => v.page.goto(url, { waitUntil: 'load' }));
    expect(response, url).not.toBeNull();
    await v.settle();
    return response!;
  }

  /** Reloads the page (the browser revalidates what it has cached), once every subresource has been answered. */
  async function reload(v: Visit): Promise<Response> {
    const response = await v.navigating(() => v.page.reload({ waitUntil: 'load' }));
    expect(response, `reload of ${v.page.url()}`).not.toBeNull();
    await v.settle();
    return response!;
  }

  /**
   * The document came from the edge with status 200. (On a reload Chromium revalidates with
   * If-None-Match; the edge's 304 confirms the cached 200, which is what the page shows and reports.)
   */
  function expectPageAnswer(response: Response): void {
    expect(response.status(), response.url()).toBe(200);
    expect(response.headers()['x-cache'], response.url()).toMatch(/from cloudfront$/);
  }

  async function waitForText(page: Page, selector: string, text: string): Promise<void> {
    await page.locator(selector).filter({ hasText: text }).first().waitFor({ timeout: 15_000 });
  }

  /** Every <img> on the page (or under `selector`) decoded with a non-zero width. */
  async function expectImagesDecoded(page: Page, selector = 'img'): Promise<number> {
    const widths = await page.$$eval(selector, (imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
    expect(widths.length, `images matching ${selector}`).toBeGreaterThan(0);
    for (const w of widths) expect(w).toBeGreaterThan(0);
    return widths.length;
  }

  /** A GET on the origin's website endpoint, as the edge makes it (Host: the bucket). */
  async function websiteGet(site: Site, path: string): Promise<{ status: number; body: string }> {
    const res = await request(`${origin.websiteUrl!}${path}`, { headers: { host: site.bucket } });
    return { status: res.statusCode, body: await res.body.text() };
  }

  async function visibleText(page: Page): Promise<string> {
    return (await page.evaluate(() => document.body.textContent)).trim();
  }

  describe('VitePress documentation site, cleanUrls, clean-urls.js on viewer-request', () => {
    /** Page by clean URL → its heading: the content heading of a doc page, the hero of the home page. */
    const PAGES = [
      { path: '/', selector: '.VPHero h1', heading: 'Docs served from a bucket', shot: 'docs-home.png' },
      { path: '/guide/', selector: '.vp-doc h1', heading: 'Introduction', shot: 'docs-guide.png' },
      { path: '/guide/install', selector: '.vp-doc h1', heading: 'Installation', shot: 'docs-install.png' },
      { path: '/guide/configuration', selector: '.vp-doc h1', heading: 'Configuration', shot: 'docs-configuration.png' },
    ];
    let dist: string;

    beforeAll(async () => {
      dist = join(temp.path, 'docs-dist');
      await generatorBuild('vitepress build', `import { build } from 'vitepress'; await build(${JSON.stringify(join(FIXTURES, 'docs'))}, { outDir: ${JSON.stringify(dist)} });`);
      const files = await filesUnder(dist);
      // cleanUrls writes every page as NAME.html and links it as NAME: the function's job.
      expect(files).toEqual(expect.arrayContaining(['index.html', '404.html', 'guide/index.html', 'guide/install.html', 'guide/configuration.html', 'logo.svg']));
      await publish(DOCS, dist, ['--index-document', 'index.html', '--error-document', '404.html']);
    }, SETUP_HOOK_TIMEOUT_MS);

    it('serves every page by its clean URL with its content, styles, fonts and images; each reloads', async () => {
      for (const { path, selector, heading, shot } of PAGES) {
        const v = await open();
        const response = await visit(v, siteUrl(DOCS, path));
        expectPageAnswer(response);
        expect(response.headers()['content-type'], path).toMatch(/^text\/html/);
        await waitForText(v.page, selector, heading);
        expect((await visibleText(v.page)).length, `${path} has visible text`).toBeGreaterThan(100);
        // The theme's stylesheet and its self-hosted Inter font, through the edge.
        expect(await v.page.evaluate(() => getComputedStyle(document.body).fontFamily), path).toMatch(/^"?Inter/);
        expect(
          await v.page.evaluate(async () => {
            await document.fonts.ready;
            return document.fonts.check('16px Inter');
          }),
          `${path} Inter loaded`,
        ).toBe(true);
        expect(
          v.loaded.some((p) => /^\/assets\/inter-.*\.woff2$/.test(p)),
          `${path} fetched the font`,
        ).toBe(true);
        await expectImagesDecoded(v.page, 'img.logo');
        if (path === '/guide/') expect(await expectImagesDecoded(v.page, '.vp-doc img')).toBe(1);
        await screenshot(v.page, shot);

        const reloaded = await reload(v);
        expectPageAnswer(reloaded);
        await waitForText(v.page, selector, heading);
        expect(v.failures, path).toEqual([]);
        await v.page.context().close();
      }
    });

    it('navigates client-side by clicking links, and the page reached reloads by its clean URL', async () => {
      const v = await open();
      expectPageAnswer(await visit(v, siteUrl(DOCS, '/')));
      await v.page.evaluate(() => ((window as unknown as { bfMarker: string }).bfMarker = 'same document'));
      const steps = [
        { click: '.VPHero a:has-text("Read the guide")', path: '/guide/', heading: 'Introduction' },
        { click: '.vp-doc a:has-text("install it")', path: '/guide/install', heading: 'Installation' },
        { click: '.VPSidebar a:has-text("Configuration")', path: '/guide/configuration', heading: 'Configuration' },
        { click: '.vp-doc a:has-text("Installation")', path: '/guide/install', heading: 'Installation' },
        { click: '.VPNavBarTitle a', path: '/', heading: 'Docs served from a bucket' },
        { click: '.VPNavBarMenu a:has-text("Guide")', path: '/guide/', heading: 'Introduction' },
      ];
      for (const step of steps) {
        await v.page.locator(step.click).first().click();
        await v.page.waitForURL(siteUrl(DOCS, step.path));
        await waitForText(v.page, step.path === '/' ? '.VPHero h1' : '.vp-doc h1', step.heading);
        await v.settle();
      }
      // The router fetched the pages' modules; the document never changed.
      expect(v.documents()).toBe(1);
      expect(await v.page.evaluate(() => (window as unknown as { bfMarker?: string }).bfMarker)).toBe('same document');
      expect(v.loaded.some((p) => /^\/assets\/guide_install\.md\.[\w-]+\.js$/.test(p))).toBe(true);

      const reloaded = await reload(v);
      expectPageAnswer(reloaded);
      await waitForText(v.page, '.vp-doc h1', 'Introduction');
      expect(v.failures).toEqual([]);
      await v.page.context().close();
    });

    it("answers a missing path with VitePress's own 404 page and status 404, its assets loading", async () => {
      // At the origin the missing page is 403 AccessDenied (no listing) with the error document.
      const atOrigin = await websiteGet(DOCS, '/guide/nope.html');
      expect(atOrigin.status).toBe(403);
      expect(atOrigin.body).toContain('<title>404 | Lantern Docs</title>');

      const missing = siteUrl(DOCS, '/guide/nope');
      const v = await open(missing);
      const response = await visit(v, missing);
      expect(response.status()).toBe(404);
      expect(response.headers()['content-type']).toMatch(/^text\/html/);
      expect(await response.text()).toContain('<title>404 | Lantern Docs</title>');
      // The 404 page is rendered by the app in the browser: its text proves the scripts ran.
      await waitForText(v.page, '.NotFound .title', 'PAGE NOT FOUND');
      expect(await v.page.textContent('.NotFound .code')).toBe('404');
      expect(await v.page.evaluate(() => getComputedStyle(document.body).fontFamily)).toMatch(/^"?Inter/);
      expect(v.loaded).toEqual(expect.arrayContaining([expect.stringMatching(/^\/assets\/style\.[\w-]+\.css$/), expect.stringMatching(/^\/assets\/app\.[\w-]+\.js$/)]));
      expect(v.failures).toEqual([]);
      await screenshot(v.page, 'docs-404.png');

      // Its "Take me home" link leads back into the site.
      await v.page.locator('.NotFound a').click();
      await v.page.waitForURL(siteUrl(DOCS, '/'));
      await waitForText(v.page, '.VPHero h1', 'Docs served from a bucket');
      await v.settle();
      expect(v.failures).toEqual([]);
      await v.page.context().close();
    });
  });

  describe('Vite + React + react-router single-page app', () => {
    let dist: string;

    beforeAll(async () => {
      dist = join(temp.path, 'spa-dist');
      const options = { root: join(FIXTURES, 'spa'), logLevel: 'warn', cacheDir: join(temp.path, 'vite-cache'), build: { outDir: dist, emptyOutDir: true } };
      await generatorBuild('vite build', `import { build } from 'vite'; await build(${JSON.stringify(options)});`);
      const files = await filesUnder(dist);
      expect(files).toContain('index.html');
      expect(files.filter((f) => f.startsWith('assets/')).map((f) => f.replace(/-[\w-]{8}\./, '.'))).toEqual(['assets/index.css', 'assets/index.js', 'assets/logo.svg']);
      // The function path: a plain website bucket, spa-fallback.js at the edge.
      await publish(SPA, dist, ['--index-document', 'index.html']);
      // The origin path: the origin's SPA fallback, no function.
      await publish(SPA_ORIGIN, dist, ['--index-document', 'index.html', '--spa-fallback', 'index.html']);
    }, SETUP_HOOK_TIMEOUT_MS);

    /** The app rendered `heading` with its stylesheet and logo. */
    async function expectApp(v: Visit, heading: string): Promise<void> {
      await waitForText(v.page, '[data-testid="title"]', heading);
      await v.settle();
      await expectImagesDecoded(v.page, 'img.logo');
      const color = await v.page.$eval('h1', (h1) => getComputedStyle(h1).color);
      expect(color).toBe(heading === 'Not found' ? 'rgb(185, 28, 28)' : 'rgb(109, 40, 217)');
    }

    describe('spa-fallback.js on viewer-request', () => {
      it('loads a deep link /users/42 as the app, which renders user 42; a reload keeps it', async () => {
        const v = await open();
        const response = await visit(v, siteUrl(SPA, '/users/42'));
        expectPageAnswer(response);
        expect(response.headers()['content-type']).toMatch(/^text\/html/);
        await expectApp(v, 'User 42');
        expect(await v.page.textContent('.user-name')).toBe('Douglas Adams');
        expect(v.loaded).toEqual(expect.arrayContaining([expect.stringMatching(/^\/assets\/index-[\w-]+\.js$/), expect.stringMatching(/^\/assets\/index-[\w-]+\.css$/)]));
        await screenshot(v.page, 'spa-user-42.png');

        const reloaded = await reload(v);
        expectPageAnswer(reloaded);
        await expectApp(v, 'User 42');
        expect(v.failures).toEqual([]);
        await v.page.context().close();
      });

      it('navigates client-side (links, back), and every route reached reloads as a deep link', async () => {
        const v = await open();
        expectPageAnswer(await visit(v, siteUrl(SPA, '/')));
        await expectApp(v, 'Crew directory');
        await screenshot(v.page, 'spa-home.png');
        await v.page.evaluate(() => ((window as unknown as { bfMarker: string }).bfMarker = 'same document'));

        await v.page.click('#users-link');
        await v.page.waitForURL(siteUrl(SPA, '/users'));
        await expectApp(v, 'Users');
        await screenshot(v.page, 'spa-users.png');
        await v.page.click('#user-7');
        await v.page.waitForURL(siteUrl(SPA, '/users/7'));
        await expectApp(v, 'User 7');
        expect(await v.page.textContent('.user-name')).toBe('Grace Hopper');
        await v.page.goBack();
        await v.page.waitForURL(siteUrl(SPA, '/users'));
        await expectApp(v, 'Users');
        await v.page.goForward();
        await expectApp(v, 'User 7');
        expect(v.documents()).toBe(1);
        expect(await v.page.evaluate(() => (window as unknown as { bfMarker?: string }).bfMarker)).toBe('same document');

        for (const [path, heading] of [
          ['/users/7', 'User 7'],
          ['/users', 'Users'],
        ] as const) {
          if (!v.page.url().endsWith(path)) expectPageAnswer(await visit(v, siteUrl(SPA, path)));
          const reloaded = await reload(v);
          expectPageAnswer(reloaded);
          await expectApp(v, heading);
        }
        expect(v.failures).toEqual([]);
        await v.page.context().close();
      });

      it("shows the app's NotFound view for an unknown route (the app decides, status 200)", async () => {
        const v = await open();
        const response = await visit(v, siteUrl(SPA, '/no/such/route'));
        expectPageAnswer(response);
        await expectApp(v, 'Not found');
        expect(await visibleText(v.page)).toContain('The app has no this page.');
        expect(v.failures).toEqual([]);
        await screenshot(v.page, 'spa-not-found.png');
        await v.page.context().close();
      });

      it('keeps a missing asset an error: status 404 (the app shows its NotFound view), never the app with 200', async () => {
        // The function leaves /assets/nope.js alone; the origin answers 403 (no listing), the edge 404.
        expect((await websiteGet(SPA, '/assets/nope.js')).status).toBe(403);
        const missing = siteUrl(SPA, '/assets/nope.js');
        const v = await open(missing);
        const response = await visit(v, missing);
        expect(response.status()).toBe(404);
        await expectApp(v, 'Not found');
        expect(v.failures).toEqual([]);
        await screenshot(v.page, 'spa-missing-asset.png');
        await v.page.context().close();

        // A page of the app that names a missing script gets the error, not HTML with 200.
        const w = await open();
        expectPageAnswer(await visit(w, siteUrl(SPA, '/')));
        const loaded = await w.page.evaluate(async (src) => {
          const script = document.createElement('script');
          script.type = 'module';
          script.src = src;
          return new Promise<string>((resolve) => {
            script.onload = () => resolve('loaded');
            script.onerror = () => resolve('error');
            document.head.append(script);
          });
        }, '/assets/nope.js');
        expect(loaded).toBe('error');
        await w.settle();
        // The 404 (Chromium then reports the refused script's request as aborted, too).
        expect(w.failures).toContain(`${siteUrl(SPA, '/assets/nope.js')} 404`);
        for (const failure of w.failures) expect(failure).toMatch(/\/assets\/nope\.js (404|failed: net::ERR_ABORTED)$/);
        await w.page.context().close();
      });
      it('shows a redeployed app at its deep links at once: every route is the cached /index.html that deploy invalidates', async () => {
        const before = await open();
        expectPageAnswer(await visit(before, siteUrl(SPA, '/users/7')));
        expect(await before.page.title()).toBe('Crew directory');
        await before.page.context().close();

        const index = join(dist, 'index.html');
        await writeFile(index, (await readFile(index, 'utf8')).replace('<title>Crew directory</title>', '<title>Crew directory, release 2</title>'));
        const summary = parseSummary(
          await cli('deploy', dist, `s3://${SPA.bucket}`, '--distribution', SPA.id, ...CACHE_CONTROL, '--endpoint-url', origin.url, '--edge-endpoint-url', edge.controlUrl, '--wait', '--json'),
        );
        expect(summary.uploaded).toEqual(['index.html']);

        for (const path of ['/users/7', '/users/42', '/']) {
          const v = await open();
          expectPageAnswer(await visit(v, siteUrl(SPA, path)));
          expect(await v.page.title(), path).toBe('Crew directory, release 2');
          await expectApp(v, path === '/' ? 'Crew directory' : `User ${path.split('/')[2]}`);
          expect(v.failures, path).toEqual([]);
          await v.page.context().close();
        }
      });
    });

    describe("the origin's SPA fallback (website --spa-fallback index.html), no function", () => {
      it('loads deep links and unknown routes as the app; a reload keeps them', async () => {
        for (const [path, heading, shot] of [
          ['/users/42', 'User 42', 'spa-origin-user-42.png'],
          ['/no/such/route', 'Not found', 'spa-origin-not-found.png'],
        ] as const) {
          const v = await open();
          const response = await visit(v, siteUrl(SPA_ORIGIN, path));
          expectPageAnswer(response);
          await expectApp(v, heading);
          await screenshot(v.page, shot);
          const reloaded = await reload(v);
          expectPageAnswer(reloaded);
          await expectApp(v, heading);
          expect(v.failures, path).toEqual([]);
          await v.page.context().close();
        }
      });

      it('answers a missing asset with the app and 200 too (why the function is the better fit)', async () => {
        const v = await open();
        const response = await visit(v, siteUrl(SPA_ORIGIN, '/assets/nope.js'));
        expect(response.status()).toBe(200);
        expect(response.headers()['content-type']).toMatch(/^text\/html/);
        expect(await response.text()).toContain('<div id="root">');
        await v.page.context().close();
      });
    });
  });
});
