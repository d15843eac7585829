/**
 * Replication as the write handlers see it (docs/replication.md):
 * - on the source, a new version that a rule replicates is written PENDING (in the same write) and
 *   its record joins the durable queue before the answer (pendingReplication, recordReplication);
 * - on the destination, a write carrying REPLICA_VERSION_HEADER is a replica: it keeps the source's
 *   version id and the status REPLICA, and is never replicated again (replicaFrom). The
 *   caller needs s3:ReplicateObject / s3:ReplicateDelete (replicaNeedOf, used by authorize.ts).
 */
import type { ObjectInfo, ObjectMetadata } from '@bucketfront/object-store';
import { NULL_VERSION, S3Error } from '@bucketfront/s3-protocol';
import { REPLICA_SOURCE_TIME_HEADER, REPLICA_VERSION_HEADER } from '../replication/records.js';
import type { ReplicationMatch } from '../replication/service.js';
import type { S3Context } from './context.js';
import type { Need } from './authorize.js';
import { headerValue } from './object-headers.js';

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html: what the destination grants the replicator. */
const REPLICATE_OBJECT: Need = { action: 's3:ReplicateObject', grantedBy: 'owner' };
const REPLICATE_DELETE: Need = { action: 's3:ReplicateDelete', grantedBy: 'owner' };

/** The need of a replica write (instead of the operation's own); null for any other request. */
export function replicaNeedOf(ctx: S3Context): Need | null {
  if (headerValue(ctx.req.headers, REPLICA_VERSION_HEADER) === undefined) return null;
  switch (ctx.op.op) {
    case 'PutObject':
    case 'CreateMultipartUpload':
    case 'CompleteMultipartUpload':
      return REPLICATE_OBJECT;
    case 'DeleteObject':
      return REPLICATE_DELETE;
    default:
      return null;
  }
}

/** How far ahead of this origin's clock a replica's source time may be (clocks differ between regions). */
const SOURCE_TIME_AHEAD_MS = 24 * 60 * 60 * 1000;

/** What a replica write asks the store for: the version id, and when the source wrote it (REPLICA_SOURCE_TIME_HEADER). */
export interface ReplicaWrite {
  versionId: string;
  sourceTime?: Date;
}

/**
 * The replica a write carries: undefined for an ordinary write, else the version id and source
 * time, or the error (400 InvalidRequest when the destination bucket is not versioned, as S3's
 * replication requirements have it: https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html).
 */
export async function replicaFrom(ctx: S3Context, bucket: string): Promise<ReplicaWrite | undefined | S3Error> {
  const id = headerValue(ctx.req.headers, REPLICA_VERSION_HEADER);
  if (id === undefined) return undefined;
  if (id === '' || id === NULL_VERSION) return new S3Error('InvalidArgument', 'Invalid version id specified', { ArgumentName: REPLICA_VERSION_HEADER, ArgumentValue: id });
  const time = headerValue(ctx.req.headers, REPLICA_SOURCE_TIME_HEADER);
  // Milliseconds since 1970, from 1970-01-01T00:00:01 to a day ahead of this clock (as the fs store bounds the times in its ids).
  if (time !== undefined && !(/^\d{4,15}$/.test(time) && Number(time) <= Date.now() + SOURCE_TIME_AHEAD_MS)) {
    return new S3Error('InvalidArgument', 'Invalid replica source time', { ArgumentName: REPLICA_SOURCE_TIME_HEADER, ArgumentValue: time });
  }
  if ((await ctx.store.getBucketVersioning(bucket)) !== 'Enabled') return new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
  return { versionId: id, ...(time !== undefined ? { sourceTime: new Date(Number(time)) } : {}) };
}

/** Before a write on the source: the rule that replicates it (its metadata then says PENDING), or null. */
export async function pendingReplication(ctx: S3Context, bucket: string, key: string, metadata: ObjectMetadata): Promise<ReplicationMatch | null> {
  // A replica is never replicated again (two-way replication without loops).
  if (ctx.replication === null || metadata.replicationStatus === 'REPLICA') return null;
  const match = await ctx.replication.matchObject(bucket, key, metadata.tagging);
  if (match !== null) metadata.replicationStatus = 'PENDING';
  return match;
}

/** After the write: its record joins the durable queue (before the handler answers). */
export async function recordReplication(ctx: S3Context, match: ReplicationMatch | null, bucket: string, key: string, info: ObjectInfo): Promise<void> {
  if (match === null || ctx.replication === null || info.versionId === undefined || info.versionId === NULL_VERSION) return;
  await ctx.replication.enqueue(match, { bucket, key, versionId: info.versionId, kind: 'object', size: info.size });
}

/** After DeleteObject(s) made a delete marker (no versionId; never a replica's): queued when the rule replicates markers. */
export async function recordDeleteMarker(ctx: S3Context, bucket: string, key: string, markerVersionId: string | undefined): Promise<void> {
  if (ctx.replication === null || markerVersionId === undefined || markerVersionId === NULL_VERSION) return;
  const match = await ctx.replication.matchDeleteMarker(bucket, key);
  if (match === null) return;
  await ctx.replication.enqueue(match, { bucket, key, versionId: markerVersionId, kind: 'deleteMarker', size: 0, markerTime: Date.now() });
}
