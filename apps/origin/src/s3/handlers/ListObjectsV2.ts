/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
import { ListBucketResultV2Xml, S3Error, type ListBucketResultV2 } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { decodeContinuationToken, encodeContinuationToken, maybeEncode } from '../listing.js';
import { listedObjects, listedPrefixes, runListing } from '../list-objects.js';

export const ListObjectsV2: S3Handler<OpOf<'ListObjectsV2'>> = async (ctx) => {
  const { query } = ctx.op;
  const token = query.get('continuation-token');
  const startAfterParam = query.get('start-after');
  let startAfter = startAfterParam;
  if (token !== undefined) {
    const decoded = decodeContinuationToken(token);
    if (decoded instanceof S3Error) return decoded;
    // The token resumes after the last returned entry; start-after applies only when it is further on.
    if (startAfter === undefined || decoded > startAfter) startAfter = decoded;
  }
  const listing = await runListing(ctx, startAfter);
  if (listing instanceof S3Error) return listing;
  const { input, result, ownerOf } = listing;
  const fetchOwner = query.get('fetch-owner') === 'true';
  const doc: ListBucketResultV2 = {
    name: ctx.op.bucket,
    prefix: maybeEncode(input.prefix, input.encoding)!,
    maxKeys: input.maxKeys,
    keyCount: result.objects.length + result.commonPrefixes.length,
    isTruncated: result.isTruncated,
    contents: listedObjects(result, input.encoding, fetchOwner ? ownerOf : undefined),
    commonPrefixes: listedPrefixes(result, input.encoding),
  };
  if (input.delimiter !== undefined) doc.delimiter = maybeEncode(input.delimiter, input.encoding)!;
  if (token !== undefined) doc.continuationToken = token;
  if (result.isTruncated && result.lastReturned !== undefined) doc.nextContinuationToken = encodeContinuationToken(result.lastReturned);
  if (startAfterParam !== undefined) doc.startAfter = maybeEncode(startAfterParam, input.encoding)!;
  if (input.encoding) doc.encodingType = input.encoding;
  return xmlResponse(ListBucketResultV2Xml.serialize(doc));
};
