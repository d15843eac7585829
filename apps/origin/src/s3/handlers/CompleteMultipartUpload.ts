/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 * The store validates the part list (InvalidPart, InvalidPartOrder, EntityTooSmall).
 */
import { CompleteMultipartUploadResultXml, CompleteMultipartUploadXml, S3Error, type CompleteMultipartUploadResult } from '@bucketfront/s3-protocol';
import { compositeChecksum } from '@bucketfront/sigv4';
import { createHash } from 'node:crypto';
import { StoreError, type ChecksumAlgorithm, type ObjectInfo } from '@bucketfront/object-store';
import { readSmallBody } from '../body.js';
import { encryptionHeaders } from '../sse-headers.js';
import { xmlResponse, type OpOf, type S3Context, type S3Handler, type S3Response } from '../context.js';
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
  let composite: Awaited<ReturnType<typeof compositeOf>>;
  let info: ObjectInfo;
  try {
    composite = await compositeOf(
      ctx,
      doc.parts.map((p) => p.partNumber),
    );
    // The composite checksum is committed with the object, so GETs with checksum mode see it at once.
    info = await ctx.store.completeMultipartUpload(
      bucket,
      key,
      uploadId,
      doc.parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      composite ? { checksum: { algorithm: composite.algorithm, value: composite.value, type: 'COMPOSITE' } } : undefined,
    );
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'NoSuchUpload')) throw err;
    // S3 answers a repeated Complete of an upload it already completed with the same result
    // (ceph/s3-tests test_multipart_upload*): the object there is the one these parts made.
    const done = await completedFrom(ctx, doc.parts);
    if (done === null) throw err;
    return completeResult(ctx, done, null);
  }
  await ctx.notify({ eventName: 'ObjectCreated:CompleteMultipartUpload', bucket, key, size: info.size, eTag: info.etag });
  return completeResult(ctx, info, composite);
};

function completeResult(ctx: S3Context<OpOf<'CompleteMultipartUpload'>>, info: ObjectInfo, composite: { algorithm: ChecksumAlgorithm; value: string } | null): S3Response {
  const { bucket, key } = ctx.op;
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
}

/**
 * The object at the key when it is the one these parts completed into: multipart, and its ETag is
 * S3's multipart ETag of the listed parts (MD5 of their binary MD5s, `-N`).
 */
async function completedFrom(ctx: S3Context<OpOf<'CompleteMultipartUpload'>>, parts: readonly { etag: string }[]): Promise<ObjectInfo | null> {
  const info = await ctx.store.headObject(ctx.op.bucket, ctx.op.key);
  if (info?.metadata.partSizes?.length !== parts.length) return null;
  const md5s = parts.map((p) => p.etag.replace(/"/g, ''));
  if (!md5s.every((m) => /^[0-9a-f]{32}$/i.test(m))) return null;
  const hash = createHash('md5');
  for (const m of md5s) hash.update(Buffer.from(m, 'hex'));
  return info.etag.replace(/"/g, '') === `${hash.digest('hex')}-${parts.length}` ? info : null;
}

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
