/**
 * The bucketfront CLI as a child process for the system scripts (soak.ts, replication-soak.ts):
 * the built CLI when present (apps/cli/dist), else the sources through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export function cliCommand(): string[] {
  const built = join(repoRoot, 'apps/cli/dist/bin.js');
  return existsSync(built) ? [built] : ['--conditions=source', '--import', 'tsx', join(repoRoot, 'apps/cli/src/bin.ts')];
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Starts `bucketfront ARGS` with the origin credentials in its environment and resolves once its
 * stderr matches `ready` (60 s bound), with `env` added to this process's environment. `stderr()`
 * returns everything it printed so far.
 */
export async function startCli(args: string[], ready: RegExp, credentials: Credentials, env: Record<string, string> = {}): Promise<{ child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [...cliCommand(), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env, BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bucketfront ${args[0]} not ready in 60 s: ${stderr}`)), 60_000);
    const check = (): void => {
      if (!ready.test(stderr)) return;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      child.off('exit', onExit);
      resolve();
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`bucketfront ${args[0]} exited ${code}: ${stderr}`));
    };
    child.stderr!.on('data', check);
    child.once('exit', onExit);
  });
  return { child, stderr: () => stderr };
}

/** Sends `signal` and resolves when the process has exited. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
