/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html */
import { S3_LIMITS, type PutObjectOptions } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { declaredLength, withBody } from '../body.js';
import type { HeaderList, OpOf, S3Handler } from '../context.js';
import { CHECKSUM_HEADERS, headerChecksum, headerValue } from '../object-headers.js';
import { customerKeyFrom, encryptionHeaders } from '../sse-headers.js';

export const UploadPart: S3Handler<OpOf<'UploadPart'>> = async (ctx) => {
  const { bucket, key, uploadId, partNumber } = ctx.op;
  const headers = ctx.req.headers;
  // Before any body byte is requested (Expect: 100-continue): a missing bucket is answered at once.
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  if (uploadId === '') return new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const size = declaredLength(ctx);
  if (size === undefined && headers['transfer-encoding'] === undefined) return new S3Error('MissingContentLength');
  if (size !== undefined && size > S3_LIMITS.maxPartBytes) {
    return new S3Error('EntityTooLarge', undefined, { ProposedSize: String(size), MaxSizeAllowed: String(S3_LIMITS.maxPartBytes) });
  }
  const customerKey = customerKeyFrom(ctx.req);
  if (customerKey instanceof S3Error) return customerKey;
  const opts: PutObjectOptions = {};
  if (customerKey !== undefined) opts.customerKey = customerKey;
  const contentMd5 = headerValue(headers, 'content-md5');
  if (contentMd5 !== undefined) opts.contentMd5 = contentMd5;
  if (size !== undefined) opts.expectedSize = size;
  const fromHeader = headerChecksum(headers);
  if (fromHeader) opts.checksum = { algorithm: fromHeader.algorithm, value: fromHeader.value };
  const part = await withBody(ctx, (body) => {
    // Trailer checksums: the store reads opts.checksum after the body has ended.
    body.once('end', () => {
      if (body.checksum && !opts.checksum) opts.checksum = { ...body.checksum };
    });
    return ctx.store.uploadPart(bucket, key, uploadId, partNumber, body, opts);
  });
  const out: HeaderList = ['ETag', part.etag, ...encryptionHeaders(part.encryption)];
  if (part.checksum?.value) out.push(CHECKSUM_HEADERS[part.checksum.algorithm], part.checksum.value);
  return { status: 200, headers: out };
};
