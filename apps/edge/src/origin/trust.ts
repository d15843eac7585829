/**
 * Which certificate authorities the edge trusts for an https origin: Node's bundled public CAs
 * (as CloudFront trusts the public ones), plus the PEM file of `origins[].caFile`, else of the
 * top-level `originCaFile` (a private CA, e.g. the one `bucketfront` generates for local origins).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-custom-origin.html
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { EdgeConfig, OriginConfig } from '../config/types.js';

/** The trust anchors of each origin (undefined: Node's defaults). Reads each file once; throws naming the unreadable one. */
export function originTrust(config: Pick<EdgeConfig, 'originCaFile'>): (origin: OriginConfig) => string[] | undefined {
  const byFile = new Map<string, string[]>();
  const load = (file: string): string[] => {
    let cas = byFile.get(file);
    if (cas === undefined) {
      let pem: string;
      try {
        pem = readFileSync(file, 'utf8');
      } catch (err) {
        throw new Error(`cannot read the origin CA file ${file}: ${(err as Error).message}`);
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`origin CA file ${file} holds no PEM certificate`);
      byFile.set(file, (cas = [...rootCertificates, pem]));
    }
    return cas;
  };
  return (origin) => {
    const file = origin.caFile ?? config.originCaFile;
    return file === undefined || !origin.url.startsWith('https:') ? undefined : load(file);
  };
}
