/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
 * NextMarker is returned only with a delimiter (without one, clients resume
 * from the last Key), as S3 does.
 */
import { ListBucketResultV1Xml, S3Error, type ListBucketResultV1 } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { maybeEncode } from '../listing.js';
import { listedObjects, listedPrefixes, runListing } from '../list-objects.js';

export const ListObjects: S3Handler<OpOf<'ListObjects'>> = async (ctx) => {
  const marker = ctx.op.query.get('marker') ?? '';
  const listing = await runListing(ctx, marker || undefined);
  if (listing instanceof S3Error) return listing;
  const { input, result, ownerOf } = listing;
  const doc: ListBucketResultV1 = {
    name: ctx.op.bucket,
    prefix: maybeEncode(input.prefix, input.encoding)!,
    marker: maybeEncode(marker, input.encoding)!,
    maxKeys: input.maxKeys,
    isTruncated: result.isTruncated,
    contents: listedObjects(result, input.encoding, ownerOf),
    commonPrefixes: listedPrefixes(result, input.encoding),
  };
  if (input.delimiter !== undefined) {
    doc.delimiter = maybeEncode(input.delimiter, input.encoding)!;
    if (result.isTruncated && result.lastReturned !== undefined) doc.nextMarker = maybeEncode(result.lastReturned, input.encoding)!;
  }
  if (input.encoding) doc.encodingType = input.encoding;
  return xmlResponse(ListBucketResultV1Xml.serialize(doc));
};
