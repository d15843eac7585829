/**
 * Listings from a driver that returns no metadata with them (the s3 driver: a backend's
 * ListObjectsV2 has sizes and ETags, not our envelope) would show an encrypted object's stored
 * size and ETag. So a bucket that has ever held an encrypted object is marked (a system document,
 * written before the first such object becomes visible, so every node sees the mark in time),
 * and listings of marked buckets look each object up (HEAD, 16 at a time), remembering the
 * answers by version (key, stored ETag, last-modified). Buckets never encrypted list as before.
 */
import { mapLimit } from '../map-limit.js';
import { isStoreError, type ListObjectsResult, type ListObjectVersionsResult, type ObjectInfo, type ObjectStore, type SystemDocuments } from '../types.js';

const MARK_PREFIX = 'sse-bucket.';
/** How long "not marked" is believed before the mark is looked for again. */
const UNMARKED_TTL_MS = 2000;
const REMEMBERED_MAX = 20_000;

export class ListingEnricher {
  /** bucket → true (marked), or the time it was last found unmarked. */
  private readonly marks = new Map<string, true | number>();
  private readonly remembered = new Map<string, ObjectInfo>();

  constructor(
    private readonly inner: ObjectStore,
    private readonly system: SystemDocuments,
  ) {}

  async markEncrypted(bucket: string): Promise<void> {
    if (this.marks.get(bucket) === true) return;
    await this.system.createSystemDocument(`${MARK_PREFIX}${bucket}`, '1');
    this.marks.set(bucket, true);
  }

  private async isMarked(bucket: string): Promise<boolean> {
    const m = this.marks.get(bucket);
    if (m === true) return true;
    if (m !== undefined && Date.now() - m < UNMARKED_TTL_MS) return false;
    const marked = (await this.system.getSystemDocument(`${MARK_PREFIX}${bucket}`)) !== null;
    this.marks.set(bucket, marked ? true : Date.now());
    return marked;
  }

  /** The page with each object's metadata (envelope included) filled in, for marked buckets. */
  async enrich(bucket: string, page: ListObjectsResult): Promise<ListObjectsResult> {
    if (page.objects.length === 0 || !(await this.isMarked(bucket))) return page;
    const objects = [...page.objects];
    await mapLimit(
      objects.map((o, i) => ({ o, i })),
      16,
      async ({ o, i }) => {
        const metadata = await this.metadataOf(bucket, o);
        if (metadata !== undefined) objects[i] = { ...o, metadata };
      },
    );
    return { ...page, objects };
  }

  /** As enrich, for a page of versions: each version looked up by its id. */
  async enrichVersions(bucket: string, page: ListObjectVersionsResult): Promise<ListObjectVersionsResult> {
    if (!page.versions.some((v) => v.object !== undefined) || !(await this.isMarked(bucket))) return page;
    const versions = [...page.versions];
    await mapLimit(
      versions.map((v, i) => ({ v, i })),
      16,
      async ({ v, i }) => {
        if (v.object === undefined) return;
        const metadata = await this.metadataOf(bucket, v.object);
        if (metadata !== undefined) versions[i] = { ...v, object: { ...v.object, metadata } };
      },
    );
    return { ...page, versions };
  }

  /** The full metadata of a listed object (of its version, when it has an id); undefined when it is gone or replaced. */
  private async metadataOf(bucket: string, o: ObjectInfo): Promise<ObjectInfo['metadata'] | undefined> {
    const id = `${bucket}\0${o.key}\0${o.versionId ?? ''}\0${o.etag}\0${o.lastModified.getTime()}\0${o.size}`;
    let full = this.remembered.get(id);
    if (full === undefined) {
      const head = await this.inner.headObject(bucket, o.key, o.versionId !== undefined ? { versionId: o.versionId } : undefined).catch((err: unknown) => {
        // A version removed since the listing: keep what the listing said.
        if (isStoreError(err, 'NoSuchVersion') || isStoreError(err, 'MethodNotAllowed')) return null;
        throw err;
      });
      // Replaced or deleted since the listing: keep what the listing said.
      if (head === null || head.etag !== o.etag) return undefined;
      full = head;
      if (this.remembered.size >= REMEMBERED_MAX) this.remembered.delete(this.remembered.keys().next().value!);
      this.remembered.set(id, full);
    }
    return full.metadata;
  }
}
