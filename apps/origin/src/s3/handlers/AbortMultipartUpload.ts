/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortMultipartUpload.html — 204. */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const AbortMultipartUpload: S3Handler<OpOf<'AbortMultipartUpload'>> = async (ctx) => {
  const { bucket, key, uploadId } = ctx.op;
  if (uploadId === '') return new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  await ctx.store.abortMultipartUpload(bucket, key, uploadId);
  return { status: 204 };
};
