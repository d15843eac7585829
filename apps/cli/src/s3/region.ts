/**
 * Endpoint and region resolution, without loading the SDK: `--endpoint-url`, then
 * AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; `--region`, then AWS_REGION / AWS_DEFAULT_REGION,
 * the profile's `region` in the shared config file, else us-east-1.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface AwsOptions {
  endpointUrl?: string;
  profile?: string;
  region?: string;
  /** Sockets kept per host (≥ the transfer concurrency). */
  maxSockets?: number;
  /** SDK attempts per request (standard retry strategy with backoff). */
  maxAttempts?: number;
  /** `--ca-bundle`: PEM CA certificates for HTTPS endpoints (default $AWS_CA_BUNDLE; ./ca-bundle.ts). */
  caBundle?: string;
}

export function resolveEndpoint(opts: AwsOptions, service: 'S3' | 'CLOUDFRONT' = 'S3'): string | undefined {
  return opts.endpointUrl ?? process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL ?? undefined;
}

export function resolveRegion(opts: AwsOptions): string | undefined {
  return opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? undefined;
}

/** Region given, or from the profile, or us-east-1 (S3 redirects us when the bucket is elsewhere). */
export async function regionProvider(opts: AwsOptions): Promise<string> {
  const direct = resolveRegion(opts);
  if (direct) return direct;
  const fromFile = await regionFromConfigFile(opts.profile ?? process.env.AWS_PROFILE ?? 'default');
  if (fromFile) return fromFile;
  return 'us-east-1';
}

/** `region` of a profile in the shared config file (INI: `[default]` / `[profile NAME]`). */
async function regionFromConfigFile(profile: string): Promise<string | undefined> {
  const file = process.env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const wanted = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`, profile];
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) inSection = wanted.includes(section[1]!);
    else if (inSection) {
      const kv = /^region\s*=\s*(\S+)/.exec(line);
      if (kv) return kv[1];
    }
  }
  return undefined;
}
