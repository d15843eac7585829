import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCredentials } from './temp.js';

let emptyConfigDir: string | undefined;

/**
 * Environment for the `aws` CLI that ignores the user's own config and
 * credentials files and uses exactly `credentials`.
 */
export function awsEnv(credentials: TestCredentials, region = 'us-east-1'): NodeJS.ProcessEnv {
  if (!emptyConfigDir) {
    emptyConfigDir = mkdtempSync(join(tmpdir(), 'bucketfront-awscfg-'));
    writeFileSync(join(emptyConfigDir, 'config'), '');
    writeFileSync(join(emptyConfigDir, 'credentials'), '');
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  return {
    ...env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: join(emptyConfigDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(emptyConfigDir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const executables = new Map<string, string>();

/**
 * What to spawn for `command`. Where it is a pyenv shim (`aws`, `python3` on a machine with pyenv:
 * a shell script that asks pyenv which version to run on every call, ~0.4 s each), the executable
 * the shim would run, found once per process.
 */
export function executableFor(command: string): string {
  const known = executables.get(command);
  if (known !== undefined) return known;
  let found = command;
  try {
    const onPath = execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' }).trim();
    if (onPath.includes('/.pyenv/shims/')) found = execFileSync('pyenv', ['which', command], { encoding: 'utf8' }).trim() || command;
  } catch {
    // Not on PATH, or pyenv cannot say: spawn `command` as given and let the spawn report it.
  }
  executables.set(command, found);
  return found;
}

/** Runs a command to completion (bounded by `timeoutMs`), capturing output (`command`: see executableFor). */
export function runCommand(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(executableFor(command), args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** `aws <args> --endpoint-url <endpointUrl>` with isolated credentials (`env`: added to the environment). */
export function runAws(
  args: string[],
  opts: { endpointUrl: string; credentials: TestCredentials; cwd?: string; timeoutMs?: number; region?: string; env?: Record<string, string> },
): Promise<CommandResult> {
  return runCommand('aws', [...args, '--endpoint-url', opts.endpointUrl], {
    env: { ...awsEnv(opts.credentials, opts.region), ...opts.env },
    cwd: opts.cwd,
    timeoutMs: opts.timeoutMs,
  });
}
