/**
 * Versioning in the S3 API (docs/versioning.md): which version a request names, the headers that
 * report versions and delete markers, and the errors S3 answers about them.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
 */
import { isStoreError, type ObjectInfo, type ObjectStore, type VersionMetadataPatch } from '@bucketfront/object-store';
import { invalidVersionId, NULL_VERSION, S3Error, versionIdParam, type QueryParams } from '@bucketfront/s3-protocol';
import { authorize } from './authorize.js';
import type { HeaderList, S3Context, S3Response } from './context.js';

/**
 * The version a request's `versionId` names: undefined without one. Empty → InvalidArgument.
 * In a bucket that never had versioning every object is its `null` version, and S3 answers any
 * other id there with InvalidArgument "Invalid version id specified" (the bucket's state is read
 * only when such an id is sent).
 */
export async function requestedVersion(store: ObjectStore, bucket: string, query: QueryParams): Promise<string | undefined | S3Error> {
  const versionId = versionIdParam(query);
  if (versionId === undefined || versionId instanceof S3Error || versionId === NULL_VERSION) return versionId;
  if ((await store.getBucketVersioning(bucket)) === null) return invalidVersionId('versionId', versionId);
  return versionId;
}

/** `x-amz-version-id` when the store reports the object's version (never in a never-versioned bucket, as S3). */
export function versionIdHeader(info: { versionId?: string }): HeaderList {
  return info.versionId === undefined ? [] : ['x-amz-version-id', info.versionId];
}

/**
 * `x-amz-version-id` on the answer to a write: none when the write made the `null` version (a
 * Suspended bucket), as S3 answers (ceph/s3-tests test_versioning_bucket_*_return_version_id).
 */
export function writtenVersionIdHeader(info: { versionId?: string }): HeaderList {
  return info.versionId === NULL_VERSION ? [] : versionIdHeader(info);
}

/**
 * After a read found no current object: in a versioned bucket whose latest entry for the key is a
 * delete marker, S3's 404 carries `x-amz-delete-marker: true` and the marker's `x-amz-version-id`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html
 */
export async function latestDeleteMarkerHeaders(store: ObjectStore, bucket: string, key: string): Promise<HeaderList> {
  if ((await store.getBucketVersioning(bucket)) === null) return [];
  const listed = await store.listObjectVersions(bucket, { prefix: key, maxKeys: 1 });
  const latest = listed.versions[0];
  if (latest === undefined || latest.key !== key || latest.deleteMarker !== true || !latest.isLatest) return [];
  return ['x-amz-delete-marker', 'true', 'x-amz-version-id', latest.versionId];
}

/** A 404 (NoSuchKey, AccessDenied…) with the delete-marker headers when the key's latest entry is one. */
export async function missingWithMarker(store: ObjectStore, bucket: string, key: string, err: S3Error): Promise<S3Response | S3Error> {
  const headers = err.code === 'NoSuchKey' ? await latestDeleteMarkerHeaders(store, bucket, key) : [];
  return headers.length === 0 ? err : { status: err.status, error: err, headers };
}

/** What a read of a version answers instead of the object (readVersion). */
export class VersionRefusal {
  constructor(readonly response: S3Response | S3Error) {}
}

/**
 * Runs a read of one version, turning the store's version errors into S3's answers: an unknown id
 * is 404 NoSuchVersion (Key, VersionId); a delete marker's id is 405 MethodNotAllowed with
 * `x-amz-delete-marker`, its `x-amz-version-id`, `Allow: DELETE` (and Last-Modified when the store
 * says), as S3 answers GET/HEAD of a delete marker.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_ResponseSyntax (x-amz-delete-marker)
 */
export async function readVersion<T>(key: string, versionId: string | undefined, method: string, read: () => Promise<T>): Promise<T | VersionRefusal> {
  try {
    return await read();
  } catch (err) {
    if (isStoreError(err, 'NoSuchVersion')) return new VersionRefusal(new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId ?? '' }));
    if (!isStoreError(err, 'MethodNotAllowed')) throw err;
    const error = new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'DeleteMarker' });
    const headers = ['x-amz-delete-marker', 'true', 'x-amz-version-id', err.detail.VersionId ?? versionId ?? '', 'Allow', 'DELETE'];
    const lastModified = err.detail.LastModified;
    if (lastModified !== undefined) headers.push('Last-Modified', new Date(lastModified).toUTCString());
    return new VersionRefusal({ status: 405, error, headers });
  }
}

/**
 * The object (or the version the request's `versionId` names) whose sub-resource a read returns
 * (GetObjectAcl, GetObjectTagging): NoSuchKey, NoSuchVersion, or 405 for a delete marker's id.
 */
export async function objectForSubresource(store: ObjectStore, bucket: string, key: string, query: QueryParams, method: string): Promise<ObjectInfo | S3Response | S3Error> {
  const versionId = await requestedVersion(store, bucket, query);
  if (versionId instanceof S3Error) return versionId;
  const read = await readVersion(key, versionId, method, () => store.headObject(bucket, key, versionId !== undefined ? { versionId } : {}));
  if (read instanceof VersionRefusal) return read.response;
  return read ?? missingWithMarker(store, bucket, key, new S3Error('NoSuchKey', undefined, { Key: key }));
}

/**
 * PutObjectAcl, PutObjectTagging, DeleteObjectTagging: changes the version the request's
 * `versionId` names (else the current one) in place, as S3 does: no new version, the version id and
 * Last-Modified stay. NoSuchVersion, 405 for a delete marker's id, NoSuchKey; a store that cannot
 * (the s3 store, for a version named by id) answers 501 NotImplemented.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 */
export async function updateSubresource(ctx: S3Context, bucket: string, key: string, method: string, patch: VersionMetadataPatch): Promise<ObjectInfo | S3Response | S3Error> {
  // The request body was read after the central authorization (router.ts), at the client's pace:
  // the decision is taken again now, and a change without a versionId is pinned to the version this
  // decision read, so a version written meanwhile is never changed on rights over another one.
  const denied = await authorize(ctx);
  if (denied) return denied;
  const store = ctx.store;
  const named = await requestedVersion(store, bucket, ctx.op.query);
  if (named instanceof S3Error) return named;
  // No object when the decision was taken: nothing the caller may change, whatever appears meanwhile.
  if (named === undefined && ctx.checkedObject === null) return missingWithMarker(store, bucket, key, new S3Error('NoSuchKey', undefined, { Key: key }));
  const versionId = named ?? ctx.checkedObject?.versionId;
  const updated = await readVersion(key, versionId, method, async () => {
    try {
      return await store.updateVersionMetadata(bucket, key, versionId, patch);
    } catch (err) {
      if (isStoreError(err, 'NoSuchKey')) return null;
      throw err;
    }
  });
  if (updated instanceof VersionRefusal) return updated.response;
  return updated ?? missingWithMarker(store, bucket, key, new S3Error('NoSuchKey', undefined, { Key: key }));
}

/** Whether a sub-resource lookup found the object (rather than an answer to send instead). */
export function isObjectInfo(found: ObjectInfo | S3Response | S3Error): found is ObjectInfo {
  return !(found instanceof S3Error) && 'metadata' in found;
}

/**
 * The source of a copy named by a delete marker's id: S3 refuses it (400 InvalidRequest) rather
 * than answering 405. https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
 */
export function copySourceError(err: unknown, key: string, versionId: string | undefined): S3Error | undefined {
  if (isStoreError(err, 'MethodNotAllowed')) return new S3Error('InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
  if (isStoreError(err, 'NoSuchVersion')) return new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId ?? '' });
  return undefined;
}

/** `x-amz-copy-source-version-id`: the version copied, when the source bucket reports versions. */
export function copySourceVersionHeader(source: ObjectInfo): HeaderList {
  return source.versionId === undefined ? [] : ['x-amz-copy-source-version-id', source.versionId];
}
