/** `bucketfront origin` and `bucketfront edge` as child processes: banner, credentials, serving, graceful SIGTERM. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { makeTempDir, startCountingOrigin, type TempDir } from '@bucketfront/test-support';
import { cliEnv, runCli, spawnCli } from './helpers.js';

let tmp: TempDir;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-cli-servers-');
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await tmp?.cleanup();
});

/** Starts the CLI and resolves once stderr matches every pattern; returns the matches. */
function startServer(args: string[], env: NodeJS.ProcessEnv, patterns: RegExp[], cwd?: string): Promise<{ child: ChildProcess; matches: RegExpExecArray[]; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env, cwd);
    children.push(child);
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    child.stdout!.resume();
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const matches = patterns.map((p) => p.exec(stderr));
      if (matches.every((m) => m !== null)) {
        clearTimeout(timer);
        resolve({ child, matches: matches as RegExpExecArray[], stderr: () => stderr });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
}

/** `bucketfront edge` arguments: `config`, ports picked by the system, one worker, then `extra`. */
const edgeArgs = (config: string, ...extra: string[]) => ['edge', '--config', config, '--port', '0', '--control-port', '0', '--workers', '1', ...extra];

/** Stops a server with SIGTERM and expects it to exit with code 0. */
async function expectCleanExitOnSigterm(child: ChildProcess): Promise<void> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}

describe('bucketfront origin', () => {
  it('prints its URL and generated credentials once, serves S3, stops on SIGTERM', async () => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('BUCKETFRONT_')) delete env[k];
    const { child, matches } = await startServer(['origin', '--port', '0', '--data', join(tmp.path, 'data'), '--no-access-log'], env, [
      /S3 API:\s+(http:\/\/127\.0\.0\.1:\d+)/,
      /AWS_ACCESS_KEY_ID=(\S+)/,
      /AWS_SECRET_ACCESS_KEY=(\S+)/,
    ]);
    const url = matches[0]![1]!;
    const credentials = { accessKeyId: matches[1]![1]!, secretAccessKey: matches[2]![1]! };
    const clientEnv = cliEnv({ credentials, cacheDir: join(tmp.path, 'cache') });
    expect((await runCli(['mb', 's3://served', '--endpoint-url', url], clientEnv)).code).toBe(0);
    expect((await runCli(['ls', '--endpoint-url', url], clientEnv)).stdout).toMatch(/ served\n/);
    await expectCleanExitOnSigterm(child);
  });

  it('--data defaults to ./data; --spa-fallback lets `website --spa-fallback` through (refused as on AWS without it)', async () => {
    const env = { ...process.env, BUCKETFRONT_ACCESS_KEY_ID: 'AKIDSERVERS0000TEST', BUCKETFRONT_SECRET_ACCESS_KEY: 'servers-test-secret' };
    const credentials = { accessKeyId: env.BUCKETFRONT_ACCESS_KEY_ID, secretAccessKey: env.BUCKETFRONT_SECRET_ACCESS_KEY };
    const clientEnv = cliEnv({ credentials, cacheDir: join(tmp.path, 'cache') });
    const cwd = join(tmp.path, 'cwd');
    await mkdir(cwd, { recursive: true });
    const spaArgs = ['website', 's3://spa', '--index-document', 'index.html', '--spa-fallback', 'index.html'];
    for (const withFlag of [false, true]) {
      const args = ['origin', '--port', '0', '--no-access-log', ...(withFlag ? ['--spa-fallback'] : [])];
      const { child, matches } = await startServer(args, env, [/S3 API:\s+(http:\/\/127\.0\.0\.1:\d+)/], cwd);
      const url = matches[0]![1]!;
      if (!withFlag) expect((await runCli(['mb', 's3://spa', '--endpoint-url', url], clientEnv)).code).toBe(0);
      const r = await runCli([...spaArgs, '--endpoint-url', url], clientEnv);
      if (withFlag) expect(r.code, r.stderr).toBe(0);
      else {
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('The provided HTTP redirect code (200) is not valid');
        // …and names the flag this very command turns it on with (the second run).
        expect(r.stderr).toContain('`bucketfront origin --spa-fallback`');
        expect(r.code).toBe(1);
      }
      await expectCleanExitOnSigterm(child);
    }
    // Both runs used ./data under the working directory (the bucket made in the first is still there).
    expect((await stat(join(cwd, 'data'))).isDirectory()).toBe(true);
  });
});

describe('bucketfront edge', () => {
  it('prints viewer and control URLs, proxies to its origin, stops on SIGTERM', async () => {
    // The origin of this distribution is a tiny local HTTP server.
    const upstream = await startCountingOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
      res.end('from upstream');
    });
    const config = join(tmp.path, 'edge.json');
    await writeFile(config, JSON.stringify({ distributions: [{ id: 'ECLITEST', origins: [{ id: 'up', url: upstream.url }] }] }));
    try {
      const { child, matches } = await startServer(edgeArgs(config, '--cache-dir', join(tmp.path, 'edge-cache')), process.env, [/viewers: (http:\/\/\S+)/, /control: (http:\/\/\S+)/]);
      const res = await request(`${matches[0]![1]!}/hello.txt`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.text()).toBe('from upstream');
      await expectCleanExitOnSigterm(child);
    } finally {
      await upstream.close();
    }
  });

  it('without credentials: prints a generated control-API pair once, which signs invalidations; YAML config', async () => {
    let version = 1;
    const upstream = await startCountingOrigin((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=600' });
      res.end(`v${version}`);
    });
    const config = join(tmp.path, 'edge-generated.yaml');
    await writeFile(config, `distributions:\n  - id: EGENCREDS\n    origins:\n      - id: up\n        url: ${upstream.url}\n`);
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('BUCKETFRONT_')) delete env[k];
    try {
      const { child, matches, stderr } = await startServer(edgeArgs(config, '--cache-dir', join(tmp.path, 'edge-cache')), env, [
        /viewers: (http:\/\/\S+)/,
        /control: (http:\/\/\S+)/,
        /AWS_ACCESS_KEY_ID=(\S+)/,
        /AWS_SECRET_ACCESS_KEY=(\S+)/,
        /BUCKETFRONT_ACCESS_KEY_ID and\s+BUCKETFRONT_SECRET_ACCESS_KEY set to the origin's credentials/,
      ]);
      const [viewers, control] = [matches[0]![1]!, matches[1]![1]!];
      const credentials = { accessKeyId: matches[2]![1]!, secretAccessKey: matches[3]![1]! };
      expect(stderr().split(credentials.secretAccessKey).length - 1).toBe(1); // shown once
      expect(await (await request(`${viewers}/p.txt`)).body.text()).toBe('v1');
      version = 2;
      // The printed pair works with a real client: `bucketfront invalidate` (AWS SDK, SigV4).
      const ok = await runCli(['invalidate', '--distribution', 'EGENCREDS', '/p.txt', '--endpoint-url', control, '--wait'], cliEnv({ credentials, cacheDir: join(tmp.path, 'cache') }));
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/invalidation \S+: Completed\n$/);
      expect(await (await request(`${viewers}/p.txt`)).body.text()).toBe('v2');
      const wrong = await runCli(
        ['invalidate', '--distribution', 'EGENCREDS', '/p.txt', '--endpoint-url', control],
        cliEnv({ credentials: { ...credentials, secretAccessKey: 'not-the-secret' }, cacheDir: join(tmp.path, 'cache') }),
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/SignatureDoesNotMatch|AccessDenied|InvalidClientTokenId/);
      await expectCleanExitOnSigterm(child);
    } finally {
      await upstream.close();
    }
  });

  it("with BUCKETFRONT_ACCESS_KEY_ID/SECRET set (the origin's pair): nothing generated or printed; that pair signs", async () => {
    const config = join(tmp.path, 'edge-env.json');
    await writeFile(config, JSON.stringify({ distributions: [{ id: 'EENVCREDS', origins: [{ id: 'up', url: 'http://127.0.0.1:9' }] }] }));
    const credentials = { accessKeyId: 'AKIASHAREDPAIR000001', secretAccessKey: 'shared-secret-of-the-origin' };
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_') || k.startsWith('BUCKETFRONT_')) delete env[k];
    Object.assign(env, { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey });
    const { child, matches, stderr } = await startServer(edgeArgs(config, '--cache-dir', join(tmp.path, 'edge-cache')), env, [/control: (http:\/\/\S+)/]);
    const ok = await runCli(['invalidate', '--distribution', 'EENVCREDS', '/x', '--endpoint-url', matches[0]![1]!], cliEnv({ credentials, cacheDir: join(tmp.path, 'cache') }));
    expect(ok.code, ok.stderr).toBe(0);
    expect(stderr()).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|generated/);
    await expectCleanExitOnSigterm(child);
  });

  it("prints where the cache lives: $XDG_CACHE_HOME/bucketfront/edge by default, --cache-dir overrides, the config's cache.diskPath is kept, false = memory only", async () => {
    const config = join(tmp.path, 'edge-cache-dir.json');
    const distributions = [{ id: 'ECACHEDIR', origins: [{ id: 'up', url: 'http://127.0.0.1:9' }] }];
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(tmp.path, 'xdg'), BUCKETFRONT_ACCESS_KEY_ID: 'AKIACACHEDIRTEST0001', BUCKETFRONT_SECRET_ACCESS_KEY: 'cache-dir-test-secret' };
    delete env.BUCKETFRONT_CACHE_DIR;
    const cacheLine = async (args: string[], body: Record<string, unknown> = { distributions }) => {
      await writeFile(config, JSON.stringify(body));
      const { child, matches } = await startServer(edgeArgs(config, ...args), env, [/control: (http\S+)/, /cache: +(.+)\n/]);
      // An answer from the control API: the banner is done and the SIGTERM handler installed.
      expect((await request(`${matches[0]![1]!}/health`)).statusCode).toBe(200);
      await expectCleanExitOnSigterm(child);
      return matches[1]![1];
    };
    expect(await cacheLine([])).toBe(join(tmp.path, 'xdg', 'bucketfront', 'edge'));
    expect(await cacheLine(['--cache-dir', join(tmp.path, 'flag-cache')])).toBe(join(tmp.path, 'flag-cache'));
    expect(await cacheLine([], { cache: { diskPath: join(tmp.path, 'config-cache') }, distributions })).toBe(join(tmp.path, 'config-cache'));
    expect(await cacheLine([], { cache: { diskPath: false }, distributions })).toBe('memory only (cache.diskPath: false)');
  });

  it('a bad config file: exit 1 with one line', async () => {
    const config = join(tmp.path, 'bad.json');
    await writeFile(config, '{"distributions": []}');
    const r = await runCli(['edge', '--config', config, '--port', '0', '--control-port', '0'], process.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bucketfront: invalid edge configuration/);
    expect(r.stderr).toMatch(/distributions/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
