/**
 * `restore s3://bucket/key --to-version ID`: the version becomes the current one again, by a
 * server-side copy onto the key (versions/restore-version.ts). The bucket must have versioning
 * Enabled (versions/require-versioning.ts).
 */
import { parseS3Url } from '../s3/url.js';
import { headVersion, restoreVersion } from '../versions/restore-version.js';
import { requireVersioningEnabled } from '../versions/require-versioning.js';
import { UsageError } from '../util/errors.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface RestoreOpts extends GlobalOpts {
  toVersion: string;
  acl?: string;
  json?: boolean;
}

export async function restoreCommand(target: string, o: RestoreOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (!key || key.endsWith('/')) throw new UsageError('restore takes one object: s3://bucket/key (rollback --to TIME restores every key under a prefix)');
  if (!o.toVersion) throw new UsageError('--to-version: give a version id (bucketfront ls --versions lists them)');
  const access = s3AccessFor(o, 4);
  const say = (line: string) => {
    if (!o.json) process.stdout.write(`${line}\n`);
  };
  try {
    const s3 = await access.client();
    await requireVersioningEnabled(s3, bucket);
    const ref = { bucket, key, versionId: o.toVersion };
    const head = await headVersion(s3, ref);
    const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
    // A current delete marker answers 404 here: then the version is not current either.
    const current = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      (h) => h.VersionId,
      () => undefined,
    );
    if (current === o.toVersion) {
      say(`s3://${bucket}/${key}: version ${o.toVersion} is already the current version: nothing to do`);
      if (o.json) process.stdout.write(`${JSON.stringify({ bucket, key, restored: o.toVersion, versionId: current, changed: false })}\n`);
      return 0;
    }
    const versionId = await restoreVersion(s3, ref, { head, ...(o.acl ? { acl: o.acl } : {}) });
    say(`restore: s3://${bucket}/${key} to version ${o.toVersion}${versionId ? ` (the new current version is ${versionId})` : ''}`);
    if (o.json) process.stdout.write(`${JSON.stringify({ bucket, key, restored: o.toVersion, versionId: versionId ?? null, changed: true })}\n`);
    return 0;
  } finally {
    access.destroy();
  }
}
