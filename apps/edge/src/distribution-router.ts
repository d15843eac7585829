/**
 * Which distribution serves a request: by its Host among the aliases, or by a Host whose first
 * label is a distribution id (like `dxxxx.cloudfront.net`).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html
 */
import { hostWithoutPort } from '@bucketfront/http-basics';
import type { EdgeConfig } from './config/types.js';
import type { DistRuntime } from './context.js';
import { OriginClient } from './origin/client.js';
import { originTrust } from './origin/trust.js';

/** Each configured distribution with its origin clients and its lookup tables. */
export function buildDistributions(config: EdgeConfig): DistRuntime[] {
  const trust = originTrust(config);
  return config.distributions.map((d) => ({
    config: d,
    origins: new Map(d.origins.map((o) => [o.id, new OriginClient(o, { ca: trust(o) })])),
    groups: new Map(d.originGroups.map((g) => [g.id, g])),
    errorResponses: new Map(d.customErrorResponses.map((e) => [e.errorCode, e])),
  }));
}

export type DistributionRouter = (host: string | undefined) => DistRuntime | undefined;

/**
 * Distribution by Host among aliases; with one distribution it serves every Host. Like
 * `dxxxx.cloudfront.net`, a Host whose first label is a distribution id (any domain, e.g.
 * `e123.bucketfront.localhost`) also selects that distribution. Host names are compared without
 * case, port and a trailing dot (`www.example.com.` is the fully qualified `www.example.com`,
 * RFC 1034 §3.1). Ids are upper-case letters and digits (config/schema.ts), so lower-casing
 * them for the Host comparison is one-to-one.
 */
export function createDistributionRouter(dists: readonly DistRuntime[]): DistributionRouter {
  const byAlias = new Map<string, DistRuntime>();
  for (const d of dists) for (const a of d.config.aliases) byAlias.set(a, d);
  const byId = new Map(dists.map((d) => [d.config.id.toLowerCase(), d]));
  const single = dists.length === 1 ? dists[0] : undefined;
  return (host) => {
    if (single) return single;
    if (!host) return undefined;
    let h = hostWithoutPort(host);
    if (h.endsWith('.')) h = h.slice(0, -1);
    return byAlias.get(h) ?? byId.get(h.split('.')[0]!);
  };
}
