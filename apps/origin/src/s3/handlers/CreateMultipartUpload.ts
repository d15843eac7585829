/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html */
import { InitiateMultipartUploadResultXml, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { readSmallBody } from '../body.js';
import { applyNewObjectAcl } from '../object-acl-input.js';
import { xmlResponse, type HeaderList, type OpOf, type S3Handler } from '../context.js';
import { announcedChecksumAlgorithm, metadataFromHeaders } from '../object-headers.js';
import { bucketDefaultEncryption, encryptionHeaders, encryptionRequestFrom } from '../sse-headers.js';

export const CreateMultipartUpload: S3Handler<OpOf<'CreateMultipartUpload'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const metadata = metadataFromHeaders(ctx.req.headers);
  if (metadata instanceof S3Error) return metadata;
  const aclRefused = applyNewObjectAcl(ctx, facts, metadata);
  if (aclRefused) return aclRefused;
  const encryption = encryptionRequestFrom(ctx.req, await bucketDefaultEncryption(ctx, bucket));
  if (encryption instanceof S3Error) return encryption;
  const empty = await readSmallBody(ctx, 0, 'UnexpectedContent');
  if (empty instanceof S3Error) return empty;
  const headers: HeaderList = [];
  delete metadata.checksum;
  const algorithm = announcedChecksumAlgorithm(ctx.req.headers);
  if (algorithm) {
    // The algorithm is remembered on the upload (value filled in by nobody:
    // the composite is computed at CompleteMultipartUpload).
    metadata.checksum = { algorithm, value: '', type: 'COMPOSITE' };
    headers.push('x-amz-checksum-algorithm', algorithm, 'x-amz-checksum-type', 'COMPOSITE');
  }
  const upload = await ctx.store.createMultipartUpload(bucket, key, metadata, encryption !== undefined ? { encryption } : {});
  headers.push(...encryptionHeaders(upload.metadata.encryption, { context: true }));
  return xmlResponse(InitiateMultipartUploadResultXml.serialize({ bucket, key, uploadId: upload.uploadId }), 200, headers);
};
