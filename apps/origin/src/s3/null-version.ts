/**
 * Buckets are never versioned here: every object is its `null` version, as in an S3 bucket that
 * never had versioning enabled, and S3 accepts `versionId=null` for it.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html
 */
import { S3Error } from '@bucketfront/s3-protocol';

/** The only version an unversioned bucket has. */
export const NULL_VERSION = 'null';

/** Deviation from S3: no versioning, so only the "null" version exists; any other versionId → InvalidArgument. */
export function unversionedOnly(query: ReadonlyMap<string, string>): S3Error | undefined {
  const versionId = query.get('versionId');
  if (versionId === undefined || versionId === NULL_VERSION) return undefined;
  return new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: versionId });
}

/**
 * ListObjectVersions' version-id-marker, as S3 answers it: it needs a key-marker, may not be
 * empty, and must name a version; the only one here is `null` (resume after key-marker's object).
 */
export function checkVersionIdMarker(keyMarker: string, versionIdMarker: string | undefined): S3Error | undefined {
  if (versionIdMarker === undefined) return undefined;
  const arg = { ArgumentName: 'version-id-marker', ArgumentValue: versionIdMarker };
  if (keyMarker === '') return new S3Error('InvalidArgument', 'A version-id marker cannot be specified without a key marker.', arg);
  if (versionIdMarker === '') return new S3Error('InvalidArgument', 'A version-id marker cannot be empty.', arg);
  if (versionIdMarker !== NULL_VERSION) return new S3Error('InvalidArgument', 'Invalid version id specified', arg);
  return undefined;
}
