/**
 * Versioning on the s3 driver: the backend's own (docs/versioning.md). A bucket's state, every
 * version and delete marker are the backend's; this module holds what the driver adds on top:
 *
 * - the state per backend bucket, remembered: a bucket once versioned stays so (S3 never returns
 *   to "never enabled"), so `true` is kept until this process deletes or creates the bucket; "never
 *   versioned" is believed for VERSIONING_TTL_MS. It tells which version id an answer without
 *   `x-amz-version-id` means: the null version (`null`) in a versioned bucket, none otherwise
 *   (radosgw sends no header for null versions, nor for a copy's new version);
 * - lookups in the key's version listing where radosgw's answers say too little: the new
 *   version a copy made, and whether a version id that GET/HEAD answered 404 names a delete
 *   marker (S3: 405 MethodNotAllowed; radosgw Pacific: a plain 404 NoSuchKey).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { StoreError, VersioningStatus } from '../types.js';
import { deleteMarkerRead, noSuchVersion } from '../version-errors.js';
import { drain, encodeKeyPath, type BackendClient } from './http-client.js';
import { parseListVersions, parseVersioningConfiguration, versioningConfigurationRequest, type ListedVersion } from './xml.js';

/** The version id of a null version (objects written while versioning was absent or suspended). */
export const NULL_VERSION = 'null';
/** How long "never versioned" is believed before the backend is asked again. */
const VERSIONING_TTL_MS = 2000;
/** Versions of one key read to find one (a copy's new version, a delete marker): one page. */
const LOOKUP_PAGE = 1000;

export function versionIdHeader(headers: IncomingHttpHeaders): string | undefined {
  const v = headers['x-amz-version-id'];
  const id = Array.isArray(v) ? v[0] : v;
  return id !== undefined && id !== '' ? id : undefined;
}

export function isDeleteMarkerAnswer(headers: IncomingHttpHeaders): boolean {
  return String(headers['x-amz-delete-marker'] ?? '').toLowerCase() === 'true';
}

/** `x-amz-copy-source` of a key, or of one version of it. */
export function copySource(full: string, key: string, versionId?: string): string {
  const source = `/${full}/${encodeKeyPath(key)}`;
  return versionId === undefined ? source : `${source}?versionId=${encodeURIComponent(versionId)}`;
}

/**
 * The copy's condition on the source's ETag. S3 names it `x-amz-copy-source-if-match`; radosgw
 * (Pacific) ignores that name and honours only its own `x-amz-copy-if-match`, so both are sent
 * (a backend ignores a header it does not know).
 */
export function copyIfMatch(etag: string): Record<string, string> {
  return { 'x-amz-copy-source-if-match': etag, 'x-amz-copy-if-match': etag };
}

export class BackendVersions {
  /** Backend bucket → versioned (forever), or when it was last found never versioned. */
  private readonly known = new Map<string, true | number>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(private readonly client: BackendClient) {}

  // ---------------------------------------------------------------- the bucket's state

  async getStatus(full: string): Promise<VersioningStatus | null> {
    const { body } = await this.client.requestBody({ method: 'GET', bucket: full, query: [['versioning', undefined]] });
    const status = parseVersioningConfiguration(body);
    this.learn(full, status !== null);
    return status;
  }

  async putStatus(full: string, status: VersioningStatus): Promise<void> {
    const body = versioningConfigurationRequest(status);
    await drain(
      await this.client.request({
        method: 'PUT',
        bucket: full,
        query: [['versioning', undefined]],
        headers: { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') },
        body,
        idempotent: true,
      }),
    );
    this.learn(full, true);
  }

  /** The bucket was created or deleted by this process: what was known of it no longer holds. */
  forget(full: string): void {
    this.known.delete(full);
  }

  private learn(full: string, versioned: boolean): void {
    this.known.set(full, versioned ? true : Date.now());
  }

  /** True once the bucket has had versioning (remembered; see the module comment). Failures: false. */
  isVersioned(full: string): Promise<boolean> {
    const k = this.known.get(full);
    if (k === true) return Promise.resolve(true);
    if (k !== undefined && Date.now() - k < VERSIONING_TTL_MS) return Promise.resolve(false);
    let p = this.pending.get(full);
    if (p === undefined) {
      p = this.getStatus(full).then(
        (s) => s !== null,
        () => false,
      );
      this.pending.set(full, p);
      void p.finally(() => this.pending.delete(full));
    }
    return p;
  }

  /**
   * The version id an answer names: its `x-amz-version-id`, else `null` in a bucket that has
   * had versioning, else none. `versioned` is isVersioned(full), started alongside the request.
   */
  async idOf(full: string, headers: IncomingHttpHeaders, versioned?: Promise<boolean>): Promise<string | undefined> {
    const id = versionIdHeader(headers);
    if (id !== undefined) {
      if (id !== NULL_VERSION) this.learn(full, true);
      return id;
    }
    return (await (versioned ?? this.isVersioned(full))) ? NULL_VERSION : undefined;
  }

  // ---------------------------------------------------------------- one key's versions

  /** The first `limit` of `key`'s versions and delete markers, newest first. */
  async historyOf(full: string, key: string, limit = LOOKUP_PAGE): Promise<ListedVersion[]> {
    const { body } = await this.client.requestBody({
      method: 'GET',
      bucket: full,
      query: [
        ['versions', undefined],
        ['encoding-type', 'url'],
        ['max-keys', String(limit)],
        ['prefix', key],
      ],
    });
    return parseListVersions(body).entries.filter((e) => e.key === key);
  }

  /** The error for a version GET/HEAD answered 404: MethodNotAllowed for a delete marker, else NoSuchVersion. */
  async missing(full: string, key: string, versionId: string): Promise<StoreError> {
    const entry = await this.historyOf(full, key).then(
      (h) => h.find((e) => e.versionId === versionId),
      () => undefined,
    );
    return entry?.deleteMarker === true ? deleteMarkerRead(versionId) : noSuchVersion(versionId);
  }

  /** The id of the version a write just made (known by its ETag and exact LastModified), if it can be found. */
  async findWritten(full: string, key: string, etag: string, lastModified: Date): Promise<string | undefined> {
    const history = await this.historyOf(full, key).catch(() => []);
    return history.find((e) => !e.deleteMarker && e.etag === etag && e.lastModified.getTime() === lastModified.getTime())?.versionId;
  }

  /** Removes one version for good; best effort (the caller's write stands either way). */
  async deleteVersion(full: string, key: string, versionId: string): Promise<void> {
    await this.client.request({ method: 'DELETE', bucket: full, key, query: [['versionId', versionId]] }).then(drain, () => {});
  }
}
