/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html */
import { ListPartsResultXml, S3Error, type ListPartsResult } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { objectOwner } from '../acl.js';
import { bucketAclOf } from '../bucket-owner.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { parseMaxCount } from '../listing.js';

export const ListParts: S3Handler<OpOf<'ListParts'>> = async (ctx) => {
  const { bucket, key, uploadId, query } = ctx.op;
  if (uploadId === '') return new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
  const maxParts = parseMaxCount(query.get('max-parts'), 'max-parts');
  if (maxParts instanceof S3Error) return maxParts;
  const rawMarker = query.get('part-number-marker');
  if (rawMarker !== undefined && !/^\d+$/.test(rawMarker)) {
    return new S3Error('InvalidArgument', 'Invalid part number marker', { ArgumentName: 'part-number-marker', ArgumentValue: rawMarker });
  }
  const marker = rawMarker === undefined ? 0 : Number(rawMarker);
  const listed = await ctx.store.listParts(bucket, key, uploadId, { maxParts, ...(marker ? { partNumberMarker: marker } : {}) });
  const algorithm = listed.upload.metadata.checksum?.algorithm;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  // The upload's owner is its initiator (or the bucket owner, object-acl-input.ts).
  const owner = objectOwner(listed.upload.metadata, bucketAclOf(facts, ctx.users).owner, ctx.users);
  const doc: ListPartsResult = {
    bucket,
    key,
    uploadId,
    initiator: owner,
    owner,
    storageClass: listed.upload.metadata.storageClass ?? 'STANDARD',
    partNumberMarker: marker,
    maxParts,
    isTruncated: listed.isTruncated,
    parts: listed.parts.map((p) => {
      const part: ListPartsResult['parts'][number] = { partNumber: p.partNumber, lastModified: p.lastModified, etag: p.etag, size: p.size };
      if (p.checksum?.value) (part as unknown as Record<string, unknown>)[`checksum${p.checksum.algorithm}`] = p.checksum.value;
      return part;
    }),
  };
  if (listed.nextPartNumberMarker !== undefined) doc.nextPartNumberMarker = listed.nextPartNumberMarker;
  if (algorithm) doc.checksumAlgorithm = algorithm;
  return xmlResponse(ListPartsResultXml.serialize(doc));
};
