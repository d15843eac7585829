import { spawnSync } from 'node:child_process';

const cache = new Map<string, boolean>();

/** True when `command` runs (e.g. `aws --version`). Cached per process. */
export function hasTool(command: string, versionArgs: string[] = ['--version']): boolean {
  const known = cache.get(command);
  if (known !== undefined) return known;
  const result = spawnSync(command, versionArgs, { stdio: 'ignore', timeout: 20_000 });
  const ok = result.status === 0;
  cache.set(command, ok);
  return ok;
}

/**
 * For `describe.skipIf(!requireTool(...))`: returns whether the tool exists and,
 * when it does not, prints a loud message naming what to install.
 */
export function requireTool(command: string, installHint: string): boolean {
  const ok = hasTool(command);
  if (!ok) {
    const line = '!'.repeat(78);
    console.warn(`\n${line}\n!! SKIPPING: '${command}' is not installed. Install it with: ${installHint}\n${line}\n`);
  }
  return ok;
}

export const hasAwsCli = (): boolean => requireTool('aws', 'apt-get install -y awscli');
export const hasChromium = (): boolean => requireTool('chromium', 'apt-get install -y chromium');
