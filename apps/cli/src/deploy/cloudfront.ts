/**
 * CreateInvalidation / GetInvalidation through @aws-sdk/client-cloudfront, so the same code
 * talks to our edge's control API (CloudFront 2020-05-31 REST-XML) and to real CloudFront.
 */
import { randomBytes } from 'node:crypto';
import { CloudFrontClient, CreateInvalidationCommand, GetDistributionConfigCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { makeHttpHandler } from '../s3/http-handler.js';
import { CliError } from '../util/errors.js';

export interface CloudFrontOpts {
  endpointUrl?: string;
  profile?: string;
  /** `--ca-bundle` (default $AWS_CA_BUNDLE): PEM CA certificates for an HTTPS endpoint. */
  caBundle?: string;
}

export function makeCloudFrontClient(o: CloudFrontOpts): CloudFrontClient {
  const endpoint = o.endpointUrl ?? process.env.AWS_ENDPOINT_URL_CLOUDFRONT ?? process.env.AWS_ENDPOINT_URL;
  return new CloudFrontClient({
    region: 'us-east-1', // CloudFront is global; it signs for us-east-1
    ...(endpoint ? { endpoint } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    maxAttempts: 4,
    requestHandler: makeHttpHandler(4, o.caBundle),
  });
}

export interface InvalidationResult {
  id: string;
  status: string;
  paths: string[];
}

export async function createInvalidation(cf: CloudFrontClient, distributionId: string, paths: string[]): Promise<InvalidationResult> {
  const res = await cf.send(
    new CreateInvalidationCommand({
      DistributionId: distributionId,
      InvalidationBatch: {
        CallerReference: `bucketfront-${Date.now()}-${randomBytes(4).toString('hex')}`,
        Paths: { Quantity: paths.length, Items: paths },
      },
    }),
  );
  const inv = res.Invalidation;
  if (!inv?.Id) throw new CliError('CreateInvalidation returned no invalidation id');
  return { id: inv.Id, status: inv.Status ?? 'InProgress', paths };
}

/** Polls GetInvalidation every `intervalMs` until Completed; fails after `timeoutMs`. */
export async function waitForInvalidation(cf: CloudFrontClient, distributionId: string, id: string, opts: { intervalMs?: number; timeoutMs?: number } = {}): Promise<string> {
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  for (;;) {
    const res = await cf.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
    const status = res.Invalidation?.Status ?? 'InProgress';
    if (status === 'Completed') return status;
    if (Date.now() >= deadline) throw new CliError(`invalidation ${id} still ${status} after ${Math.round((opts.timeoutMs ?? 600_000) / 1000)} s`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}

/**
 * The header a distribution reads cache tags from (CacheTagConfig.HeaderName, lower-cased),
 * null when it has no CacheTagConfig (tag invalidations would match nothing), or an Error
 * when the configuration cannot be read (e.g. no cloudfront:GetDistributionConfig permission).
 */
export async function cacheTagHeaderOf(cf: CloudFrontClient, distributionId: string): Promise<string | null | Error> {
  try {
    const res = await cf.send(new GetDistributionConfigCommand({ Id: distributionId }));
    const name = res.DistributionConfig?.CacheTagConfig?.HeaderName;
    return name ? name.toLowerCase() : null;
  } catch (err) {
    return err as Error;
  }
}
