/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html — 204, also for a missing
 * key. In a versioned bucket, without a versionId it adds a delete marker (`x-amz-delete-marker:
 * true` and the marker's `x-amz-version-id`); with one it removes that version for good (an id
 * naming no version succeeds too), `x-amz-delete-marker: true` when it was a marker. In a bucket
 * that never had versioning only `versionId=null` names the object (versions.ts). docs/versioning.md
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { HeaderList, OpOf, S3Handler } from '../context.js';
import { requestedVersion } from '../versions.js';
import { recordDeleteMarker, replicaFrom } from '../replica-writes.js';

export const DeleteObject: S3Handler<OpOf<'DeleteObject'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const versionId = await requestedVersion(ctx.store, bucket, ctx.op.query);
  if (versionId instanceof S3Error) return versionId;
  // A replicated delete marker keeps its source's id (docs/replication.md#replica-writes).
  const replica = await replicaFrom(ctx, bucket);
  if (replica instanceof S3Error) return replica;
  const markerVersionId = replica?.versionId;
  if (markerVersionId !== undefined && versionId !== undefined) return new S3Error('InvalidRequest', 'A replicated delete marker names no versionId.');
  // The deleter owns the delete marker it may create (ListObjectVersions shows it).
  const owner = ctx.caller.kind === 'user' ? ctx.caller.id : undefined;
  const result = await ctx.store.deleteObject(bucket, key, {
    ...(versionId !== undefined ? { versionId } : {}),
    ...(owner !== undefined ? { owner } : {}),
    ...(markerVersionId !== undefined ? { markerVersionId } : {}),
    ...(replica?.sourceTime !== undefined ? { sourceTime: replica.sourceTime } : {}),
  });
  // S3 replicates the delete markers users make, never deletes by versionId
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html).
  if (versionId === undefined && markerVersionId === undefined && result.deleteMarker === true) await recordDeleteMarker(ctx, bucket, key, result.versionId);
  const headers: HeaderList = [];
  if (result.deleteMarker === true) headers.push('x-amz-delete-marker', 'true');
  if (result.versionId !== undefined) headers.push('x-amz-version-id', result.versionId);
  // S3 records ObjectRemoved:Delete for a key that did not exist too (the DELETE succeeded), and
  // ObjectRemoved:DeleteMarkerCreated when the delete added a marker.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html#supported-notification-event-types
  const eventName = versionId === undefined && result.deleteMarker === true ? 'ObjectRemoved:DeleteMarkerCreated' : 'ObjectRemoved:Delete';
  await ctx.notify({ eventName, bucket, key, ...(result.versionId !== undefined ? { versionId: result.versionId } : {}) });
  return { status: 204, headers };
};
