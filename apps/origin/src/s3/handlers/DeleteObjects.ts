/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 * At most 1000 keys; Content-MD5 or an x-amz-checksum-* is required (the
 * payload decoder verifies whichever was sent); per-key errors in the result. Each entry is a
 * DeleteObject: with a VersionId it removes that version, without one in a versioned bucket it adds
 * a delete marker (`DeleteMarker`, `DeleteMarkerVersionId` in its `<Deleted>`). In a bucket that
 * never had versioning a VersionId other than `null` is an InvalidArgument error and that key is
 * not deleted (as DeleteObject answers it, versions.ts).
 */
import { DeleteResultXml, DeleteXml, invalidVersionId, NULL_VERSION, S3Error, validateObjectKey, type DeleteResult } from '@bucketfront/s3-protocol';
import { isStoreError, type DeleteObjectResult } from '@bucketfront/object-store';
import type { ObjectEvent } from '@bucketfront/notifications';
import { requireBucket } from '../access.js';
import { DELETE_OBJECT_VERSION, isAllowed } from '../authorize.js';
import { readSmallBody } from '../body.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { missingContentMd5 } from '../object-headers.js';
import { recordDeleteMarker } from '../replica-writes.js';

const MAX_KEYS = 1000;
const MAX_BODY = 2 * 1024 * 1024;

export const DeleteObjects: S3Handler<OpOf<'DeleteObjects'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const headers = ctx.req.headers;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const noDigest = missingContentMd5(headers);
  if (noDigest) return noDigest;
  const body = await readSmallBody(ctx, MAX_BODY);
  if (body instanceof S3Error) return body;
  const doc = DeleteXml.parse(body, { maxBytes: MAX_BODY });
  if (doc instanceof S3Error) return doc;
  if (doc.objects.length === 0 || doc.objects.length > MAX_KEYS) return new S3Error('MalformedXML');

  const result: DeleteResult = { deleted: [], errors: [] };
  const events: Omit<ObjectEvent, 'principalId' | 'sourceIp' | 'requestId' | 'hostId'>[] = [];
  const markers: Array<{ key: string; versionId: string | undefined }> = [];
  let versioned: boolean | undefined;
  // The deleter owns the delete markers it creates (ListObjectVersions shows it).
  const owner = ctx.caller.kind === 'user' ? ctx.caller.id : undefined;
  for (const { key, versionId } of doc.objects) {
    const bad = validateObjectKey(key);
    if (bad) {
      result.errors.push({ key, code: bad.code, message: bad.message });
      continue;
    }
    if (versionId === '') {
      result.errors.push({ key, versionId, code: 'InvalidArgument', message: 'Version id cannot be the empty string' });
      continue;
    }
    if (versionId !== undefined && versionId !== NULL_VERSION) {
      versioned ??= (await ctx.store.getBucketVersioning(bucket)) !== null;
      if (!versioned) {
        const err = invalidVersionId('versionId', versionId);
        result.errors.push({ key, versionId, code: err.code, message: err.message });
        continue;
      }
    }
    // Removing a version for good needs s3:DeleteObjectVersion, as DeleteObject with a versionId
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html "Permissions").
    if (versionId !== undefined && !isAllowed(ctx, facts, DELETE_OBJECT_VERSION, key)) {
      const denied = new S3Error('AccessDenied');
      result.errors.push({ key, versionId, code: denied.code, message: denied.message });
      continue;
    }
    let done: DeleteObjectResult;
    try {
      done = await ctx.store.deleteObject(bucket, key, { ...(versionId !== undefined ? { versionId } : {}), ...(owner !== undefined ? { owner } : {}) });
    } catch (err) {
      const code = isStoreError(err) ? err.code : 'InternalError';
      result.errors.push({ key, ...(versionId !== undefined ? { versionId } : {}), code, message: isStoreError(err) ? err.message : 'We encountered an internal error. Please try again.' });
      continue;
    }
    const markerCreated = versionId === undefined && done.deleteMarker === true;
    if (markerCreated) markers.push({ key, versionId: done.versionId });
    events.push({ eventName: markerCreated ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete', bucket, key, ...(done.versionId !== undefined ? { versionId: done.versionId } : {}) });
    if (doc.quiet) continue;
    const deleted: DeleteResult['deleted'][number] = versionId !== undefined ? { key, versionId } : { key };
    // The marker created, or the version removed when it was one.
    if (done.deleteMarker === true) {
      deleted.deleteMarker = true;
      if (done.versionId !== undefined) deleted.deleteMarkerVersionId = done.versionId;
    }
    result.deleted.push(deleted);
  }
  // One event per deleted key; called together, they share one outbox write.
  await Promise.all([...events.map((event) => ctx.notify(event)), ...markers.map((m) => recordDeleteMarker(ctx, bucket, m.key, m.versionId))]);
  return xmlResponse(DeleteResultXml.serialize(result));
};
