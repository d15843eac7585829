/// <reference lib="dom" />
/**
 * End to end, as a person sees it: headless Chromium browses the demo site
 * through the edge started by `bucketfront dev`, then `bucketfront deploy`
 * changes a page and the browser sees the new content after the invalidation.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hasChromium, makeTempDir, runCommand, type TempDir } from '@bucketfront/test-support';
import { defaultDemoSiteDir, runDev, type DevStack } from '../src/dev/run-dev.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const screenshotDir = join(repoRoot, 'test-results');
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

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
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await temp?.cleanup();
  });

  /** A page in a fresh context (no browser cache) that records every failed request. */
  async function openPage(): Promise<{ page: Page; failures: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('requestfailed', (req) => failures.push(`${req.url()} ${req.failure()?.errorText ?? ''}`));
    page.on('response', (res) => {
      if (res.status() >= 400 && !res.url().includes('no-such-page')) failures.push(`${res.url()} ${res.status()}`);
    });
    return { page, failures };
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
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'e2e-home.png'), fullPage: true });
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

  it('shows the custom 404 page with status 404 for a missing page', async () => {
    const { page } = await openPage();
    const response = await page.goto(`${stack.edgeUrl}/no-such-page.html`);
    expect(response?.status()).toBe(404);
    await expect(page.textContent('#title')).resolves.toContain('404');
    await page.screenshot({ path: join(screenshotDir, 'e2e-404.png') });
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
    await page.goto(`${stack.edgeUrl}/`);
    await expect(page.textContent('#version')).resolves.toBe('Version 1 of this page.');

    const site = join(temp.path, 'site');
    await cp(defaultDemoSiteDir(), site, { recursive: true });
    const index = join(site, 'index.html');
    await writeFile(index, (await readFile(index, 'utf8')).replace('Version 1 of this page.', 'Version 2 of this page.'));

    const result = await runCommand(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        join(repoRoot, 'apps/cli/src/bin.ts'),
        'deploy',
        site,
        `s3://${stack.bucket}`,
        '--distribution',
        stack.distributionId,
        '--endpoint-url',
        stack.originUrl,
        '--edge-endpoint-url',
        stack.controlUrl,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
          AWS_REGION: 'us-east-1',
        },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('upload:');

    await page.reload();
    await expect(page.textContent('#version')).resolves.toBe('Version 2 of this page.');
    await page.screenshot({ path: join(screenshotDir, 'e2e-after-deploy.png') });
    await page.context().close();
  });
});
