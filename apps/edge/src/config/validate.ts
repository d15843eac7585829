/**
 * Start-up validation of the edge configuration against its schema (config/schema.ts). Every
 * problem names its field path, e.g. `distributions[0].origins[1].url: must be an http(s) URL`,
 * and all problems of the fields are reported at once (rules across fields, such as a
 * targetOriginId naming an origin, are checked once the fields they read are valid).
 */
import type { $ZodIssue } from 'zod/v4/core';
import type { EdgeConfig } from './types.js';
import { edgeConfigSchema } from './schema.js';

export { functionNameOf } from './behavior-schema.js';
export { CONFIG_DEFAULTS } from './schema.js';
export { didYouMean } from './schema-fields.js';

export class EdgeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid edge configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'EdgeConfigError';
  }
}

/** A field given as null (e.g. YAML `aliases:` with nothing after it) is a field not given. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x !== null ? withoutNulls(x) : x));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null)
      .map(([k, x]) => [k, withoutNulls(x)]),
  );
}

/** `distributions[0].origins[1].url`; root fields by their bare name, the root itself as `(root)`. */
function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out === '' ? '(root)' : out;
}

function problemsOf(issue: $ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // schema.ts `fields`: the message lists [key, problem] for each unknown key.
    return (JSON.parse(issue.message) as Array<[string, string]>).map(([k, m]) => `${pathOf([...issue.path, k])}: ${m}`);
  }
  return [`${pathOf(issue.path)}: ${issue.message}`];
}

/** Validate raw (parsed JSON/YAML) configuration and fill in defaults. Throws EdgeConfigError. */
export function validateEdgeConfig(raw: unknown): EdgeConfig {
  const r = edgeConfigSchema.safeParse(withoutNulls(raw));
  if (r.success) return r.data;
  throw new EdgeConfigError(r.error.issues.flatMap(problemsOf));
}
