/**
 * Which distribution serves a request: by its Host among the aliases, or by a Host whose first
 * label is a distribution id (like `dxxxx.cloudfront.net`).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/CNAMEs.html
 */
import { hostWithoutPort } from '@bucketfront/http-basics';
import type { DistributionConfig, EdgeConfig } from './config/types.js';
import type { DistRuntime } from './context.js';
import { OriginClient } from './origin/client.js';
import { originTrust } from './origin/trust.js';

/**
 * A distribution's own domain name, CloudFront's `d111111abcdef8.cloudfront.net`: its id as the
 * first label (which routes to it, whatever the domain) under `bucketfront.localhost`.
 */
export const defaultDomainName = (distributionId: string): string => `${distributionId.toLowerCase()}.bucketfront.localhost`;

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
export function createDistributionRouter(dists: readonly DistRuntime[], added: readonly DistRuntime[] = [], disabled: readonly DistributionConfig[] = []): DistributionRouter {
  // A disabled distribution serves nothing, and its names do not fall through to another one.
  const off = new Set(disabled.flatMap((d) => [...d.aliases, d.id.toLowerCase()]));
  const byAlias = new Map<string, DistRuntime>();
  const all = [...dists, ...added];
  for (const d of all) for (const a of d.config.aliases) byAlias.set(a, d);
  const byId = new Map(all.map((d) => [d.config.id.toLowerCase(), d]));
  // The configuration's only distribution serves every Host the API's distributions do not claim.
  const single = dists.length === 1 ? dists[0] : undefined;
  return (host) => {
    if (single && added.length === 0 && off.size === 0) return single;
    if (!host) return single;
    let h = hostWithoutPort(host);
    if (h.endsWith('.')) h = h.slice(0, -1);
    if (off.has(h) || off.has(h.split('.')[0]!)) return undefined;
    return byAlias.get(h) ?? byId.get(h.split('.')[0]!) ?? single;
  };
}

/**
 * The router over the configuration's distributions and those of the control API, which
 * `setAdded` replaces (disabled ones are left out: they serve nothing). Origin clients of a
 * replaced distribution are closed once their requests finished (undici Pool.close).
 */
export function createSwitchableRouter(config: EdgeConfig): { route: DistributionRouter; setAdded(added: readonly DistributionConfig[]): void; all(): DistRuntime[] } {
  const base = buildDistributions(config);
  let added: DistRuntime[] = [];
  let route = createDistributionRouter(base);
  return {
    route: (host) => route(host),
    setAdded(next) {
      // An unchanged distribution keeps its runtime (and its origins' connections).
      const kept = new Map(added.map((d) => [JSON.stringify(d.config), d]));
      const enabled = next.filter((d) => d.enabled);
      const fresh = buildDistributions({ ...config, distributions: enabled.filter((d) => !kept.has(JSON.stringify(d))) });
      const nextAdded = enabled.map((d) => kept.get(JSON.stringify(d)) ?? fresh.shift()!);
      const dropped = added.filter((d) => !nextAdded.includes(d));
      added = nextAdded;
      route = createDistributionRouter(
        base,
        added,
        next.filter((d) => !d.enabled),
      );
      for (const d of dropped) for (const o of d.origins.values()) void o.close();
    },
    all: () => [...base, ...added],
  };
}
