/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
 * NextMarker is returned only with a delimiter (without one, clients resume
 * from the last Key), as S3 does. With encoding-type=url, S3 encodes Key,
 * Marker, NextMarker, Delimiter and CommonPrefixes but sends the top-level
 * Prefix as given (in v1 only; v2 encodes it): botocore decodes v1 responses
 * accordingly, so an encoded Prefix would reach boto3 callers still encoded.
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
    prefix: input.prefix,
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
