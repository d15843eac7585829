/**
 * Reads and validates functions.yaml (`${NAME}` in a value: the environment variable). Every problem names its field path
 * (`functions[0].timeout: …`), all at once. Handler modules and JSON-lines error files are named
 * relative to the configuration file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { $ZodIssue } from 'zod/v4/core';
import { type FunctionsConfig, functionsConfigSchema } from './schema.js';

export class FunctionsConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid functions configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'FunctionsConfigError';
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

function problemsOf(issue: $ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') return issue.keys.map((k) => `${pathOf([...issue.path, k])}: unknown field`);
  return [`${pathOf(issue.path)}: ${issue.message}`];
}

/**
 * Validates a parsed configuration and fills in defaults; `baseDir` resolves relative handler and
 * file paths. Throws FunctionsConfigError.
 */
export function validateFunctionsConfig(raw: unknown, baseDir: string = process.cwd()): FunctionsConfig {
  const r = functionsConfigSchema.safeParse(raw);
  if (!r.success) throw new FunctionsConfigError(r.error.issues.flatMap(problemsOf));
  const config = r.data;
  for (const f of config.functions) {
    f.handler = resolveHandler(baseDir, f.handler);
    if (f.onFailure?.type === 'file') f.onFailure.path = resolve(baseDir, f.onFailure.path);
  }
  return config;
}

/** `thumbnails.mjs#handler` → absolute path with the export name kept after `#`. */
function resolveHandler(baseDir: string, handler: string): string {
  const hash = handler.lastIndexOf('#');
  const file = hash < 0 ? handler : handler.slice(0, hash);
  const name = hash < 0 ? '' : handler.slice(hash);
  return (isAbsolute(file) ? file : resolve(baseDir, file)) + name;
}

/**
 * `${NAME}` in a string value is the environment variable NAME (credentials stay out of the file);
 * an unset variable is a problem, not an empty string.
 */
export function expandEnvironment(raw: unknown, env: NodeJS.ProcessEnv, problems: string[], path = ''): unknown {
  if (typeof raw === 'string') {
    return raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined) problems.push(`${path || '(root)'}: the environment variable ${name} is not set`);
      return value ?? '';
    });
  }
  if (Array.isArray(raw)) return raw.map((v, i) => expandEnvironment(v, env, problems, `${path}[${i}]`));
  if (typeof raw === 'object' && raw !== null) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, expandEnvironment(v, env, problems, path ? `${path}.${k}` : k)]));
  }
  return raw;
}

export function parseFunctionsConfig(text: string, name: string, baseDir: string, env: NodeJS.ProcessEnv = process.env): FunctionsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new FunctionsConfigError([`${name}: cannot parse: ${(err as Error).message}`]);
  }
  const problems: string[] = [];
  const expanded = expandEnvironment(raw, env, problems);
  if (problems.length > 0) throw new FunctionsConfigError(problems);
  return validateFunctionsConfig(expanded, baseDir);
}

/** Reads a YAML (or JSON, a subset of YAML) configuration file. */
export async function loadFunctionsConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<FunctionsConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FunctionsConfigError([`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parseFunctionsConfig(text, path, dirname(resolve(path)), env);
}
