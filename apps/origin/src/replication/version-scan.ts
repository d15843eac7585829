/**
 * Walks every version and delete marker of a bucket with ListObjectVersions, one page at a time
 * (memory bounded by the page), from a position (key-marker / version-id-marker) that a caller can
 * persist and resume from. Used by the replication of existing objects (backfill.ts) and by the
 * scan after an unclean stop (crash-scan.ts). docs/replication.md#existing-objects.
 *
 * The s3 store's listings carry no version metadata (a backend's ListObjectVersions has no user
 * metadata: no replication status, no tags): there each listed version is looked up by its id
 * (HeadObject, which also reads the status sidecar), a few at a time, so both scans see what the
 * fs store's listings give them. docs/replication.md#the-s3-store.
 */
import { isStoreError, mapLimit, type ObjectStore, type ObjectVersionInfo } from '@bucketfront/object-store';

/** Where a walk resumes: after this key (every version of it), or after this version of it. */
export interface ScanPosition {
  keyMarker?: string;
  versionIdMarker?: string;
}

/** The store the scans walk, and whether its listings carry each version's metadata (status, tags). */
export interface ScannedStore {
  store: ObjectStore;
  /** False on the s3 store: every listed version is then looked up by its id. */
  listsVersionMetadata: boolean;
}

/** Versions looked up at once when the listing has no metadata. */
const HEAD_PARALLEL = 8;

/**
 * Calls `onPage` with each page and the position after it (null after the last page) until the
 * bucket is walked or `onPage` answers false. Resolves false when the bucket is gone (NoSuchBucket).
 */
export async function scanVersions(
  from: ScannedStore,
  bucket: string,
  start: ScanPosition,
  pageSize: number,
  onPage: (versions: ObjectVersionInfo[], next: ScanPosition | null) => Promise<boolean>,
): Promise<boolean> {
  const { store } = from;
  let at: ScanPosition = start;
  for (;;) {
    let page: Awaited<ReturnType<ObjectStore['listObjectVersions']>>;
    let versions: ObjectVersionInfo[];
    try {
      page = await store.listObjectVersions(bucket, {
        maxKeys: pageSize,
        ...(at.keyMarker !== undefined ? { keyMarker: at.keyMarker } : {}),
        ...(at.keyMarker !== undefined && at.versionIdMarker !== undefined ? { versionIdMarker: at.versionIdMarker } : {}),
      });
      versions = from.listsVersionMetadata ? page.versions : await withMetadata(store, bucket, page.versions);
    } catch (err) {
      if (isStoreError(err, 'NoSuchBucket')) return false;
      throw err;
    }
    const next: ScanPosition | null =
      page.isTruncated && page.nextKeyMarker !== undefined ? { keyMarker: page.nextKeyMarker, ...(page.nextVersionIdMarker !== undefined ? { versionIdMarker: page.nextVersionIdMarker } : {}) } : null;
    if (!(await onPage(versions, next))) return true;
    if (next === null) return true;
    at = next;
  }
}

/**
 * The page with each object version's metadata read by HeadObject of its id (HEAD_PARALLEL at
 * once), in the listing's order. A version deleted since it was listed is left out; delete markers
 * stay as listed (they carry no status nor tags).
 */
async function withMetadata(store: ObjectStore, bucket: string, listed: readonly ObjectVersionInfo[]): Promise<ObjectVersionInfo[]> {
  const out: Array<ObjectVersionInfo | null> = [...listed];
  await mapLimit(
    listed.flatMap((v, i) => (v.object === undefined ? [] : [{ v, i }])),
    HEAD_PARALLEL,
    async ({ v, i }) => {
      let info: Awaited<ReturnType<ObjectStore['headObject']>>;
      try {
        info = await store.headObject(bucket, v.key, { versionId: v.versionId });
      } catch (err) {
        if (!isStoreError(err, 'NoSuchVersion') && !isStoreError(err, 'NoSuchKey')) throw err;
        info = null;
      }
      out[i] = info === null ? null : { ...v, object: info };
    },
  );
  return out.filter((v): v is ObjectVersionInfo => v !== null);
}
