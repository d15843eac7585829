/**
 * How commands reach S3: the SDK client, created (and the SDK loaded) only when first
 * needed, plus the lean signed requests of raw-s3.ts against an explicit endpoint.
 * A no-change sync against our origin with credentials in the environment therefore
 * never loads the SDK (~100–200 ms of start-up in a cold process).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { makeRawS3, type RawAuth, type RawS3 } from './raw-s3.js';
import { regionProvider, resolveEndpoint, type AwsOptions } from './region.js';

export interface S3Access {
  client(): Promise<S3Client>;
  raw?: RawS3;
}

export interface OwnedS3Access extends S3Access {
  destroy(): void;
}

/** Env credentials, when the SDK's chain would pick them too (no profile asked for). */
function envCredentials(opts: AwsOptions): RawAuth['credentials'] | undefined {
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token } = process.env;
  if (opts.profile || process.env.AWS_PROFILE || !id || !secret) return undefined;
  return { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
}

export function makeS3Access(opts: AwsOptions & { rawRequests?: boolean }): OwnedS3Access {
  let client: Promise<S3Client> | undefined;
  const getClient = () => (client ??= import('./client.js').then((m) => m.makeS3Client(opts)));
  const endpoint = resolveEndpoint(opts);
  let raw: RawS3 | undefined;
  if (endpoint && opts.rawRequests !== false && process.env.BUCKETFRONT_SDK_ONLY !== '1') {
    let auth: Promise<RawAuth> | undefined;
    const resolveAuth = async (): Promise<RawAuth> => {
      const direct = envCredentials(opts);
      if (direct) return { credentials: direct, region: await regionProvider(opts) };
      const s3 = await getClient();
      const c = await s3.config.credentials();
      return { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }, region: await s3.config.region() };
    };
    // Resolved once per run (a CLI run is far shorter than any session credential's life).
    raw = makeRawS3(() => (auth ??= resolveAuth()), endpoint, opts.maxSockets ?? 50, opts.caBundle);
  }
  return {
    client: getClient,
    raw,
    destroy() {
      raw?.destroy();
      void client?.then((c) => c.destroy());
    },
  };
}
