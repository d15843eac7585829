/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 * The store validates the part list (InvalidPart, InvalidPartOrder, EntityTooSmall); a part number
 * listed twice in a row names the later entry's part (namedParts).
 */
import { CompleteMultipartUploadResultXml, CompleteMultipartUploadXml, S3Error, type CompleteMultipartUploadResult } from '@bucketfront/s3-protocol';
import { compositeChecksum, fullObjectChecksum, isCrcAlgorithm } from '@bucketfront/sigv4';
import { createHash } from 'node:crypto';
import { StoreError, namedParts, type ChecksumAlgorithm, type ObjectInfo, type StoredChecksum } from '@bucketfront/object-store';
import { readSmallBody } from '../body.js';
import { headerChecksum } from '../object-headers.js';
import { encryptionHeaders } from '../sse-headers.js';
import { writtenVersionIdHeader } from '../versions.js';
import { xmlResponse, type OpOf, type S3Context, type S3Handler, type S3Response } from '../context.js';
import { urlEncodeKey } from '../listing.js';
import { checkWritePreconditions } from '../write-conditions.js';
import { recordReplication, replicaFrom } from '../replica-writes.js';

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
  const parts = namedParts(doc.parts);

  const precondition = await checkWritePreconditions(ctx, bucket, key);
  if (precondition) return precondition;
  const replica = await replicaFrom(ctx, bucket);
  if (replica instanceof S3Error) return replica;
  let checksum: StoredChecksum | null;
  let info: ObjectInfo;
  try {
    checksum = await objectChecksumOf(
      ctx,
      parts.map((p) => p.partNumber),
    );
    const mismatch = checkStatedChecksum(ctx, checksum);
    if (mismatch) return mismatch;
    // The checksum is committed with the object, so GETs with checksum mode see it at once.
    info = await ctx.store.completeMultipartUpload(
      bucket,
      key,
      uploadId,
      parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })),
      { ...(checksum ? { checksum } : {}), ...replica },
    );
  } catch (err) {
    if (!(err instanceof StoreError && err.code === 'NoSuchUpload')) throw err;
    // S3 answers a repeated Complete of an upload it already completed with the same result
    // (ceph/s3-tests test_multipart_upload*): the object there is the one these parts made.
    const done = await completedFrom(ctx, parts);
    if (done === null) throw err;
    return completeResult(ctx, done, done.metadata.checksum?.value ? done.metadata.checksum : null);
  }
  // The upload was marked PENDING at CreateMultipartUpload when a rule matched; the rule decides now.
  if (replica === undefined && info.metadata.replicationStatus !== 'REPLICA' && ctx.replication !== null) {
    await recordReplication(ctx, await ctx.replication.matchObject(bucket, key, info.metadata.tagging), bucket, key, info);
  }
  await ctx.notify({ eventName: 'ObjectCreated:CompleteMultipartUpload', bucket, key, size: info.size, eTag: info.etag, ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) });
  return completeResult(ctx, info, checksum);
};

function completeResult(ctx: S3Context<OpOf<'CompleteMultipartUpload'>>, info: ObjectInfo, checksum: StoredChecksum | null): S3Response {
  const { bucket, key } = ctx.op;
  const result: CompleteMultipartUploadResult = {
    location: `${ctx.baseUrl}/${bucket}/${urlEncodeKey(key)}`,
    bucket,
    key,
    etag: info.etag,
  };
  if (checksum) {
    (result as unknown as Record<string, string>)[RESULT_FIELD[checksum.algorithm]] = checksum.value;
    result.checksumType = checksum.type ?? 'COMPOSITE';
  }
  return xmlResponse(CompleteMultipartUploadResultXml.serialize(result), 200, [...encryptionHeaders(info.metadata.encryption), ...writtenVersionIdHeader(info)]);
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

/**
 * The object's checksum when the upload announced an algorithm and every chosen part carries one:
 * COMPOSITE (`<b64>-N`, the checksum of the parts' checksums) or FULL_OBJECT (CRCs only: the parts'
 * CRCs combined into the CRC of the whole object), as the upload's x-amz-checksum-type chose.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
async function objectChecksumOf(ctx: S3Context<OpOf<'CompleteMultipartUpload'>>, partNumbers: number[]): Promise<StoredChecksum | null> {
  const { bucket, key, uploadId } = ctx.op;
  const listed = await ctx.store.listParts(bucket, key, uploadId, { maxParts: 10_000 });
  const announced = listed.upload.metadata.checksum;
  const algorithm = announced?.algorithm ?? listed.parts.find((p) => p.checksum)?.checksum?.algorithm;
  if (!algorithm) return null;
  const byNumber = new Map(listed.parts.map((p) => [p.partNumber, p]));
  const chosen: { checksumBase64: string; length: number }[] = [];
  for (const n of partNumbers) {
    const part = byNumber.get(n);
    const c = part?.checksum;
    if (!part || !c || c.algorithm !== algorithm || !c.value) return null;
    chosen.push({ checksumBase64: c.value, length: part.size });
  }
  if (announced?.type === 'FULL_OBJECT' && isCrcAlgorithm(algorithm)) {
    return { algorithm, value: fullObjectChecksum(algorithm, chosen), type: 'FULL_OBJECT' };
  }
  return {
    algorithm,
    value: compositeChecksum(
      algorithm,
      chosen.map((c) => c.checksumBase64),
    ),
    type: 'COMPOSITE',
  };
}

/** A checksum header on Complete states the whole object's checksum: it must match (BadDigest). */
function checkStatedChecksum(ctx: S3Context, computed: StoredChecksum | null): S3Error | null {
  const stated = headerChecksum(ctx.req.headers);
  if (stated === undefined) return null;
  if (computed === null || stated.algorithm !== computed.algorithm) return null;
  const bare = (v: string): string => v.replace(/-\d+$/, '');
  if (bare(stated.value) === bare(computed.value)) return null;
  return new S3Error('BadDigest', `The ${stated.algorithm} you specified did not match the calculated checksum.`);
}
