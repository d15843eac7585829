/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html */
import { S3_LIMITS } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { declaredLength, payloadSha256ForStore, withBody } from '../body.js';
import type { HeaderList, OpOf, S3Handler } from '../context.js';
import { applyNewObjectAcl } from '../object-acl-input.js';
import { CHECKSUM_HEADERS, headerValue, metadataFromHeaders } from '../object-headers.js';
import { bucketDefaultEncryption, encryptionHeaders, encryptionRequestFrom } from '../sse-headers.js';
import { taggingFromHeaders } from '../tagging.js';
import { appendOfEncrypted, writeOffsetFrom } from '../write-offset.js';
import { checkWritePreconditions } from '../write-conditions.js';
import { writtenVersionIdHeader } from '../versions.js';
import { pendingReplication, recordReplication, replicaFrom } from '../replica-writes.js';
import { objectLockHeadersRefusal } from '../object-lock.js';

export const PutObject: S3Handler<OpOf<'PutObject'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const headers = ctx.req.headers;
  // Before any body byte is requested (Expect: 100-continue): a missing bucket is answered at once.
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const lockRefused = objectLockHeadersRefusal(ctx.req.headers);
  if (lockRefused) return lockRefused;
  const metadata = metadataFromHeaders(headers);
  if (metadata instanceof S3Error) return metadata;
  const tagging = taggingFromHeaders(headers);
  if (tagging instanceof S3Error) return tagging;
  if (tagging !== undefined) metadata.tagging = tagging;
  const aclRefused = applyNewObjectAcl(ctx, facts, metadata);
  if (aclRefused) return aclRefused;
  const size = declaredLength(ctx);
  if (size === undefined && headers['transfer-encoding'] === undefined) return new S3Error('MissingContentLength');
  if (size !== undefined && size > S3_LIMITS.maxSinglePutBytes) {
    return new S3Error('EntityTooLarge', undefined, { ProposedSize: String(size), MaxSizeAllowed: String(S3_LIMITS.maxSinglePutBytes) });
  }
  const offset = writeOffsetFrom(headers);
  if (offset instanceof S3Error) return offset;
  const encryption = encryptionRequestFrom(ctx.req, await bucketDefaultEncryption(ctx, bucket));
  if (encryption instanceof S3Error) return encryption;
  if (offset !== undefined && encryption !== undefined) return appendOfEncrypted();
  const precondition = await checkWritePreconditions(ctx, bucket, key);
  if (precondition) return precondition;
  // A replica from a source origin (docs/replication.md#replica-writes), else maybe a version to replicate.
  const replica = await replicaFrom(ctx, bucket);
  if (replica instanceof S3Error) return replica;
  if (replica !== undefined) {
    if (offset !== undefined) return new S3Error('InvalidRequest', 'A replica cannot be appended.');
    metadata.replicationStatus = 'REPLICA';
  }
  const replication = offset === undefined ? await pendingReplication(ctx, bucket, key, metadata) : null;
  const contentMd5 = headerValue(headers, 'content-md5');
  // A body stored as it is, of a declared length (the backend checks no hash of an empty body; a
  // replica already there is not written): the s3 driver's backend checks its signed hash instead
  // of the origin. With Content-MD5 too the origin checks both, in S3's order.
  const storedAsSent = offset === undefined && encryption === undefined && replica === undefined && contentMd5 === undefined && size !== undefined && size > 0;
  const payloadSha256 = storedAsSent ? payloadSha256ForStore(ctx) : undefined;
  const info = await withBody(
    ctx,
    (body) => {
      // A trailer checksum is known only at the end of the body; the store reads
      // `metadata` after the body has ended, so filling it in on 'end' is in time.
      body.once('end', () => {
        if (body.checksum && !metadata.checksum) metadata.checksum = { ...body.checksum, type: 'FULL_OBJECT' };
      });
      const opts = {
        ...(contentMd5 !== undefined ? { contentMd5 } : {}),
        ...(size !== undefined ? { expectedSize: size } : {}),
        ...(encryption !== undefined ? { encryption } : {}),
        ...(payloadSha256 !== undefined ? { payloadSha256 } : {}),
        ...replica,
      };
      return offset !== undefined ? ctx.store.appendObject(bucket, key, offset, body, metadata, opts) : ctx.store.putObject(bucket, key, body, metadata, opts);
    },
    { sha256CheckedDownstream: payloadSha256 !== undefined },
  );
  await recordReplication(ctx, replication, bucket, key, info);
  // An append is a PutObject: the same event (docs/append.md).
  await ctx.notify({ eventName: 'ObjectCreated:Put', bucket, key, size: info.size, eTag: info.etag, ...(info.versionId !== undefined ? { versionId: info.versionId } : {}) });
  const out: HeaderList = ['ETag', info.etag, ...encryptionHeaders(info.metadata.encryption, { context: true }), ...writtenVersionIdHeader(info)];
  // "x-amz-object-size: The size of the object in bytes. This value is only present if you append to an object."
  if (offset !== undefined) out.push('x-amz-object-size', String(info.size));
  const checksum = info.metadata.checksum;
  if (checksum?.value) out.push(CHECKSUM_HEADERS[checksum.algorithm], checksum.value, 'x-amz-checksum-type', 'FULL_OBJECT');
  return { status: 200, headers: out };
};
