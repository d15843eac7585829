import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { EdgeConfig } from './types.js';
import { EdgeConfigError, validateEdgeConfig } from './validate.js';

/** Read a JSON or YAML (by extension; otherwise JSON first, then YAML) config file and validate it. */
export async function loadEdgeConfig(path: string): Promise<EdgeConfig> {
  const text = await readFile(path, 'utf8');
  const config = parseEdgeConfig(text, path);
  // Function code and key value store files are named relative to the configuration file.
  const base = dirname(resolve(path));
  for (const f of config.functions ?? []) if (f.file !== undefined) f.file = resolve(base, f.file);
  for (const k of config.keyValueStores ?? []) if (k.file !== undefined) k.file = resolve(base, k.file);
  // So are the origins' certificate authorities (docs/tls.md#the-edge).
  if (config.originCaFile !== undefined) config.originCaFile = resolve(base, config.originCaFile);
  for (const d of config.distributions) for (const o of d.origins) if (o.caFile !== undefined) o.caFile = resolve(base, o.caFile);
  // And the standard logs' directories (docs/cloudfront-logs.md).
  const logs = config.standardLogs;
  if (logs?.directory !== undefined) logs.directory = resolve(base, logs.directory);
  if (logs?.spoolDir !== undefined) logs.spoolDir = resolve(base, logs.spoolDir);
  return config;
}

export function parseEdgeConfig(text: string, name = 'config'): EdgeConfig {
  let raw: unknown;
  try {
    if (/\.json$/i.test(name)) raw = JSON.parse(text);
    else if (/\.ya?ml$/i.test(name)) raw = parseYaml(text);
    else {
      try {
        raw = JSON.parse(text);
      } catch {
        raw = parseYaml(text);
      }
    }
  } catch (err) {
    throw new EdgeConfigError([`${name}: cannot parse: ${(err as Error).message}`]);
  }
  return validateEdgeConfig(raw);
}
