/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html */
import type { IncomingHttpHeaders } from 'node:http';
import type { ChecksumAlgorithm, StoredChecksum } from '@bucketfront/object-store';
import { InitiateMultipartUploadResultXml, S3Error } from '@bucketfront/s3-protocol';
import { isCrcAlgorithm } from '@bucketfront/sigv4';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import { applyNewObjectAcl } from '../object-acl-input.js';
import { xmlResponse, type HeaderList, type OpOf, type S3Handler } from '../context.js';
import { announcedChecksumAlgorithm, headerValue, metadataFromHeaders } from '../object-headers.js';
import { taggingFromHeaders } from '../tagging.js';
import { pendingReplication, replicaFrom } from '../replica-writes.js';
import { bucketDefaultEncryption, encryptionHeaders, encryptionRequestFrom } from '../sse-headers.js';
import { objectLockHeadersRefusal } from '../object-lock.js';

export const CreateMultipartUpload: S3Handler<OpOf<'CreateMultipartUpload'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const lockRefused = objectLockHeadersRefusal(ctx.req.headers);
  if (lockRefused) return lockRefused;
  const metadata = metadataFromHeaders(ctx.req.headers);
  if (metadata instanceof S3Error) return metadata;
  // The tags land on the completed object (they travel with the upload's metadata).
  const tagging = taggingFromHeaders(ctx.req.headers);
  if (tagging instanceof S3Error) return tagging;
  if (tagging !== undefined) metadata.tagging = tagging;
  const aclRefused = applyNewObjectAcl(ctx, facts, metadata);
  if (aclRefused) return aclRefused;
  const encryption = encryptionRequestFrom(ctx.req, await bucketDefaultEncryption(ctx, bucket));
  if (encryption instanceof S3Error) return encryption;
  const empty = await readSmallBody(ctx, 0, 'UnexpectedContent');
  if (empty instanceof S3Error) return empty;
  // A replica upload (completed with the same header) or one whose object a rule replicates: the
  // status travels with the upload's metadata (CompleteMultipartUpload queues the record).
  const replica = await replicaFrom(ctx, bucket);
  if (replica instanceof S3Error) return replica;
  if (replica !== undefined) metadata.replicationStatus = 'REPLICA';
  else await pendingReplication(ctx, bucket, key, metadata);
  const headers: HeaderList = [];
  delete metadata.checksum;
  const algorithm = announcedChecksumAlgorithm(ctx.req.headers);
  const type = checksumTypeOf(ctx.req.headers, algorithm);
  if (type instanceof S3Error) return type;
  if (algorithm && type) {
    // The algorithm and type are remembered on the upload (value filled in by nobody:
    // the object's checksum is computed at CompleteMultipartUpload).
    metadata.checksum = { algorithm, value: '', type };
    headers.push('x-amz-checksum-algorithm', algorithm, 'x-amz-checksum-type', type);
  }
  const upload = await ctx.store.createMultipartUpload(bucket, key, metadata, encryption !== undefined ? { encryption } : {});
  headers.push(...encryptionHeaders(upload.metadata.encryption, { context: true }));
  return xmlResponse(InitiateMultipartUploadResultXml.serialize({ bucket, key, uploadId: upload.uploadId }), 200, headers);
};

/**
 * x-amz-checksum-type: COMPOSITE (default; SHA1/SHA256/CRC32/CRC32C) or FULL_OBJECT (CRCs only;
 * CRC64NVME's only type). https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
function checksumTypeOf(headers: IncomingHttpHeaders, algorithm: ChecksumAlgorithm | undefined): StoredChecksum['type'] | S3Error {
  const raw = headerValue(headers, 'x-amz-checksum-type')?.trim().toUpperCase();
  if (raw === undefined) return algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : algorithm ? 'COMPOSITE' : undefined;
  if (raw !== 'COMPOSITE' && raw !== 'FULL_OBJECT') return new S3Error('InvalidRequest', 'Value for x-amz-checksum-type header is invalid.');
  if (algorithm === undefined) return new S3Error('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  if (raw === 'FULL_OBJECT' && !isCrcAlgorithm(algorithm)) return new S3Error('InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  if (raw === 'COMPOSITE' && algorithm === 'CRC64NVME') return new S3Error('InvalidRequest', 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  return raw;
}
