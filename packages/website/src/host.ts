/**
 * Website endpoint host names (docs/s3-website-rules.md#hosts).
 *
 * - dash form: `BUCKET.s3-website-REGION.DOMAIN`
 * - dot form:  `BUCKET.s3-website.REGION.DOMAIN`
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html
 *
 * Deviation from S3: both forms are accepted for our region whatever the
 * region (AWS uses one form per region), and the domain is configurable.
 */

import { hostWithoutPort } from '@bucketfront/http-basics';

export type WebsiteHost =
  | { form: 'dash' | 'dot'; bucket: string }
  | { form: 'wrong-region'; bucket: string; region: string }
  /** `s3-website-REGION.DOMAIN` without a bucket: 301 to https://aws.amazon.com/s3/ (AWS docs). */
  | { form: 'bare' };

export interface WebsiteHostOptions {
  websiteDomain: string;
  region: string;
}

const LABEL = 's3-website';
/** us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5… */
const AWS_REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]+$/;

/**
 * Classifies a Host header. `null` means "not a website endpoint name" (on
 * the website port the caller then takes the whole host as the bucket: CNAMEs).
 */
export function classifyWebsiteHost(host: string, opts: WebsiteHostOptions): WebsiteHost | null {
  let name = hostWithoutPort(host);
  if (name.endsWith('.')) name = name.slice(0, -1); // fully qualified form
  const domainSuffix = '.' + opts.websiteDomain.toLowerCase();
  if (!name.endsWith(domainSuffix)) return null;
  const rest = name.slice(0, -domainSuffix.length);

  // The website label is the last "s3-website-R" or "s3-website.R" label
  // (bucket names may contain dots, and even "s3-website").
  const ownRegion = opts.region.toLowerCase();
  for (let i = rest.lastIndexOf(LABEL); i >= 0; i = i === 0 ? -1 : rest.lastIndexOf(LABEL, i - 1)) {
    if (i > 0 && rest[i - 1] !== '.') continue;
    const separator = rest[i + LABEL.length];
    if (separator !== '-' && separator !== '.') continue;
    const region = rest.slice(i + LABEL.length + 1);
    if (region !== ownRegion && !AWS_REGION.test(region)) continue;
    if (i === 0) return { form: 'bare' };
    const bucket = rest.slice(0, i - 1);
    if (bucket === '') return null;
    if (region !== ownRegion) return { form: 'wrong-region', bucket, region };
    return { form: separator === '-' ? 'dash' : 'dot', bucket };
  }
  return null;
}
