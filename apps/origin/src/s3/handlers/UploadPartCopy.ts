/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html */
import type { ByteRange } from '@bucketfront/object-store';
import { CopyPartResultXml, S3Error } from '@bucketfront/s3-protocol';
import { authorizeCopySource } from '../authorize.js';
import { readSmallBody } from '../body.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { checkCopySourceConditions, headCopySource, isCopySourceRefusal, parseCopySource } from '../copy-source.js';
import { headerValue } from '../object-headers.js';
import { COPY_SOURCE_CUSTOMER_PREFIX, customerKeyFrom, encryptionHeaders } from '../sse-headers.js';
import { copySourceVersionHeader } from '../versions.js';

export const UploadPartCopy: S3Handler<OpOf<'UploadPartCopy'>> = async (ctx) => {
  const { bucket, key, uploadId, partNumber } = ctx.op;
  const headers = ctx.req.headers;
  if (uploadId === '') return new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const rawSource = headerValue(headers, 'x-amz-copy-source') ?? '';
  const src = parseCopySource(rawSource);
  if (src instanceof S3Error) return src;
  const empty = await readSmallBody(ctx, 0, 'UnexpectedContent');
  if (empty instanceof S3Error) return empty;
  const sourceCustomerKey = customerKeyFrom(ctx.req, COPY_SOURCE_CUSTOMER_PREFIX);
  if (sourceCustomerKey instanceof S3Error) return sourceCustomerKey;
  const customerKey = customerKeyFrom(ctx.req);
  if (customerKey instanceof S3Error) return customerKey;
  const info = await headCopySource(ctx, src, rawSource, sourceCustomerKey);
  if (isCopySourceRefusal(info)) return info;
  const sourceDenied = await authorizeCopySource(ctx, src, info.metadata);
  if (sourceDenied) return sourceDenied;
  const failed = checkCopySourceConditions(headers, info);
  if (failed) return failed;

  let range: ByteRange | undefined;
  const rawRange = headerValue(headers, 'x-amz-copy-source-range');
  if (rawRange !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rawRange.trim());
    if (!m || Number(m[1]) > Number(m[2])) {
      return new S3Error(
        'InvalidArgument',
        'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
        { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rawRange },
      );
    }
    range = { start: Number(m[1]), end: Number(m[2]) };
    if (range.end >= info.size) {
      return new S3Error('InvalidRange', undefined, { RangeRequested: rawRange, ActualObjectSize: String(info.size) }, 416);
    }
  }
  const part = await ctx.store.uploadPartCopy(
    bucket,
    key,
    uploadId,
    partNumber,
    { ...src, ...(range ? { range } : {}) },
    {
      ...(sourceCustomerKey !== undefined ? { sourceCustomerKey } : {}),
      ...(customerKey !== undefined ? { customerKey } : {}),
    },
  );
  return xmlResponse(CopyPartResultXml.serialize({ etag: part.etag, lastModified: part.lastModified }), 200, [...encryptionHeaders(part.encryption), ...copySourceVersionHeader(info)]);
};
