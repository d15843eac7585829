/**
 * The least TLS version of each viewer, from the distributions' security policies
 * (`viewerCertificate.minimumProtocolVersion`, config/tls-fields.ts). One TLS listener serves every
 * distribution, so the version a connection needs follows from the name it asked for (SNI) and
 * the Host of each request: the strictest policy of the distributions that name selects (an
 * alias, or a first label that is a distribution id, as distribution-router.ts routes), and
 * with a name that selects none, the strictest of all. docs/tls.md#the-edge
 */
import { hostWithoutPort } from '@bucketfront/http-basics';
import { DEFAULT_MINIMUM_PROTOCOL_VERSION, MINIMUM_PROTOCOL_VERSIONS, type TlsVersion } from '../config/tls-fields.js';
import type { DistributionConfig } from '../config/types.js';

const RANK: Record<string, number> = { TLSv1: 1, 'TLSv1.1': 2, 'TLSv1.2': 3, 'TLSv1.3': 4 };

export interface TlsVersionPolicy {
  /** The least version any distribution accepts: the listener's own minVersion. */
  readonly loosest: TlsVersion;
  /** Every distribution asks for the same version: the handshake alone enforces it. */
  readonly uniform: boolean;
  /** The version a server name (SNI) or Host (a port is ignored) requires. */
  required(name: string | false | null | undefined): TlsVersion;
  /** Whether a negotiated version (`tlsSocket.getProtocol()`) meets `required`. */
  allows(negotiated: string | null, required: TlsVersion): boolean;
}

export function tlsVersionOf(d: Pick<DistributionConfig, 'viewerCertificate'>): TlsVersion {
  return MINIMUM_PROTOCOL_VERSIONS[d.viewerCertificate?.minimumProtocolVersion ?? DEFAULT_MINIMUM_PROTOCOL_VERSION];
}

const stricter = (a: TlsVersion, b: TlsVersion): TlsVersion => (RANK[a]! >= RANK[b]! ? a : b);

export function tlsVersionPolicy(distributions: ReadonlyArray<Pick<DistributionConfig, 'id' | 'aliases' | 'viewerCertificate'>>): TlsVersionPolicy {
  const versions = distributions.map(tlsVersionOf);
  const strictest = versions.reduce(stricter);
  const loosest = versions.reduce((a, b) => (RANK[a]! <= RANK[b]! ? a : b));
  const byAlias = new Map<string, TlsVersion>();
  const byId = new Map<string, TlsVersion>();
  distributions.forEach((d, i) => {
    for (const a of d.aliases) byAlias.set(a, versions[i]!);
    byId.set(d.id.toLowerCase(), versions[i]!);
  });
  const single = distributions.length === 1 ? versions[0] : undefined;
  return {
    loosest,
    uniform: strictest === loosest,
    required(name) {
      if (single !== undefined) return single;
      if (!name) return strictest;
      let h = hostWithoutPort(name);
      if (h.endsWith('.')) h = h.slice(0, -1);
      const alias = byAlias.get(h);
      const id = byId.get(h.split('.')[0]!);
      if (alias === undefined && id === undefined) return strictest;
      return alias === undefined ? id! : id === undefined ? alias : stricter(alias, id);
    },
    allows(negotiated, required) {
      return negotiated !== null && (RANK[negotiated] ?? 0) >= RANK[required]!;
    },
  };
}
