/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html */
import { S3_LIMITS, type ObjectMetadata } from '@bucketfront/object-store';
import { CopyObjectResultXml, NULL_VERSION, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { authorizeCopySource } from '../authorize.js';
import { readSmallBody } from '../body.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { checkCopySourceConditions, headCopySource, isCopySourceRefusal, parseCopySource } from '../copy-source.js';
import { applyNewObjectAcl } from '../object-acl-input.js';
import { headerValue, metadataFromHeaders, storageClassFrom } from '../object-headers.js';
import { taggingFromHeaders } from '../tagging.js';
import { copySourceVersionHeader, writtenVersionIdHeader } from '../versions.js';
import { pendingReplication, recordReplication } from '../replica-writes.js';
import { bucketDefaultEncryption, COPY_SOURCE_CUSTOMER_PREFIX, customerKeyFrom, encryptionHeaders, encryptionRequestFrom } from '../sse-headers.js';
import { objectLockHeadersRefusal } from '../object-lock.js';

export const CopyObject: S3Handler<OpOf<'CopyObject'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const headers = ctx.req.headers;
  const rawSource = headerValue(headers, 'x-amz-copy-source') ?? '';
  const src = parseCopySource(rawSource);
  if (src instanceof S3Error) return src;
  const directive = (headerValue(headers, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    return new S3Error('InvalidArgument', 'Unknown metadata directive.', { ArgumentName: 'x-amz-metadata-directive', ArgumentValue: directive });
  }
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html#API_CopyObject_RequestSyntax (x-amz-tagging-directive)
  const taggingDirective = (headerValue(headers, 'x-amz-tagging-directive') ?? 'COPY').toUpperCase();
  if (taggingDirective !== 'COPY' && taggingDirective !== 'REPLACE') {
    return new S3Error('InvalidArgument', 'Unknown tagging directive.', { ArgumentName: 'x-amz-tagging-directive', ArgumentValue: taggingDirective });
  }
  const newTagging = taggingDirective === 'REPLACE' ? taggingFromHeaders(headers) : undefined;
  if (newTagging instanceof S3Error) return newTagging;
  const newStorageClass = storageClassFrom(headers);
  if (newStorageClass instanceof S3Error) return newStorageClass;
  const empty = await readSmallBody(ctx, 0, 'UnexpectedContent');
  if (empty instanceof S3Error) return empty;

  const sourceCustomerKey = customerKeyFrom(ctx.req, COPY_SOURCE_CUSTOMER_PREFIX);
  if (sourceCustomerKey instanceof S3Error) return sourceCustomerKey;
  // The copy is encrypted as the request (or the bucket's default) says, never as its source.
  const encryption = encryptionRequestFrom(ctx.req, await bucketDefaultEncryption(ctx, bucket));
  if (encryption instanceof S3Error) return encryption;
  const info = await headCopySource(ctx, src, rawSource, sourceCustomerKey);
  if (isCopySourceRefusal(info)) return info;
  const sourceDenied = await authorizeCopySource(ctx, src, info.metadata);
  if (sourceDenied) return sourceDenied;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const lockRefused = objectLockHeadersRefusal(ctx.req.headers);
  if (lockRefused) return lockRefused;
  if (info.size > S3_LIMITS.maxSinglePutBytes) {
    return new S3Error('InvalidRequest', `The specified copy source is larger than the maximum allowable size for a copy source: ${S3_LIMITS.maxSinglePutBytes}`);
  }
  const failed = checkCopySourceConditions(headers, info);
  if (failed) return failed;

  // A copy of a version named by its id onto its key restores it (the null version of a bucket that
  // never had versioning is the object itself).
  const namesItself = src.versionId === undefined || (src.versionId === NULL_VERSION && info.versionId === undefined);
  const sameObject = src.bucket === bucket && src.key === key && namesItself;
  const redirect = headerValue(headers, 'x-amz-website-redirect-location');
  const storageClass = headerValue(headers, 'x-amz-storage-class');
  const changesEncryption = headerValue(headers, 'x-amz-server-side-encryption') !== undefined || headerValue(headers, 'x-amz-server-side-encryption-customer-algorithm') !== undefined;
  if (sameObject && directive === 'COPY' && taggingDirective === 'COPY' && redirect === undefined && storageClass === undefined && !changesEncryption) {
    return new S3Error(
      'InvalidRequest',
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }

  let metadata: ObjectMetadata;
  if (directive === 'REPLACE') {
    const md = metadataFromHeaders(headers);
    if (md instanceof S3Error) return md;
    metadata = md;
    delete metadata.checksum;
  } else {
    const { partSizes: _parts, partChecksums: _partSums, acl: _acl, checksum, tagging: _tags, storageClass: _class, ...rest } = info.metadata;
    metadata = { ...rest, userMetadata: { ...info.metadata.userMetadata } };
    // The bytes are unchanged, so a whole-object checksum still holds (a composite one does not).
    if (checksum && checksum.type !== 'COMPOSITE' && !checksum.value.includes('-')) metadata.checksum = { ...checksum };
    if (redirect !== undefined) metadata.websiteRedirectLocation = redirect;
  }
  // Tags follow their own directive; the storage class is the request's (STANDARD when absent), as on S3.
  delete metadata.tagging;
  const tagging = taggingDirective === 'REPLACE' ? newTagging : info.metadata.tagging;
  if (tagging !== undefined) metadata.tagging = tagging;
  delete metadata.storageClass;
  if (newStorageClass !== undefined) metadata.storageClass = newStorageClass;
  // The copy is a new object: its writer owns it, with the ACL this request asks for.
  const aclRefused = applyNewObjectAcl(ctx, facts, metadata);
  if (aclRefused) return aclRefused;
  // A copy is a new version (of a replica too): replicated as its own rule says.
  delete metadata.replicationStatus;
  const replication = await pendingReplication(ctx, bucket, key, metadata);
  const copied = await ctx.store.copyObject(src, { bucket, key }, metadata, {
    ...(sourceCustomerKey !== undefined ? { sourceCustomerKey } : {}),
    ...(encryption !== undefined ? { encryption } : {}),
  });
  await recordReplication(ctx, replication, bucket, key, copied);
  await ctx.notify({ eventName: 'ObjectCreated:Copy', bucket, key, size: copied.size, eTag: copied.etag, ...(copied.versionId !== undefined ? { versionId: copied.versionId } : {}) });
  // The versions travel in headers only (S3's CopyObjectResult has no version element).
  const out = [...encryptionHeaders(copied.metadata.encryption, { context: true }), ...writtenVersionIdHeader(copied), ...copySourceVersionHeader(info)];
  return xmlResponse(CopyObjectResultXml.serialize({ etag: copied.etag, lastModified: copied.lastModified }), 200, out);
};
