/** Runs the CLI from sources as a child process, against real servers. */
// The SDK's Node 20 notice would clutter every test run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsEnv, makeTempDir, sourceNodeArgs, testEdgeOptions, type TempDir, type TestCredentials } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import type { Summary } from '../src/sync/report.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(REPO_ROOT, 'apps/cli/src/bin.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  credentials: TestCredentials;
  cacheDir: string;
}

export function cliEnv(env: CliEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...awsEnv(env.credentials), BUCKETFRONT_CACHE_DIR: env.cacheDir, ...extra };
}

export interface CliTestbed {
  origin: TestOrigin;
  tmp: TempDir;
  /** The CLI's environment: the origin's credentials, the hash cache in `tmp`. */
  env: NodeJS.ProcessEnv;
}

/** Starts a test origin (with `originOptions`) and makes a temp dir named `tempPrefix…` for a CLI suite. */
export async function startCliTestbed(tempPrefix: string, originOptions?: Parameters<typeof startTestOrigin>[0]): Promise<CliTestbed> {
  const origin = await startTestOrigin(originOptions);
  const tmp = await makeTempDir(tempPrefix);
  return { origin, tmp, env: cliEnv({ credentials: origin.credentials, cacheDir: join(tmp.path, 'cache') }) };
}

/**
 * The CLI from its sources, bounded: the run's bundle of them (@bucketfront/test-support
 * `sourceNodeArgs`), else `node --conditions=source --import tsx apps/cli/src/bin.ts …args`.
 * BUCKETFRONT_TEST_CLI=dist runs the built (bundled) CLI instead: `npm run build` first.
 */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT, stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const entry = process.env.BUCKETFRONT_TEST_CLI === 'dist' ? [join(REPO_ROOT, 'apps/cli/dist/bin.js')] : sourceNodeArgs(BIN);
  return spawn(process.execPath, [...entry, ...args], { env, cwd, stdio: [stdin, 'pipe', 'pipe'] });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, opts: { cwd?: string; timeoutMs?: number; input?: Buffer } = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, env, opts.cwd, opts.input ? 'pipe' : 'ignore');
    if (opts.input) child.stdin!.end(opts.input);
    const raw: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => raw.push(d));
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(raw);
      resolvePromise({ code, stdout: stdoutBytes.toString('utf8'), stderr, stdoutBytes });
    });
  });
}

/** Writes `files` (relative path → content) under `root`. */
export async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** Relative paths of every file under `root`, sorted. */
export async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

/** Keys named by `verb: … to s3://bucket/KEY` lines (with or without `(dryrun) `). */
export function keysFromLines(output: string, verb: string): string[] {
  const re = new RegExp(`^(?:\\(dryrun\\) )?${verb}: .* to s3://[^/]+/(.*)$`);
  return output
    .split('\n')
    .map((l) => re.exec(l)?.[1])
    .filter((k): k is string => k !== undefined)
    .sort();
}

/** The last line of `--json` output: the command's summary document. */
export function parseSummary(stdout: string): Summary {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Summary;
}

/** A running edge, as `startEdge` (@bucketfront/edge) returns it. */
export type StartedEdge = Awaited<ReturnType<typeof import('@bucketfront/edge').startEdge>>;

/** The edge's `startEdge`, imported when a suite first needs it. */
export async function loadStartEdge(): Promise<typeof import('@bucketfront/edge')['startEdge']> {
  return (await import('@bucketfront/edge')).startEdge;
}

/** An edge with one distribution `id` in front of `origin`'s website endpoint for bucket `site` (TTL 1 h: only invalidations refresh it). */
export async function startSiteEdge(origin: TestOrigin, id: string): Promise<StartedEdge> {
  const startEdge = await loadStartEdge();
  return startEdge({
    config: {
      distributions: [
        {
          id,
          origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: 'site' }],
          defaultCacheBehavior: { targetOriginId: 'web', minTTL: 0, defaultTTL: 3600, maxTTL: 86400 },
        },
      ],
    },
    ...testEdgeOptions(origin.credentials),
  });
}
