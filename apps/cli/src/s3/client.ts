/**
 * The S3 client every command uses: the SDK's standard credential chain (env vars,
 * shared config/credentials files, --profile, SSO, IMDS…), `--endpoint-url` or
 * AWS_ENDPOINT_URL(_S3) with path-style addressing, and a keep-alive agent sized to
 * the command's concurrency so parallel requests reuse sockets.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { makeHttpHandler } from './http-handler.js';
import { regionProvider, resolveEndpoint, type AwsOptions } from './region.js';

export { resolveEndpoint, resolveRegion, type AwsOptions } from './region.js';
export { makeHttpHandler } from './http-handler.js';

export function makeS3Client(opts: AwsOptions): S3Client {
  const endpoint = resolveEndpoint(opts);
  return new S3Client({
    region: () => regionProvider(opts),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    followRegionRedirects: true,
    maxAttempts: opts.maxAttempts ?? 4,
    requestHandler: makeHttpHandler(opts.maxSockets ?? 50, opts.caBundle),
    // Integrity comes from Content-MD5 on single-part uploads; skip the extra CRC32 pass.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
