/// <reference lib="dom" />
/**
 * The upload demo of `bucketfront dev`, in headless Chromium: choose a JPEG on /upload.html, the
 * presigned POST form takes it straight to the S3 API (through the edge) while the progress bar
 * fills, the origin's event notification reaches the in-process thumbnail function over a
 * webhook, and the page shows the 512 px WebP thumbnail through the edge.
 * docs/functions.md#the-upload-page
 */
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasChromium, makeTempDir, type TempDir } from '@bucketfront/test-support';
import { chromium, type Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevStack, runDev } from '../src/dev/run-dev.js';
import { CHROMIUM_ARGS, executableOnPath, expectPng } from './browser.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const screenshotDir = join(repoRoot, 'test-results');

describe.skipIf(!hasChromium())('upload demo in a real browser', () => {
  let temp: TempDir;
  let stack: DevStack;
  let browser: Browser;

  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-upload-demo-');
    stack = await runDev({ dataDir: join(temp.path, 'data'), originPort: 0, websitePort: 0, edgePort: 0, controlPort: 0, log: () => undefined });
    browser = await chromium.launch({ executablePath: executableOnPath('chromium'), args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await temp?.cleanup();
  });

  it('uploads a chosen JPEG with a progress bar and shows its thumbnail through the edge', async () => {
    const photo = join(temp.path, 'sunset photo.jpg');
    await writeFile(
      photo,
      await sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 250, g: 120, b: 40 } } })
        .composite([{ input: Buffer.from('<svg width="1000" height="750"><circle cx="500" cy="375" r="300" fill="#ffd54f"/></svg>'), top: 375, left: 500 }])
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    const context = await browser.newContext();
    const page = await context.newPage();
    const failures: string[] = [];
    const progressSeen: number[] = [];
    page.on('requestfailed', (req) => failures.push(`${req.url()} ${req.failure()?.errorText ?? ''}`));
    await page.exposeFunction('reportProgress', (v: number) => progressSeen.push(v));
    const response = await page.goto(stack.uploads.pageUrl, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['x-cache']).toMatch(/from cloudfront/);
    // Watch the progress bar's value as the page sets it.
    await page.evaluate(() => {
      const bar = document.getElementById('upload-progress') as HTMLProgressElement;
      const descriptor = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value')!;
      Object.defineProperty(bar, 'value', {
        get: () => descriptor.get!.call(bar),
        set: (v: number) => {
          descriptor.set!.call(bar, v);
          (window as unknown as { reportProgress(v: number): void }).reportProgress(v);
        },
      });
    });
    await page.setInputFiles('#file', photo);
    await page.click('#upload-button');
    await page.waitForFunction(() => (document.getElementById('upload-progress') as HTMLProgressElement).value === 100);
    await page.waitForFunction(() => document.getElementById('upload-status')?.textContent?.startsWith('Uploaded as '));
    expect(progressSeen.at(-1)).toBe(100);
    await mkdir(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'upload-demo-uploaded.png') });

    await page.waitForFunction(
      () => {
        const img = document.getElementById('thumbnail') as HTMLImageElement;
        return !img.hidden && img.complete && img.naturalWidth > 0;
      },
      undefined,
      { timeout: 60_000 },
    );
    const thumb = await page.$eval('#thumbnail', (img) => ({ width: (img as HTMLImageElement).naturalWidth, src: (img as HTMLImageElement).src }));
    expect([128, 512]).toContain(thumb.width);
    expect(new URL(thumb.src).origin).toBe(new URL(stack.edgeUrl).origin);
    expect(new URL(thumb.src).pathname).toMatch(/^\/thumbs\/512\/incoming\/[0-9a-f-]+\/sunset_photo\.jpg\.webp$/);
    const headers = await page.evaluate(async (src) => {
      const res = await fetch(src);
      return { status: res.status, type: res.headers.get('content-type'), cache: res.headers.get('x-cache') };
    }, thumb.src);
    expect(headers).toMatchObject({ status: 200, type: 'image/webp' });
    expect(headers.cache).toMatch(/from cloudfront/);
    expect(failures).toEqual([]);

    const shot = join(screenshotDir, 'upload-demo.png');
    await rm(shot, { force: true });
    await page.screenshot({ path: shot, fullPage: true });
    await expectPng(shot);
    if (process.env['BUCKETFRONT_UPDATE_DOC_SCREENSHOTS'] === '1') await copyFile(shot, join(repoRoot, 'docs', 'img', 'upload-demo.png'));
    await context.close();
  });
});
