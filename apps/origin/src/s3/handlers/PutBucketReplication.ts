/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html — 200 with an
 * empty body. The document is validated as S3 does (xml/replication.ts), then what S3 requires of
 * the buckets (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html):
 * versioning Enabled on the source, a destination that exists (on one of the replication remotes,
 * replication/destination.ts) and has versioning Enabled. A rule with ExistingObjectReplication
 * Enabled starts the replication of the versions already there (replication/backfill.ts).
 * docs/replication.md.
 */
import { MAX_REPLICATION_CONFIGURATION_BYTES, parseReplicationConfiguration, replicatesExistingObjects, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { encodeStoredReplication } from '../../replication/stored-config.js';

const VERSIONING_NOT_ENABLED = "Versioning must be 'Enabled' on the bucket to apply a replication configuration";

export const PutBucketReplication: S3Handler<OpOf<'PutBucketReplication'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_REPLICATION_CONFIGURATION_BYTES);
  if (body instanceof S3Error) return body;
  if (body.length === 0) return new S3Error('MissingRequestBodyError');
  const config = parseReplicationConfiguration(body);
  if (config instanceof S3Error) return config;
  if ((await ctx.store.getBucketVersioning(bucket)) !== 'Enabled') return new S3Error('InvalidRequest', VERSIONING_NOT_ENABLED);
  const destination = config.rules[0]!.destination.bucket;
  if (destination === bucket) return new S3Error('InvalidRequest', 'Destination bucket cannot be the same as the source bucket.');
  const located = ctx.replication === null ? new S3Error('InvalidRequest', 'Destination bucket must exist.') : await ctx.replication.locateDestination(destination);
  if (located instanceof S3Error) return located;
  await ctx.store.putBucketConfig(bucket, 'replication', encodeStoredReplication({ config, destinationRegion: located.region }));
  // Versioning may have been suspended while the destination was looked up: checked again after the
  // write (PutBucketVersioning checks the other way round), so the two never both stand.
  if ((await ctx.store.getBucketVersioning(bucket)) !== 'Enabled') {
    await ctx.store.putBucketConfig(bucket, 'replication', null);
    return new S3Error('InvalidRequest', VERSIONING_NOT_ENABLED);
  }
  // ExistingObjectReplication Enabled: the versions already there follow, in the background (docs/replication.md#existing-objects).
  if (replicatesExistingObjects(config)) await ctx.replication?.startBackfill(bucket);
  return { status: 200 };
};
