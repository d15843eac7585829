/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 * The store validates the part list (InvalidPart, InvalidPartOrder, EntityTooSmall).
 */
import { CompleteMultipartUploadResultXml, CompleteMultipartUploadXml, S3Error, type CompleteMultipartUploadResult } from '@bucketfront/s3-protocol';
import { compositeChecksum } from '@bucketfront/sigv4';
import type { ChecksumAlgorithm } from '@bucketfront/object-store';
import { readSmallBody } from '../body.js';
import { encryptionHeaders } from '../sse-headers.js';
import { xmlResponse, type OpOf, type S3Context, type S3Handler } from '../context.js';
import { urlEncodeKey } from '../listing.js';
import { checkWritePreconditions } from '../write-conditions.js';

const MAX_BODY = 4 * 1024 * 1024;

const RESULT_FIELD: Record<ChecksumAlgorithm, keyof CompleteMultipartUploadResult> = {
  CRC32: 'checksumCRC32',
  CRC32C: 'checksumCRC32C',
  CRC64NVME: 'checksumCRC64NVME',
  SHA1: 'checksumSHA1',
  SHA256: 'checksumSHA256',
};

export const CompleteMultipartUpload: S3Handler<OpOf<'CompleteMultipartUpload'>> = async (ctx) => {
  const { bucket, key, uploadId } = ctx.op;
  if (uploadId === '') return new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const body = await readSmallBody(ctx, MAX_BODY);
  if (body instanceof S3Error) return body;
  const doc = CompleteMultipartUploadXml.parse(body, { maxBytes: MAX_BODY });
  if (doc instanceof S3Error) return doc;
  if (doc.parts.length === 0 || doc.parts.length > 10_000) return new S3Error('MalformedXML');

  const precondition = await checkWritePreconditions(ctx, bucket, key);
  if (precondition) return precondition;
  const composite = await compositeOf(
    ctx,
    doc.parts.map((p) => p.partNumber),
  );
  // The composite checksum is committed with the object, so GETs with checksum mode see it at once.
  const info = await ctx.store.completeMultipartUpload(
    bucket,
    key,
    uploadId,
    doc.parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
    composite ? { checksum: { algorithm: composite.algorithm, value: composite.value, type: 'COMPOSITE' } } : undefined,
  );
  await ctx.notify({ eventName: 'ObjectCreated:CompleteMultipartUpload', bucket, key, size: info.size, eTag: info.etag });
  const result: CompleteMultipartUploadResult = {
    location: `${ctx.baseUrl}/${bucket}/${urlEncodeKey(key)}`,
    bucket,
    key,
    etag: info.etag,
  };
  if (composite) {
    (result as unknown as Record<string, string>)[RESULT_FIELD[composite.algorithm]] = composite.value;
    result.checksumType = 'COMPOSITE';
  }
  return xmlResponse(CompleteMultipartUploadResultXml.serialize(result), 200, encryptionHeaders(info.metadata.encryption));
};

/** The COMPOSITE checksum `<b64>-N` when the upload announced an algorithm and every chosen part carries one. */
async function compositeOf(ctx: S3Context<OpOf<'CompleteMultipartUpload'>>, partNumbers: number[]): Promise<{ algorithm: ChecksumAlgorithm; value: string } | null> {
  const { bucket, key, uploadId } = ctx.op;
  const listed = await ctx.store.listParts(bucket, key, uploadId, { maxParts: 10_000 });
  const algorithm = listed.upload.metadata.checksum?.algorithm ?? listed.parts.find((p) => p.checksum)?.checksum?.algorithm;
  if (!algorithm) return null;
  const byNumber = new Map(listed.parts.map((p) => [p.partNumber, p]));
  const values: string[] = [];
  for (const n of partNumbers) {
    const c = byNumber.get(n)?.checksum;
    if (!c || c.algorithm !== algorithm || !c.value) return null;
    values.push(c.value);
  }
  return { algorithm, value: compositeChecksum(algorithm, values) };
}
