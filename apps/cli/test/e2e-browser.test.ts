/// <reference lib="dom" />
/**
 * End to end, as a person sees it: headless Chromium browses the demo site
 * through the edge started by `bucketfront dev`, then `bucketfront deploy`
 * changes a page and the browser sees the new content after the invalidation.
 */
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { awsEnv, hasChromium, makeTempDir, type TempDir } from '@bucketfront/test-support';
import { defaultDemoSiteDir, runDev, type DevStack } from '../src/dev/run-dev.js';
import { runCli } from './helpers.js';
import { CHROMIUM_ARGS, executableOnPath, expectPng } from './browser.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const screenshotDir = join(repoRoot, 'test-results');
const chromiumArgs = CHROMIUM_ARGS;

/** Takes a screenshot (replacing any earlier one) and checks the file. */
async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const path = join(screenshotDir, name);
  await mkdir(screenshotDir, { recursive: true });
  await rm(path, { force: true });
  await page.screenshot({ path, fullPage });
  await expectPng(path);
}

describe.skipIf(!hasChromium())('demo site in a real browser', () => {
  let temp: TempDir;
  let stack: DevStack;
  let browser: Browser;

  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-e2e-');
    stack = await runDev({
      dataDir: join(temp.path, 'data'),
      originPort: 0,
      websitePort: 0,
      edgePort: 0,
      controlPort: 0,
      log: () => undefined,
    });
    browser = await chromium.launch({ executablePath: executableOnPath('chromium'), args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await temp?.cleanup();
  });

  /**
   * A page in a fresh context (no browser cache) that records every failed request and every
   * answer ≥ 400, except the navigation to `expectedMissing` (a page that is meant to be a 404).
   */
  async function openPage(expectedMissing?: string): Promise<{ page: Page; failures: string[]; loaded: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const failures: string[] = [];
    const loaded: string[] = [];
    page.on('requestfailed', (req) => failures.push(`${req.url()} ${req.failure()?.errorText ?? ''}`));
    page.on('response', (res) => {
      const expected = expectedMissing !== undefined && res.url() === expectedMissing && res.request().isNavigationRequest();
      if (res.status() >= 400 && !expected) failures.push(`${res.url()} ${res.status()}`);
      else loaded.push(new URL(res.url()).pathname);
    });
    return { page, failures, loaded };
  }

  it('renders the home page with its CSS, JS and images, all through the edge', async () => {
    const { page, failures } = await openPage();
    const response = await page.goto(`${stack.edgeUrl}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['x-cache']).toMatch(/from cloudfront/);
    await expect(page.textContent('#title')).resolves.toBe('Hello from bucketfront');
    await page.waitForFunction(() => document.getElementById('script-status')?.textContent === 'JavaScript ran.');
    const imagesLoaded = await page.$$eval('img', (imgs) => imgs.every((img) => (img as HTMLImageElement).naturalWidth > 0));
    expect(imagesLoaded).toBe(true);
    const titleColor = await page.$eval('h1', (h1) => getComputedStyle(h1).color);
    expect(titleColor).toBe('rgb(11, 95, 255)');
    expect(failures).toEqual([]);
    await screenshot(page, 'e2e-home.png', true);
    await page.context().close();
  });

  it('follows a folder link to its index document', async () => {
    const { page, failures } = await openPage();
    await page.goto(`${stack.edgeUrl}/`);
    await Promise.all([page.waitForURL(/\/docs\/$/), page.click('#docs-link')]);
    await expect(page.textContent('#title')).resolves.toBe('Documentation');
    expect(failures).toEqual([]);
    await page.context().close();
  });

  it('shows the custom 404 page with status 404 for a missing page, its own assets loading', async () => {
    const missing = `${stack.edgeUrl}/no-such-page.html`;
    const { page, failures, loaded } = await openPage(missing);
    const response = await page.goto(missing, { waitUntil: 'load' });
    expect(response?.status()).toBe(404);
    await expect(page.textContent('#title')).resolves.toContain('404');
    // The error document's stylesheet loaded and applies (`.notfound h1` is red).
    expect(loaded).toContain('/css/site.css');
    expect(await page.$eval('h1', (h1) => getComputedStyle(h1).color)).toBe('rgb(179, 38, 30)');
    expect(failures).toEqual([]);
    await screenshot(page, 'e2e-404.png');
    await page.context().close();
  });

  it('lands on the right page through a routing-rule redirect', async () => {
    const { page, failures } = await openPage();
    await page.goto(`${stack.edgeUrl}/`);
    await Promise.all([page.waitForURL(/\/blog\/hello\.html$/), page.click('#old-link')]);
    await expect(page.textContent('#title')).resolves.toBe('Hello, blog');
    expect(failures).toEqual([]);
    await page.context().close();
  });

  it('sees a page changed by `bucketfront deploy` after its invalidation', async () => {
    const { page } = await openPage();
    // What the edge answered, named when it is not the page (once, under a loaded CI run, '/' had no #version).
    const first = await page.goto(`${stack.edgeUrl}/`);
    expect(`${first?.status()} ${JSON.stringify(first?.headers())}`).toMatch(/^200 /);
    await expect(page.textContent('#version')).resolves.toBe('Version 1 of this page.');

    const site = join(temp.path, 'site');
    await cp(defaultDemoSiteDir(), site, { recursive: true });
    const index = join(site, 'index.html');
    await writeFile(index, (await readFile(index, 'utf8')).replace('Version 1 of this page.', 'Version 2 of this page.'));

    const result = await runCli(['deploy', site, `s3://${stack.bucket}`, '--distribution', stack.distributionId, '--endpoint-url', stack.originUrl, '--edge-endpoint-url', stack.controlUrl], {
      ...awsEnv(stack.credentials),
      BUCKETFRONT_CACHE_DIR: join(temp.path, 'cache'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('upload:');

    await page.reload();
    await expect(page.textContent('#version')).resolves.toBe('Version 2 of this page.');
    await screenshot(page, 'e2e-after-deploy.png');
    await page.context().close();
  });
});
