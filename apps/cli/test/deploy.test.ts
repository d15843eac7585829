/**
 * `deploy` end to end: origin (S3 API + website port) → edge distribution whose origin is
 * the website endpoint. A deploy invalidates exactly the changed paths; the edge then
 * serves the new content while unchanged objects stay cached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { request } from 'undici';
import type { TempDir } from '@bucketfront/test-support';
import type { TestOrigin } from '@bucketfront/origin/testing';
import { parseSummary, runCli, startCliTestbed, startSiteEdge, type StartedEdge, writeTree } from './helpers.js';

let origin: TestOrigin;
let edge: StartedEdge;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
let site: string;
const DIST = 'EDEPLOYTEST1';

const get = async (path: string) => {
  const res = await request(`${edge.url}${path}`);
  return { status: res.statusCode, body: await res.body.text(), xcache: String(res.headers['x-cache'] ?? '') };
};

const deploy = async (...extra: string[]) => {
  const r = await runCli(
    ['deploy', site, 's3://site', '--distribution', DIST, '--edge-endpoint-url', edge.controlUrl, '--endpoint-url', origin.url, '--acl', 'public-read', '--delete', '--json', ...extra],
    env,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseSummary(r.stdout);
};

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-deploy-', { websitePort: true }));
  site = join(tmp.path, 'site');
  await writeTree(site, { 'index.html': 'home v1', 'a.html': 'a v1', 'b.html': 'b v1', 'docs/index.html': 'docs v1' });
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'site' }));
  const web = await runCli(['website', 's3://site', '--index-document', 'index.html', '--endpoint-url', origin.url], env);
  expect(web.code).toBe(0);
  edge = await startSiteEdge(origin, DIST);
});

afterAll(async () => {
  await edge?.close();
  await origin?.stop();
  await tmp?.cleanup();
});

describe('deploy', () => {
  it('first deploy uploads and invalidates everything it changed', async () => {
    const s = await deploy();
    expect(s.uploaded.sort()).toEqual(['a.html', 'b.html', 'docs/index.html', 'index.html']);
    expect(s.invalidation?.paths).toEqual(['/', '/a.html', '/b.html', '/docs', '/docs/', '/docs/index.html', '/index.html']);
    expect(s.invalidation?.id).toBeTruthy();
  });

  it('the edge caches the site', async () => {
    for (const p of ['/', '/a.html', '/b.html', '/docs/']) await get(p);
    expect(await get('/b.html')).toMatchObject({ status: 200, body: 'b v1', xcache: expect.stringMatching(/^Hit/) });
    expect(await get('/a.html')).toMatchObject({ body: 'a v1', xcache: expect.stringMatching(/^Hit/) });
  });

  it('a change invalidates exactly the changed paths; the edge serves the new content', async () => {
    await writeFile(join(site, 'a.html'), 'a v2');
    await writeFile(join(site, 'index.html'), 'home v2');
    const s = await deploy('--wait');
    expect(s.uploaded.sort()).toEqual(['a.html', 'index.html']);
    expect(s.invalidation?.paths).toEqual(['/', '/a.html', '/index.html']);
    expect(s.invalidation?.status).toBe('Completed');
    expect(await get('/a.html')).toMatchObject({ status: 200, body: 'a v2' });
    expect(await get('/')).toMatchObject({ status: 200, body: 'home v2' });
    // Not invalidated: still served from the cache.
    expect(await get('/b.html')).toMatchObject({ body: 'b v1', xcache: expect.stringMatching(/^Hit/) });
  });

  it('a deleted file is invalidated too', async () => {
    const { rm } = await import('node:fs/promises');
    await rm(join(site, 'b.html'));
    const s = await deploy('--wait');
    expect(s.deleted).toEqual(['b.html']);
    expect(s.invalidation?.paths).toEqual(['/b.html']);
    // S3 answers 403 for a missing key when anonymous users may not list the bucket.
    const gone = await get('/b.html');
    expect([403, 404]).toContain(gone.status);
    expect(gone.body).not.toContain('b v1');
  });

  it('keys with spaces and non-ASCII are invalidated percent-encoded, as viewers request them', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(site, 'a b'), { recursive: true });
    await writeFile(join(site, 'a b', 'ü.html'), 'umlaut v1');
    await deploy('--wait');
    expect(await get('/a%20b/%C3%BC.html')).toMatchObject({ status: 200, body: 'umlaut v1' });
    expect((await get('/a%20b/%C3%BC.html')).xcache).toMatch(/^Hit/);
    await writeFile(join(site, 'a b', 'ü.html'), 'umlaut v2');
    const s = await deploy('--wait');
    expect(s.invalidation?.paths).toEqual(['/a%20b/%C3%BC.html']);
    expect(await get('/a%20b/%C3%BC.html')).toMatchObject({ status: 200, body: 'umlaut v2' });
  });

  it('nothing changed: no invalidation', async () => {
    const s = await deploy();
    expect(s.uploaded).toEqual([]);
    expect(s.invalidation).toBeNull();
  });

  it('invalidate --wait prints the id and Completed', async () => {
    const r = await runCli(['invalidate', '--distribution', DIST, '/a.html', '/docs/*', '--endpoint-url', edge.controlUrl, '--wait'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^invalidation \S+: (InProgress|Completed)\n/);
    expect(r.stdout).toMatch(/invalidation \S+: Completed\n$/);
  });

  it('invalidate on an unknown distribution: exit 1 naming the error', async () => {
    const r = await runCli(['invalidate', '--distribution', 'ENOPE', '/a.html', '--endpoint-url', edge.controlUrl], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NoSuchDistribution/);
  });
});
