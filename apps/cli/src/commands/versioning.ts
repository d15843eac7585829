/**
 * `versioning s3://bucket [enable|suspend]`: PutBucketVersioning, then the status as
 * GetBucketVersioning says it. A bucket's versioning can be suspended, never turned off again
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
 */
import { parseS3Url } from '../s3/url.js';
import { versioningStatus } from '../s3/object-versions.js';
import { UsageError } from '../util/errors.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface VersioningOpts extends GlobalOpts {
  json?: boolean;
}

export async function versioningCommand(target: string, action: string | undefined, o: VersioningOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (key) throw new UsageError(`versioning is a bucket setting: give s3://${bucket}, not a key`);
  if (action !== undefined && action !== 'enable' && action !== 'suspend') throw new UsageError(`versioning: the action is enable or suspend, got ${action}`);
  const access = s3AccessFor(o, 1);
  try {
    const s3 = await access.client();
    if (action) {
      const { PutBucketVersioningCommand } = await import('@aws-sdk/client-s3');
      await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: action === 'enable' ? 'Enabled' : 'Suspended' } }));
    }
    const status = await versioningStatus(s3, bucket);
    if (o.json) process.stdout.write(`${JSON.stringify({ bucket, status: status ?? null })}\n`);
    else process.stdout.write(`s3://${bucket}: versioning ${status ?? 'never enabled'}\n`);
    return 0;
  } finally {
    access.destroy();
  }
}
