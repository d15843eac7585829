/**
 * `bucketfront dev`, the real command: the CLI as a child process with every port 0 and
 * --data in a temp dir. It is driven the way a user does: read the printed URLs and
 * credentials, browse through the edge and the origin's website hosts, deploy one's own
 * page, Ctrl-C (SIGINT), start again on the same data.
 *
 * Exit status on SIGINT/SIGTERM: 0 after a clean stop (1 if stopping failed), as for
 * `origin` and `edge` — the stop was asked for, so a shell or `npm start` reports no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasAwsCli, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { defaultDemoSiteDir } from '../src/dev/run-dev.js';
import { runCli, spawnCli, writeTree } from './helpers.js';

interface DevRun {
  proc: ChildProcess;
  stdout: string;
  stderr: () => string;
  edgeUrl: string;
  dash: string;
  dot: string;
  s3Url: string;
  controlUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  uploaded: number;
  demoLine: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let tmp: TempDir;
let dataDir: string;
let env: NodeJS.ProcessEnv;
const running = new Set<ChildProcess>();

/** The environment of a user with no AWS or bucketfront credentials set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, BUCKETFRONT_CACHE_DIR: join(tmp.path, 'cache') };
  for (const name of Object.keys(e)) if (name.startsWith('AWS_') || name.startsWith('BUCKETFRONT_ACCESS') || name.startsWith('BUCKETFRONT_SECRET')) delete e[name];
  return e;
}

function field(stdout: string, re: RegExp): string {
  const m = re.exec(stdout);
  if (!m) throw new Error(`not in the dev banner: ${re}\n${stdout}`);
  return m[1]!;
}

/** Starts `bucketfront dev` and resolves once it printed its banner. */
function startDev(data = dataDir): Promise<DevRun> {
  const proc = spawnCli(['dev', '--data', data, '--port', '0', '--website-port', '0', '--edge-port', '0', '--control-port', '0'], env, tmp.path);
  running.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not start:\n${stdout}\n${stderr}`)), 60_000);
    void exited.then(({ code }) => reject(new Error(`dev exited with ${code} before starting:\n${stdout}\n${stderr}`)));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!stdout.includes('Press Ctrl-C to stop.')) return;
      clearTimeout(timer);
      try {
        resolve({
          proc,
          stdout,
          stderr: () => stderr,
          edgeUrl: field(stdout, /Site through the edge:\s+(http:\/\/\S+?)\/?$/m),
          dash: field(stdout, /Origin website endpoint:\s+(http:\/\/demo\.s3-website-\S+)$/m),
          dot: field(stdout, /^\s+(http:\/\/demo\.s3-website\.\S+)$/m),
          s3Url: field(stdout, /S3 API:\s+(http:\/\/\S+)$/m),
          controlUrl: field(stdout, /Edge control API:\s+(http:\/\/\S+)/m),
          credentials: {
            accessKeyId: field(stdout, /AWS_ACCESS_KEY_ID=(\S+)/),
            secretAccessKey: field(stdout, /AWS_SECRET_ACCESS_KEY=(\S+)/),
          },
          uploaded: Number(field(stdout, /Demo files uploaded this start: (\d+)\./)),
          demoLine: field(stdout, /Demo site: (.*)$/m),
          exited,
        });
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

interface Answer {
  status: number;
  location?: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** GET with plain node:http; `host` overrides the Host header (website endpoints by name). */
function get(url: string, host?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: host ? { host } : {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body, headers: res.headers }));
    });
    req.on('error', reject);
  });
}

/** Stops `dev` as Ctrl-C does and returns how it exited. */
async function interrupt(run: DevRun) {
  run.proc.kill('SIGINT');
  return run.exited;
}

async function demoFileCount(): Promise<number> {
  return (await readdir(defaultDemoSiteDir(), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
}

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-dev-');
  dataDir = join(tmp.path, 'data');
  env = cleanEnv();
});

afterAll(async () => {
  for (const proc of running) proc.kill('SIGKILL');
  await tmp?.cleanup();
});

describe('bucketfront dev (the real command)', () => {
  let first: DevRun;
  let demoFiles: number;

  it('a first start creates the demo bucket, seeds the demo site and prints URLs and credentials', async () => {
    first = await startDev();
    demoFiles = await demoFileCount();
    expect(first.uploaded).toBe(demoFiles);
    expect(first.demoLine).toBe(`created s3://demo; uploaded the demo site (${demoFiles} files), its website configuration and public-read policy.`);
    expect(first.credentials.accessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
    for (const url of [first.edgeUrl, first.s3Url, first.controlUrl]) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('the edge serves the demo index, the custom 404 page, the folder redirect and the routing-rule redirect', async () => {
    const index = await get(`${first.edgeUrl}/`);
    expect(index.status).toBe(200);
    expect(index.body).toBe(await readFile(join(defaultDemoSiteDir(), 'index.html'), 'utf8'));
    // The demo distribution's viewer-response function (examples/functions/security-headers.js).
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");

    const missing = await get(`${first.edgeUrl}/no-such-page.html`);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe(await readFile(join(defaultDemoSiteDir(), '404.html'), 'utf8'));

    const folder = await get(`${first.edgeUrl}/docs`);
    expect(folder.status).toBe(302);
    expect(folder.location).toMatch(/^(http:\/\/[^/]+)?\/docs\/$/);
    const docs = await get(`${first.edgeUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('<h1 id="title">Documentation</h1>');

    const old = await get(`${first.edgeUrl}/old-blog/hello.html`);
    expect(old.status).toBe(301);
    expect(old.location).toBe(`${first.edgeUrl}/blog/hello.html`);
    expect((await get(old.location!)).body).toContain('<h1 id="title">Hello, blog</h1>');
  });

  it('the origin website endpoint answers by name in dash and dot form', async () => {
    for (const endpoint of [first.dash, first.dot]) {
      const url = new URL(endpoint);
      expect(url.hostname).toMatch(/^demo\.s3-website[-.]us-east-1\.localhost$/);
      const viaName = (path: string) => get(`http://127.0.0.1:${url.port}${path}`, url.host);
      const index = await viaName('/');
      expect(index.status, endpoint).toBe(200);
      expect(index.body).toContain('<h1 id="title">Hello from bucketfront</h1>');
      const missing = await viaName('/no-such-page.html');
      expect(missing.status, endpoint).toBe(404);
      expect(missing.body).toContain('404: this page does not exist');
    }
  });

  it.skipIf(!hasAwsCli())('aws cloudfront create-distribution --origin-domain-name demo.s3-website-us-east-1.localhost: served through the edge by its DomainName', async () => {
    const created = await runAws(['cloudfront', 'create-distribution', '--origin-domain-name', 'demo.s3-website-us-east-1.localhost', '--default-root-object', 'index.html', '--output', 'json'], {
      endpointUrl: first.controlUrl,
      credentials: first.credentials,
    });
    expect(created.code, created.stderr).toBe(0);
    const { Id, DomainName } = JSON.parse(created.stdout).Distribution as { Id: string; DomainName: string };
    expect(DomainName).toBe(`${Id.toLowerCase()}.bucketfront.localhost`);
    const index = await get(`${first.edgeUrl}/`, DomainName);
    expect(index.status).toBe(200);
    expect(index.body).toBe(await readFile(join(defaultDemoSiteDir(), 'index.html'), 'utf8'));
    // The demo distribution's function is not associated with this one.
    expect(index.headers['content-security-policy']).toBeUndefined();
  });

  it('the demo distribution reads cache tags from x-amz-meta-cache-tag and keeps its cache in <data>/edge-cache: deploy --invalidate-tags works', async () => {
    expect(first.stdout).toContain(`Edge cache:                ${join(dataDir, 'edge-cache')}\n`);
    const { CloudFrontClient, GetDistributionConfigCommand } = await import('@aws-sdk/client-cloudfront');
    // A copy: the SDK marks the credentials object it is given ($source).
    const cf = new CloudFrontClient({ endpoint: first.controlUrl, region: 'us-east-1', credentials: { ...first.credentials }, maxAttempts: 1 });
    try {
      const cfg = await cf.send(new GetDistributionConfigCommand({ Id: 'EDEMO0000000001' }));
      expect(cfg.DistributionConfig?.CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
    } finally {
      cf.destroy();
    }
    await writeTree(join(tmp.path, 'tagged'), { 'tagged.html': '<p>tagged</p>' });
    const userEnv = { ...env, AWS_ACCESS_KEY_ID: first.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: first.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
    const deploy = await runCli(
      [
        'deploy',
        join(tmp.path, 'tagged'),
        's3://demo',
        '--distribution',
        'EDEMO0000000001',
        '--cache-tag',
        '**=release-1',
        '--invalidate-tags',
        '--endpoint-url',
        first.s3Url,
        '--edge-endpoint-url',
        first.controlUrl,
        '--json',
      ],
      userEnv,
    );
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(JSON.parse(deploy.stdout.trim().split('\n').pop()!).invalidation.paths).toEqual(['#release-1']);
    // The later tests count the demo's objects.
    expect((await runCli(['rm', 's3://demo/tagged.html', '--endpoint-url', first.s3Url], userEnv)).code).toBe(0);
  });

  it('Ctrl-C (SIGINT) stops everything cleanly: exit code 0, the ports closed', async () => {
    // The user's own deploy to s3://demo with the printed credentials, before stopping.
    await writeTree(join(tmp.path, 'mine'), { 'index.html': '<h1>my own site</h1>' });
    const userEnv = { ...env, AWS_ACCESS_KEY_ID: first.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: first.credentials.secretAccessKey, AWS_REGION: 'us-east-1' };
    const deploy = await runCli(['sync', join(tmp.path, 'mine'), 's3://demo', '--endpoint-url', first.s3Url], userEnv);
    expect(deploy.code, deploy.stderr).toBe(0);
    // The edge's cache outlives dev (data dir): as with CloudFront, a changed object is served
    // from the edge only after an invalidation (which the next start must still honour).
    const inv = await runCli(['invalidate', '/', '/index.html', '--distribution', 'EDEMO0000000001', '--wait', '--endpoint-url', first.controlUrl], userEnv);
    expect(inv.code, inv.stderr).toBe(0);

    const { code, signal } = await interrupt(first);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first.stderr()).toContain('SIGINT: stopping bucketfront dev');
    await expect(get(`${first.edgeUrl}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(get(`${first.s3Url}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it("a second start on the same data: same credentials, 0 demo files uploaded, the user's page kept", async () => {
    const second = await startDev();
    try {
      expect(second.credentials).toEqual(first.credentials);
      expect(second.uploaded).toBe(0);
      expect(second.demoLine).toMatch(new RegExp(`^s3://demo already has ${demoFiles} objects: left as is, nothing uploaded`));
      const index = await get(`${second.edgeUrl}/`);
      expect(index.status).toBe(200);
      expect(index.body).toBe('<h1>my own site</h1>');
      // The demo's routing rule still lands on this start's edge (its port is new).
      expect((await get(`${second.edgeUrl}/old-blog/hello.html`)).location).toBe(`${second.edgeUrl}/blog/hello.html`);

      // Emptying the bucket is how a user gets the demo back on the next start.
      const userEnv = { ...env, AWS_ACCESS_KEY_ID: second.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: second.credentials.secretAccessKey };
      const rm = await runCli(['rm', 's3://demo', '--recursive', '--endpoint-url', second.s3Url], userEnv);
      expect(rm.code, rm.stderr).toBe(0);
    } finally {
      expect(await interrupt(second)).toEqual({ code: 0, signal: null });
    }
  });

  it('a first start that fails after seeding (edge port taken) leaves a working demo for the next start', async () => {
    const data = join(tmp.path, 'data-port-taken');
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const failed = spawnCli(['dev', '--data', data, '--port', '0', '--website-port', '0', '--edge-port', String(taken), '--control-port', '0'], env, tmp.path);
      running.add(failed);
      const code = await new Promise<number | null>((resolve) => failed.on('exit', (c) => resolve(c)));
      running.delete(failed);
      expect(code).not.toBe(0);
    } finally {
      blocker.close();
    }
    const next = await startDev(data);
    try {
      expect(next.demoLine).toMatch(/^s3:\/\/demo already has \d+ objects: left as is/);
      const index = await get(`${next.edgeUrl}/`);
      expect(index.status).toBe(200);
      expect(index.body).toContain('<h1 id="title">Hello from bucketfront</h1>');
      expect((await get(`${next.edgeUrl}/no-such-page.html`)).status).toBe(404);
    } finally {
      expect(await interrupt(next)).toEqual({ code: 0, signal: null });
    }
  });

  it('a start that finds the demo bucket empty seeds it again', async () => {
    const third = await startDev();
    try {
      expect(third.uploaded).toBe(demoFiles);
      expect(third.demoLine).toMatch(/^s3:\/\/demo was empty; uploaded the demo site/);
      expect((await get(`${third.edgeUrl}/`)).body).toContain('<h1 id="title">Hello from bucketfront</h1>');
    } finally {
      expect(await interrupt(third)).toEqual({ code: 0, signal: null });
    }
  });
});
