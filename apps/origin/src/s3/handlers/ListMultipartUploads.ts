/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html */
import { ListMultipartUploadsResultXml, S3Error, type ListMultipartUploadsResult } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { objectOwner } from '../acl.js';
import { bucketAclOf } from '../bucket-owner.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { maybeEncode, parseEncodingType, parseMaxCount } from '../listing.js';

export const ListMultipartUploads: S3Handler<OpOf<'ListMultipartUploads'>> = async (ctx) => {
  const { bucket, query } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const maxUploads = parseMaxCount(query.get('max-uploads'), 'max-uploads');
  if (maxUploads instanceof S3Error) return maxUploads;
  const encoding = parseEncodingType(query.get('encoding-type'));
  if (encoding instanceof S3Error) return encoding;
  const prefix = query.get('prefix');
  const delimiter = query.get('delimiter') || undefined;
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = query.get('upload-id-marker') ?? '';
  const listed = await ctx.store.listMultipartUploads(bucket, {
    maxUploads,
    ...(prefix ? { prefix } : {}),
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(keyMarker ? { keyMarker } : {}),
    ...(uploadIdMarker ? { uploadIdMarker } : {}),
  });
  const bucketOwner = bucketAclOf(facts, ctx.users).owner;
  const enc = (v: string | undefined): string | undefined => maybeEncode(v, encoding);
  const doc: ListMultipartUploadsResult = {
    bucket,
    keyMarker: enc(keyMarker)!,
    uploadIdMarker,
    maxUploads,
    isTruncated: listed.isTruncated,
    uploads: listed.uploads.map((u) => ({
      key: enc(u.key)!,
      uploadId: u.uploadId,
      initiator: objectOwner(u.metadata, bucketOwner, ctx.users),
      owner: objectOwner(u.metadata, bucketOwner, ctx.users),
      storageClass: u.metadata.storageClass ?? 'STANDARD',
      initiated: u.initiated,
    })),
    commonPrefixes: listed.commonPrefixes.map((p) => ({ prefix: enc(p)! })),
  };
  if (listed.nextKeyMarker !== undefined) doc.nextKeyMarker = enc(listed.nextKeyMarker)!;
  if (listed.nextUploadIdMarker !== undefined) doc.nextUploadIdMarker = listed.nextUploadIdMarker;
  if (prefix !== undefined) doc.prefix = enc(prefix)!;
  if (delimiter !== undefined) doc.delimiter = enc(delimiter)!;
  if (encoding) doc.encodingType = encoding;
  return xmlResponse(ListMultipartUploadsResultXml.serialize(doc));
};
