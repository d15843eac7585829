/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html — the stored
 * ReplicationConfiguration; 404 ReplicationConfigurationNotFoundError when there is none.
 */
import { S3Error, serializeReplicationConfiguration } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { loadReplication } from '../../replication/stored-config.js';

export const GetBucketReplication: S3Handler<OpOf<'GetBucketReplication'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const stored = await loadReplication(ctx.store, bucket);
  if (stored === null) return new S3Error('ReplicationConfigurationNotFoundError', undefined, { BucketName: bucket });
  return xmlResponse(serializeReplicationConfiguration(stored.config));
};
