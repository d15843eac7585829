/**
 * The CloudFront Functions recipes shipped in examples/functions (docs/cloudfront-functions.md),
 * loaded from their files as a user's configuration would, through the edge.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../src/index.js';
import { edgeFor, get, oneDistribution, startTinyOrigin, TEST_EDGE_WORKERS, type Route, type TinyOrigin } from './helpers.js';
import { startEdge } from '../src/index.js';

const RECIPES = fileURLToPath(new URL('../../../examples/functions/', import.meta.url));

let origin: TinyOrigin | undefined;
let edge: RunningEdge | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await edge?.close();
  await origin?.close();
  edge = undefined;
  origin = undefined;
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** An origin holding `files` (path → body) like a website bucket: 404 for anything else. */
function site(files: Record<string, string>): Route {
  return (req, res) => {
    const path = req.url!.split('?')[0]!;
    const body = files[path];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/html', 'content-length': '9' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'max-age=60' });
    res.end(body);
  };
}

function recipe(originUrl: string, name: string, eventType: 'viewer-request' | 'viewer-response', extra: Record<string, unknown> = {}, fn: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...oneDistribution(originUrl, {}, { functionAssociations: [{ eventType, functionArn: name }] }),
    functions: [{ name, file: join(RECIPES, `${name}.js`), ...fn }],
    ...extra,
  };
}

async function body(url: string): Promise<[number, string]> {
  const r = await get(url);
  return [r.status, r.body.toString()];
}

describe('function recipes (examples/functions)', () => {
  it('clean-urls: /guide/intro → guide/intro.html, /guide/ → guide/index.html, files unchanged, a missing page 404', async () => {
    origin = await startTinyOrigin({ '*': site({ '/guide/intro.html': 'intro', '/guide/index.html': 'guide', '/index.html': 'home', '/app.js': 'js' }) });
    edge = await edgeFor(recipe(origin.url, 'clean-urls', 'viewer-request'));
    expect(await body(`${edge.url}/guide/intro`)).toEqual([200, 'intro']);
    expect(await body(`${edge.url}/guide/`)).toEqual([200, 'guide']);
    expect(await body(`${edge.url}/`)).toEqual([200, 'home']);
    expect(await body(`${edge.url}/app.js`)).toEqual([200, 'js']);
    expect((await body(`${edge.url}/guide/missing`))[0]).toBe(404);
  });

  it('directory-index: /guide/intro and /guide/intro/ → guide/intro/index.html', async () => {
    origin = await startTinyOrigin({ '*': site({ '/guide/intro/index.html': 'intro dir' }) });
    edge = await edgeFor(recipe(origin.url, 'directory-index', 'viewer-request'));
    expect(await body(`${edge.url}/guide/intro`)).toEqual([200, 'intro dir']);
    expect(await body(`${edge.url}/guide/intro/`)).toEqual([200, 'intro dir']);
  });

  it('spa-fallback: deep links are the app, assets are themselves, a missing asset stays 404', async () => {
    origin = await startTinyOrigin({ '*': site({ '/index.html': '<div id=root>', '/assets/app.js': 'app' }) });
    edge = await edgeFor(recipe(origin.url, 'spa-fallback', 'viewer-request'));
    for (const path of ['/users/42', '/settings/', '/']) expect(await body(`${edge.url}${path}`)).toEqual([200, '<div id=root>']);
    expect(await body(`${edge.url}/assets/app.js`)).toEqual([200, 'app']);
    expect((await body(`${edge.url}/assets/missing.js`))[0]).toBe(404);
    expect(origin.count('/index.html')).toBeLessThanOrEqual(TEST_EDGE_WORKERS); // one cached entry for every route
  });

  it("kvs-redirects: a map of 5,000 redirects from a file in CloudFront's import format; other paths go on", async () => {
    origin = await startTinyOrigin({ '*': site({ '/kept.html': 'kept' }) });
    const dir = await mkdtemp(join(tmpdir(), 'bf-kvs-'));
    dirs.push(dir);
    const file = join(dir, 'redirects.json');
    await writeFile(file, JSON.stringify({ data: Array.from({ length: 5000 }, (_, i) => ({ key: `/old/${i}.html`, value: `/new/${i}.html` })) }));
    edge = await edgeFor(recipe(origin.url, 'kvs-redirects', 'viewer-request', { keyValueStores: [{ name: 'redirects', file }] }, { keyValueStoreAssociations: ['redirects'] }));
    const r = await get(`${edge.url}/old/4321.html`);
    expect(r.status).toBe(301);
    expect(r.headers['location']).toBe('/new/4321.html');
    expect(await body(`${edge.url}/kept.html`)).toEqual([200, 'kept']);
  });

  it('security-headers on a page; the configuration names the file relative to itself', async () => {
    origin = await startTinyOrigin({ '*': site({ '/index.html': 'home' }) });
    const dir = await mkdtemp(join(tmpdir(), 'bf-fn-'));
    dirs.push(dir);
    await copyFile(join(RECIPES, 'security-headers.js'), join(dir, 'headers.js'));
    const config = recipe(origin.url, 'security-headers', 'viewer-response', {}, { file: 'headers.js' });
    await writeFile(join(dir, 'edge.json'), JSON.stringify({ ...config, distributions: [{ ...(config['distributions'] as object[])[0], defaultRootObject: 'index.html' }] }));
    edge = await startEdge({ config: join(dir, 'edge.json'), workers: TEST_EDGE_WORKERS, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
    const r = await get(`${edge.url}/`);
    expect(r.status).toBe(200);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['strict-transport-security']).toMatch(/^max-age=63072000/);
  });
});
