/**
 * The TLS parts of the edge configuration (schema.ts, behavior-schema.ts): the viewer protocol
 * policy of a cache behavior, the distribution's security policy (ViewerCertificate
 * MinimumProtocolVersion) and the certificate authorities the edge trusts for HTTPS origins.
 * docs/tls.md#the-edge
 */
import * as z from 'zod';
import { doc, fields, text } from './schema-fields.js';

/**
 * CloudFront's ViewerProtocolPolicy: over plain HTTP, `redirect-to-https` answers GET/HEAD with
 * 301 and the https URL (other methods 403), `https-only` answers 403.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesViewerProtocolPolicy
 */
export const VIEWER_PROTOCOL_POLICIES = ['allow-all', 'redirect-to-https', 'https-only'] as const;
export type ViewerProtocolPolicy = (typeof VIEWER_PROTOCOL_POLICIES)[number];

export const viewerProtocolPolicy = doc(
  z
    .enum(VIEWER_PROTOCOL_POLICIES, {
      error: (iss) => (typeof iss.input === 'string' ? `must be ${VIEWER_PROTOCOL_POLICIES.join(', ')}` : 'must be a non-empty string'),
    })
    .optional(), // absent: allow-all (optional in the type: hand-built configs need not set it)
  {
    description: 'allow-all, redirect-to-https (HTTP GET/HEAD → 301 to https, other methods 403) or https-only (HTTP → 403). Needs the edge started with a TLS listener.',
    default: 'allow-all',
  },
);

/**
 * CloudFront's security policies and the least TLS version each lets a viewer use (the
 * "Supported SSL/TLS protocols" rows of
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html).
 * Deviation from CloudFront: Node has no SSLv3 (SSLv3 is TLSv1 here), and OpenSSL 3 at its default
 * security level refuses TLS 1.0 and 1.1 whatever the policy says (docs/tls.md#the-edge).
 */
export const MINIMUM_PROTOCOL_VERSIONS = {
  SSLv3: 'TLSv1',
  TLSv1: 'TLSv1',
  TLSv1_2016: 'TLSv1',
  'TLSv1.1_2016': 'TLSv1.1',
  'TLSv1.2_2018': 'TLSv1.2',
  'TLSv1.2_2019': 'TLSv1.2',
  'TLSv1.2_2021': 'TLSv1.2',
  'TLSv1.2_2025': 'TLSv1.2',
  'TLSv1.3_2025': 'TLSv1.3',
} as const;
export type MinimumProtocolVersion = keyof typeof MINIMUM_PROTOCOL_VERSIONS;
/** A Node `minVersion` (tls.createSecureContext). */
export type TlsVersion = (typeof MINIMUM_PROTOCOL_VERSIONS)[MinimumProtocolVersion];

/**
 * Deviation from CloudFront: a distribution that names no security policy gets TLSv1.2_2021
 * (Node's own minimum, TLS 1.2), where CloudFront's API default (and the policy of its default
 * certificate) is TLSv1.
 */
export const DEFAULT_MINIMUM_PROTOCOL_VERSION: MinimumProtocolVersion = 'TLSv1.2_2021';

const POLICY_NAMES = Object.keys(MINIMUM_PROTOCOL_VERSIONS) as [MinimumProtocolVersion, ...MinimumProtocolVersion[]];

export const viewerCertificateFields = {
  minimumProtocolVersion: doc(
    z
      .enum(POLICY_NAMES, {
        error: (iss) => (typeof iss.input === 'string' ? `must be one of ${POLICY_NAMES.join(', ')}` : 'must be a non-empty string'),
      })
      .optional(),
    {
      description:
        "The security policy: the least TLS version viewers of this distribution may use on the edge's TLS listener (TLSv1.2_* → TLS 1.2, TLSv1.3_2025 → TLS 1.3). One listener serves every distribution: the policy applies by the TLS server name and the Host.",
      default: DEFAULT_MINIMUM_PROTOCOL_VERSION,
    },
  ),
};

// Optional in the type (absent: DEFAULT_MINIMUM_PROTOCOL_VERSION): hand-built configs need not set it.
export const viewerCertificate = doc(fields(viewerCertificateFields).optional(), {
  description: "CloudFront's ViewerCertificate: here only its security policy (the certificate is the edge's, given at start: `startEdge({ tls })`).",
});

/** A PEM file of certificate authorities. */
export const caFile = (description: string) => doc(text(true).optional(), { description });
