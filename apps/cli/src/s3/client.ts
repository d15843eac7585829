/**
 * The S3 client every command uses: the SDK's standard credential chain (env vars,
 * shared config/credentials files, --profile, SSO, IMDS…), `--endpoint-url` or
 * AWS_ENDPOINT_URL(_S3) with path-style addressing, and a keep-alive agent sized to
 * the command's concurrency so parallel requests reuse sockets.
 */
import http from 'node:http';
import https from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsOptions {
  endpointUrl?: string;
  profile?: string;
  region?: string;
  /** Sockets kept per host (≥ the transfer concurrency). */
  maxSockets?: number;
  /** SDK attempts per request (standard retry strategy with backoff). */
  maxAttempts?: number;
}

export function resolveEndpoint(opts: AwsOptions, service: 'S3' | 'CLOUDFRONT' = 'S3'): string | undefined {
  return opts.endpointUrl ?? process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL ?? undefined;
}

export function resolveRegion(opts: AwsOptions): string | undefined {
  return opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? undefined;
}

export function makeHttpHandler(maxSockets: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    connectionTimeout: 10_000,
    requestTimeout: 120_000,
  });
}

/** Region given, or from the profile, or us-east-1 (S3 redirects us when the bucket is elsewhere). */
async function regionProvider(opts: AwsOptions): Promise<string> {
  const direct = resolveRegion(opts);
  if (direct) return direct;
  const fromFile = await regionFromConfigFile(opts.profile ?? process.env.AWS_PROFILE ?? 'default');
  if (fromFile) return fromFile;
  return 'us-east-1';
}

export function makeS3Client(opts: AwsOptions): S3Client {
  const endpoint = resolveEndpoint(opts);
  return new S3Client({
    region: () => regionProvider(opts),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    followRegionRedirects: true,
    maxAttempts: opts.maxAttempts ?? 4,
    requestHandler: makeHttpHandler(opts.maxSockets ?? 50),
    // Integrity comes from Content-MD5 on single-part uploads; skip the extra CRC32 pass.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
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
