/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
 * At most 1000 keys; Content-MD5 or an x-amz-checksum-* is required (the
 * payload decoder verifies whichever was sent); per-key errors in the result. A VersionId other
 * than `null` names no version here: that key is an InvalidArgument error and is not deleted (as
 * DeleteObject answers it, null-version.ts).
 */
import { DeleteResultXml, DeleteXml, S3Error, validateObjectKey, type DeleteResult } from '@bucketfront/s3-protocol';
import { isStoreError } from '@bucketfront/object-store';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { missingContentMd5 } from '../object-headers.js';
import { NULL_VERSION } from '../null-version.js';

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
  const removed: string[] = [];
  for (const { key, versionId } of doc.objects) {
    const bad = validateObjectKey(key);
    if (bad) {
      result.errors.push({ key, code: bad.code, message: bad.message });
      continue;
    }
    if (versionId !== undefined && versionId !== NULL_VERSION) {
      result.errors.push({ key, versionId, code: 'InvalidArgument', message: 'Invalid version id specified' });
      continue;
    }
    try {
      await ctx.store.deleteObject(bucket, key);
      removed.push(key);
      if (!doc.quiet) result.deleted.push(versionId !== undefined ? { key, versionId } : { key });
    } catch (err) {
      const code = isStoreError(err) ? err.code : 'InternalError';
      result.errors.push({ key, code, message: isStoreError(err) ? err.message : 'We encountered an internal error. Please try again.' });
    }
  }
  // One ObjectRemoved:Delete per deleted key; called together, they share one outbox write.
  await Promise.all(removed.map((key) => ctx.notify({ eventName: 'ObjectRemoved:Delete', bucket, key })));
  return xmlResponse(DeleteResultXml.serialize(result));
};
