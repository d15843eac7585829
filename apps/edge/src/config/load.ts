import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { EdgeConfig } from './types.js';
import { EdgeConfigError, validateEdgeConfig } from './validate.js';

/** Read a JSON or YAML (by extension; otherwise JSON first, then YAML) config file and validate it. */
export async function loadEdgeConfig(path: string): Promise<EdgeConfig> {
  const text = await readFile(path, 'utf8');
  return parseEdgeConfig(text, path);
}

export function parseEdgeConfig(text: string, name = 'config'): EdgeConfig {
  let raw: unknown;
  try {
    if (/\.json$/i.test(name)) raw = JSON.parse(text);
    else if (/\.ya?ml$/i.test(name)) raw = parseYaml(text);
    else {
      try { raw = JSON.parse(text); } catch { raw = parseYaml(text); }
    }
  } catch (err) {
    throw new EdgeConfigError([`${name}: cannot parse: ${(err as Error).message}`]);
  }
  return validateEdgeConfig(raw);
}
