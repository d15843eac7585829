/**
 * Which functions the cache behaviors of a configuration name in their `functionAssociations`
 * (by name or ARN). https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionAssociation.html
 */
import type { EdgeConfig } from '../config/types.js';
import { functionNameOf } from '../config/validate.js';

export function associatedFunctionNames(config: EdgeConfig): Set<string> {
  const names = new Set<string>();
  for (const d of config.distributions) {
    for (const b of [d.defaultCacheBehavior, ...d.cacheBehaviors]) {
      for (const a of b.functionAssociations ?? []) names.add(functionNameOf(a.functionArn));
    }
  }
  return names;
}

/** Associated names that neither the configuration's `functions` nor `published` provide. */
export function unresolvedFunctionNames(config: EdgeConfig, published: Iterable<string> = []): string[] {
  const known = new Set([...(config.functions ?? []).map((f) => f.name), ...published]);
  return [...associatedFunctionNames(config)].filter((n) => !known.has(n)).sort();
}
