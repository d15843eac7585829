/** StoreErrors of versioned reads and copies, shared by the drivers and the decorators (docs/versioning.md). */
import { StoreError } from './types.js';

/** A version id that names no version of the key. */
export function noSuchVersion(versionId: string): StoreError {
  return new StoreError('NoSuchVersion', 'The specified version does not exist.', { VersionId: versionId });
}

/** GET/HEAD of a delete marker by its id (https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html). */
export function deleteMarkerRead(versionId: string): StoreError {
  return new StoreError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { DeleteMarker: 'true', VersionId: versionId });
}

/**
 * CopyObject / UploadPartCopy naming a delete marker as the source: 400, unlike a read
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html).
 */
export function copyOfDeleteMarker(): StoreError {
  return new StoreError('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
}

/** A copy source's lookup: a delete marker's id becomes InvalidRequest (see copyOfDeleteMarker). */
export async function asCopySource<T>(lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof StoreError && err.code === 'MethodNotAllowed') throw copyOfDeleteMarker();
    throw err;
  }
}
