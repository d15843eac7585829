/// <reference lib="dom" />
/**
 * The issue-15 browser check for CORS (docs/cors.md): headless Chromium opens a page on one
 * website host (the origin's website endpoint, `page.s3-website-us-east-1.localhost`) that
 * fetch()es a JSON file and loads a web font (@font-face) from another bucket THROUGH THE EDGE
 * (`localhost:<edge port>`, a different origin). Both load because of that bucket's CORS rules,
 * and both fail once the rules are deleted. The edge's behavior forwards Origin and the
 * Access-Control-Request-* headers as CloudFront's managed CORS-S3Origin policy does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { DeleteBucketCorsCommand, PutBucketCorsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startEdge, type RunningEdge } from '@bucketfront/edge';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { hasChromium, missingPrerequisite } from '@bucketfront/test-support';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, executableOnPath } from './browser.js';
import { createPublicWebsiteBucket } from './cors-fixtures.js';

const FONT_FILE = '/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf';

/** The web font the page loads (Debian's fonts-liberation, which chromium pulls in): loud when missing, a failure under CI. */
function hasFont(): boolean {
  if (existsSync(FONT_FILE)) return true;
  missingPrerequisite(`the font ${FONT_FILE} is missing`, 'Install it with: apt-get install -y fonts-liberation');
  return false;
}

describe.skipIf(!hasChromium() || !hasFont())('CORS in a real browser, through the edge', () => {
  let origin: TestOrigin;
  let edge: RunningEdge;
  let browser: Browser;
  let pageUrl: string;
  let pageOrigin: string;

  beforeAll(async () => {
    origin = await startTestOrigin({ websitePort: true });
    const webPort = new URL(origin.websiteUrl!).port;
    edge = await startEdge({
      workers: 1,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      config: {
        pop: 'TST1-C1',
        distributions: [
          {
            id: 'ECORS',
            aliases: [],
            origins: [{ id: 'assets', url: origin.websiteUrl!, hostHeader: 'assets.s3-website-us-east-1.localhost', connectionAttempts: 1 }],
            defaultCacheBehavior: {
              targetOriginId: 'assets',
              allowedMethods: ['GET', 'HEAD', 'OPTIONS'],
              cachedMethods: ['GET', 'HEAD', 'OPTIONS'],
              // What the managed CORS-S3Origin origin request policy forwards, keyed as the managed CachingOptimized-with-CORS setups do.
              cacheKey: { headers: { behavior: 'whitelist', items: ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers'] } },
            },
          },
        ],
      },
    });
    const s3 = origin.s3;
    await createPublicWebsiteBucket(s3, 'assets');
    await createPublicWebsiteBucket(s3, 'page');
    // no-store: the edge keeps no copy, so the second test sees the rules' removal at once.
    await s3.send(new PutObjectCommand({ Bucket: 'assets', Key: 'data.json', Body: '{"hello":"cors"}', ContentType: 'application/json', CacheControl: 'no-store' }));
    await s3.send(new PutObjectCommand({ Bucket: 'assets', Key: 'font.ttf', Body: readFileSync(FONT_FILE), ContentType: 'font/ttf', CacheControl: 'no-store' }));
    const edgeUrl = `http://localhost:${new URL(edge.url).port}`;
    pageOrigin = `http://page.s3-website-us-east-1.localhost:${webPort}`;
    pageUrl = `${pageOrigin}/index.html`;
    const html = `<!doctype html><html><head><style>@font-face { font-family: "Remote"; src: url("${edgeUrl}/font.ttf") format("truetype"); } p { font-family: "Remote", serif; }</style></head>
<body><p id="t">text in the remote font</p><script>window.edgeUrl = ${JSON.stringify(edgeUrl)};</script></body></html>`;
    await s3.send(new PutObjectCommand({ Bucket: 'page', Key: 'index.html', Body: html, ContentType: 'text/html' }));
    browser = await chromium.launch({ executablePath: executableOnPath('chromium'), args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await edge?.close();
    await origin?.stop();
  });

  /** Opens the page in a fresh context; the JSON fetch's outcome and the font's status. */
  async function visit(): Promise<{ json: string; font: string }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const response = await page.goto(pageUrl, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      return await page.evaluate(async () => {
        const edgeUrl = (window as unknown as { edgeUrl: string }).edgeUrl;
        let json: string;
        try {
          // A non-simple header makes the browser send a preflight OPTIONS first.
          const res = await fetch(`${edgeUrl}/data.json`, { headers: { 'x-requested-with': 'fetch' } });
          json = JSON.stringify(await res.json());
        } catch (err) {
          json = `rejected: ${String(err)}`;
        }
        await document.fonts.load('16px "Remote"').catch(() => undefined);
        await document.fonts.ready;
        let font = 'missing';
        document.fonts.forEach((face) => {
          if (face.family.replace(/"/g, '') === 'Remote') font = face.status;
        });
        return { json, font };
      });
    } finally {
      await context.close();
    }
  }

  it('loads the JSON and the font when the bucket allows the page origin', async () => {
    await origin.s3.send(
      new PutBucketCorsCommand({
        Bucket: 'assets',
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: [pageOrigin], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['x-requested-with'], MaxAgeSeconds: 0 }] },
      }),
    );
    expect(await visit()).toEqual({ json: '{"hello":"cors"}', font: 'loaded' });
  });

  it('fails both without the rules', async () => {
    await origin.s3.send(new DeleteBucketCorsCommand({ Bucket: 'assets' }));
    const result = await visit();
    expect(result.json).toMatch(/^rejected: TypeError/);
    expect(result.font).toBe('error');
  });
});
