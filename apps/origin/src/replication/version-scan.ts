/**
 * Walks every version and delete marker of a bucket with ListObjectVersions, one page at a time
 * (memory bounded by the page), from a position (key-marker / version-id-marker) that a caller can
 * persist and resume from. Used by the replication of existing objects (backfill.ts) and by the
 * scan after an unclean stop (crash-scan.ts). docs/replication.md#existing-objects.
 */
import { isStoreError, type ObjectStore, type ObjectVersionInfo } from '@bucketfront/object-store';

/** Where a walk resumes: after this key (every version of it), or after this version of it. */
export interface ScanPosition {
  keyMarker?: string;
  versionIdMarker?: string;
}

/**
 * Calls `onPage` with each page and the position after it (null after the last page) until the
 * bucket is walked or `onPage` answers false. Resolves false when the bucket is gone (NoSuchBucket).
 */
export async function scanVersions(
  store: ObjectStore,
  bucket: string,
  from: ScanPosition,
  pageSize: number,
  onPage: (versions: ObjectVersionInfo[], next: ScanPosition | null) => Promise<boolean>,
): Promise<boolean> {
  let at: ScanPosition = from;
  for (;;) {
    let page: Awaited<ReturnType<ObjectStore['listObjectVersions']>>;
    try {
      page = await store.listObjectVersions(bucket, {
        maxKeys: pageSize,
        ...(at.keyMarker !== undefined ? { keyMarker: at.keyMarker } : {}),
        ...(at.keyMarker !== undefined && at.versionIdMarker !== undefined ? { versionIdMarker: at.versionIdMarker } : {}),
      });
    } catch (err) {
      if (isStoreError(err, 'NoSuchBucket')) return false;
      throw err;
    }
    const next: ScanPosition | null =
      page.isTruncated && page.nextKeyMarker !== undefined ? { keyMarker: page.nextKeyMarker, ...(page.nextVersionIdMarker !== undefined ? { versionIdMarker: page.nextVersionIdMarker } : {}) } : null;
    if (!(await onPage(page.versions, next))) return true;
    if (next === null) return true;
    at = next;
  }
}
