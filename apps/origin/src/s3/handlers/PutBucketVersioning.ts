/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html — 200 with an empty
 * body. `Status` Enabled or Suspended sets the bucket's state (a bucket never returns to "never
 * versioned"); a document without Status changes nothing. MFA delete cannot be enabled here:
 * without `x-amz-mfa` S3's own answer (403 AccessDenied), with one 501 (there are no MFA devices).
 * Versioning cannot be suspended while the bucket has a replication configuration
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-and-other-bucket-configs.html#replication-and-versioning):
 * 409 InvalidBucketState, with the message S3 answers. docs/versioning.md, docs/replication.md
 */
import { parseVersioningConfiguration, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';

const MAX_BODY = 64 * 1024;

const REPLICATION_PRESENT =
  'A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.';

export const PutBucketVersioning: S3Handler<OpOf<'PutBucketVersioning'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const body = await readSmallBody(ctx, MAX_BODY);
  if (body instanceof S3Error) return body;
  const config = parseVersioningConfiguration(body);
  if (config instanceof S3Error) return config;
  if (config.mfaDelete === 'Enabled') {
    // What S3 answers a request that enables MFA delete without an MFA code (the aws CLI's --mfa).
    if (ctx.req.headers['x-amz-mfa'] === undefined) return new S3Error('AccessDenied', 'Mfa Authentication must be used for this request');
    return new S3Error('NotImplemented', 'MFA delete is not implemented by bucketfront');
  }
  if (config.status === 'Suspended' && (await ctx.store.getBucketConfig(bucket, 'replication')) !== null) {
    return new S3Error('InvalidBucketState', REPLICATION_PRESENT);
  }
  if (config.status === undefined) return { status: 200 };
  await ctx.store.putBucketVersioning(bucket, config.status);
  // A PutBucketReplication may have stored its configuration meanwhile: checked again after the write
  // (PutBucketReplication checks the other way round), so the two never both stand.
  if (config.status === 'Suspended' && (await ctx.store.getBucketConfig(bucket, 'replication')) !== null) {
    await ctx.store.putBucketVersioning(bucket, 'Enabled');
    return new S3Error('InvalidBucketState', REPLICATION_PRESENT);
  }
  return { status: 200 };
};
