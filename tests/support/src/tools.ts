import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cache = new Map<string, boolean>();

/** True when `command` runs (e.g. `aws --version`). Cached per process. */
export function hasTool(command: string, versionArgs: string[] = ['--version']): boolean {
  const key = `${command}\0${versionArgs.join('\0')}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const result = spawnSync(command, versionArgs, { stdio: 'ignore', timeout: 20_000 });
  const ok = result.status === 0;
  cache.set(key, ok);
  return ok;
}

/**
 * True when the suite runs under CI: the `CI` environment variable is set
 * (`.ci/run` exports CI=true), except to an explicit `false`/`0`/empty.
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI'];
  if (value === undefined) return false;
  return !['', '0', 'false', 'no'].includes(value.trim().toLowerCase());
}

/** Thrown instead of skipping when a prerequisite is missing under CI. */
export class MissingPrerequisiteError extends Error {
  override name = 'MissingPrerequisiteError';
}

/**
 * A test prerequisite (a tool, a privilege) is missing. Locally: prints a
 * loud message naming what is missing and how to get it, and returns, so the
 * caller skips. Under CI (see `isCi`): throws, so the suite FAILS instead of
 * passing without running those tests.
 */
export function missingPrerequisite(what: string, howToFix: string, env: NodeJS.ProcessEnv = process.env): void {
  if (isCi(env)) {
    throw new MissingPrerequisiteError(`CI is set and ${what}; CI must not pass without these tests. ${howToFix}`);
  }
  skipLoudly(what, `${howToFix}\n!! (under CI=true this fails the suite instead)`);
}

/**
 * For what no script can install (kernel privileges such as CAP_SYS_ADMIN): a loud skip,
 * under CI too, naming exactly what is missing.
 */
export function skipLoudly(what: string, howToFix: string): void {
  const line = '!'.repeat(78);
  console.warn(`\n${line}\n!! SKIPPING: ${what}. ${howToFix}\n${line}\n`);
}

/**
 * For `describe.skipIf(!requireTool(...))`: returns whether the tool exists.
 * When it does not: locally prints a loud message naming what to install and
 * returns false (the caller skips); under CI it throws (the suite fails).
 */
export function requireTool(command: string, installHint: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const ok = hasTool(command);
  if (!ok) missingPrerequisite(`'${command}' is not installed`, `Install it with: ${installHint}`, env);
  return ok;
}

export const hasAwsCli = (): boolean => requireTool('aws', 'apt-get install -y awscli');
export const hasChromium = (): boolean => requireTool('chromium', 'apt-get install -y chromium');

/**
 * True when `python3` imports boto3 (botocore is the signer of several tests). When it does not:
 * locally a loud skip, under CI a failure (see `missingPrerequisite`).
 */
export function hasBoto3(env: NodeJS.ProcessEnv = process.env): boolean {
  const ok = hasTool('python3', ['-c', 'import boto3']);
  if (!ok) missingPrerequisite('python3 cannot import boto3', 'Install it with: apt-get install -y python3-boto3 (or pip install boto3)', env);
  return ok;
}

/** Where Debian's python3-awscrt installs the module (for the system python). */
const DEBIAN_DIST_PACKAGES = '/usr/lib/python3/dist-packages';
const HAS_CRT = ['-c', 'import sys, botocore.compat as c; sys.exit(0 if c.HAS_CRT else 1)'];
let crtEnv: Record<string, string> | null | undefined;

/**
 * What the `aws` CLI's environment needs so that botocore signs with SigV4A (the awscrt module;
 * `aws cloudfront-keyvaluestore` requires it): `{}` when its python already imports awscrt; when
 * Debian's python3-awscrt is installed for the system python but the CLI runs on another one (a
 * pyenv or venv python of the same version), PYTHONPATH to a directory holding only awscrt
 * (Debian's dist-packages as a whole would shadow the CLI's own modules); undefined otherwise.
 */
export function awsCrtEnv(): Record<string, string> | undefined {
  if (crtEnv !== undefined) return crtEnv ?? undefined;
  crtEnv = null;
  if (spawnSync('python3', HAS_CRT, { stdio: 'ignore', timeout: 20_000 }).status === 0) crtEnv = {};
  else if (existsSync(join(DEBIAN_DIST_PACKAGES, 'awscrt'))) {
    const dir = mkdtempSync(join(tmpdir(), 'bucketfront-awscrt-'));
    for (const name of readdirSync(DEBIAN_DIST_PACKAGES)) {
      if (name === 'awscrt' || (name.startsWith('_awscrt.') && name.endsWith('.so'))) symlinkSync(join(DEBIAN_DIST_PACKAGES, name), join(dir, name));
    }
    const env = { PYTHONPATH: dir };
    if (spawnSync('python3', HAS_CRT, { stdio: 'ignore', timeout: 20_000, env: { ...process.env, ...env } }).status === 0) crtEnv = env;
  }
  return crtEnv ?? undefined;
}

/**
 * True when the `aws` CLI can sign with SigV4A (see `awsCrtEnv`). When it cannot: locally a
 * loud skip, under CI a failure (see `missingPrerequisite`).
 */
export function hasAwsCrt(env: NodeJS.ProcessEnv = process.env): boolean {
  const ok = awsCrtEnv() !== undefined;
  if (!ok) missingPrerequisite("the aws CLI's botocore cannot sign SigV4A (no awscrt)", 'Install it with: apt-get install -y python3-awscrt (or pip install awscrt)', env);
  return ok;
}

/** Linux capability numbers (include/uapi/linux/capability.h). */
export const CAP_SYS_ADMIN = 21;

/** True when this process has `capability` in its effective set (Linux /proc; false elsewhere). */
export function hasEffectiveCapability(capability: number): boolean {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (!hex) return false;
    return ((BigInt(`0x${hex}`) >> BigInt(capability)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/**
 * What stops this process from running `mount -t tmpfs`, in words
 * (e.g. "not root (uid 1000) and no CAP_SYS_ADMIN"), or [] when both are there.
 * The mount can still fail for other reasons (a container without a mount
 * namespace of its own, seccomp): callers report the mount error as well.
 */
export function missingMountPrivileges(): string[] {
  const missing: string[] = [];
  const uid = process.getuid?.();
  if (uid !== 0) missing.push(`not root (uid ${uid ?? 'unknown'})`);
  if (!hasEffectiveCapability(CAP_SYS_ADMIN)) missing.push('no CAP_SYS_ADMIN in the effective capability set (needed by mount)');
  return missing;
}
