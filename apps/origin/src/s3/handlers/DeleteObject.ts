/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html — 204, also for a missing key.
 * `versionId=null` names the object itself (the only version an unversioned bucket has); any other
 * versionId is refused rather than deleting the object it does not name.
 */
import type { OpOf, S3Handler } from '../context.js';
import { unversionedOnly } from '../null-version.js';

export const DeleteObject: S3Handler<OpOf<'DeleteObject'>> = async (ctx) => {
  const badVersion = unversionedOnly(ctx.op.query);
  if (badVersion) return badVersion;
  await ctx.store.deleteObject(ctx.op.bucket, ctx.op.key);
  // S3 records ObjectRemoved:Delete for a key that did not exist too (the DELETE succeeded).
  await ctx.notify({ eventName: 'ObjectRemoved:Delete', bucket: ctx.op.bucket, key: ctx.op.key });
  return { status: 204 };
};
