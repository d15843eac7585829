/**
 * Real S3 operations bucketfront does not implement: 501 in S3's XML form.
 * Reads of sub-resources that simply do not exist here get S3's own "none configured" answer
 * instead (none-configured.ts), which tools treat as normal.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { emptyListDocument, NONE_CONFIGURED } from '../none-configured.js';

export const NotImplemented: S3Handler<OpOf<'NotImplemented'>> = async (ctx) => {
  const { bucket, key, name, query } = ctx.op;
  const none = NONE_CONFIGURED[name];
  if (none === undefined || bucket === undefined) return new S3Error('NotImplemented', `${name} is not implemented by bucketfront`);
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  if (key !== undefined) {
    const info = await ctx.store.headObject(bucket, key);
    if (info === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  }
  if ('document' in none) return xmlResponse(none.document);
  if ('listRoot' in none) {
    const id = query.get('id');
    return id === undefined ? xmlResponse(emptyListDocument(none.listRoot)) : new S3Error('NoSuchConfiguration');
  }
  return new S3Error(none.error, none.message, none.bucketName ? { BucketName: bucket } : {});
};
