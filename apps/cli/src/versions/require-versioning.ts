/**
 * restore and rollback write new versions and delete markers: only a bucket with versioning
 * Enabled keeps what they replace. Never enabled: there are no older versions. Suspended: a copy
 * or a delete replaces the `null` version for good
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VersionSuspendedBehavior.html).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { versioningStatus } from '../s3/object-versions.js';
import { CliError } from '../util/errors.js';

export async function requireVersioningEnabled(s3: S3Client, bucket: string): Promise<void> {
  const status = await versioningStatus(s3, bucket);
  if (status === 'Enabled') return;
  if (status === undefined) {
    throw new CliError(`versioning has never been enabled on s3://${bucket}: it has no earlier versions to go back to (\`bucketfront versioning s3://${bucket} enable\` keeps them from now on)`);
  }
  throw new CliError(
    `versioning is Suspended on s3://${bucket}: a copy or delete there would replace the null version for good; enable it again first (\`bucketfront versioning s3://${bucket} enable\`)`,
  );
}
