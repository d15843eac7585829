/**
 * The options invalidation paths are derived with for a bucket (deploy, rollback): the
 * website's index document (GetBucketWebsite; `index.html` when the bucket has no website
 * configuration or it cannot be read), `--origin-path` and `--max-invalidation-paths`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { InvalidationOptions } from './invalidation-paths.js';

export interface EdgePathFlags {
  originPath?: string;
  maxInvalidationPaths?: string;
}

export async function invalidationOptionsFor(s3: S3Client, bucket: string, o: EdgePathFlags): Promise<InvalidationOptions> {
  const { GetBucketWebsiteCommand } = await import('@aws-sdk/client-s3');
  const indexDocument = await s3
    .send(new GetBucketWebsiteCommand({ Bucket: bucket }))
    .then((w) => w.IndexDocument?.Suffix)
    .catch(() => undefined);
  const originPath = (o.originPath ?? '').replace(/^\/+/, '');
  return {
    indexDocument: indexDocument ?? 'index.html',
    stripPrefix: originPath ? `${originPath.replace(/\/+$/, '')}/` : undefined,
    maxPaths: o.maxInvalidationPaths ? Number(o.maxInvalidationPaths) : undefined,
  };
}
