/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
 * Buckets are never versioned here, so this answers what S3 answers for a bucket that never had
 * versioning enabled: each object once, as its `null` version, the latest; no delete markers.
 * The listing is ListObjects' (list-objects.ts); key-marker is its start-after.
 */
import { ListVersionsResultXml, S3Error, type ListVersionsResult } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { maybeEncode } from '../listing.js';
import { listedObjects, listedPrefixes, runListing } from '../list-objects.js';
import { checkVersionIdMarker, NULL_VERSION } from '../null-version.js';

export const ListObjectVersions: S3Handler<OpOf<'ListObjectVersions'>> = async (ctx) => {
  const { query } = ctx.op;
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker');
  const badMarker = checkVersionIdMarker(keyMarker, versionIdMarker);
  if (badMarker) return badMarker;
  const listing = await runListing(ctx, keyMarker || undefined);
  if (listing instanceof S3Error) return listing;
  const { input, result, ownerOf } = listing;
  const doc: ListVersionsResult = {
    name: ctx.op.bucket,
    prefix: maybeEncode(input.prefix, input.encoding)!,
    keyMarker: maybeEncode(keyMarker, input.encoding)!,
    versionIdMarker: versionIdMarker ?? '',
    maxKeys: input.maxKeys,
    isTruncated: result.isTruncated,
    versions: listedObjects(result, input.encoding, ownerOf).map((o) => ({ ...o, versionId: NULL_VERSION, isLatest: true })),
    commonPrefixes: listedPrefixes(result, input.encoding),
  };
  // The page ends on an object or a common prefix; either way the next one starts after it, and
  // NextVersionIdMarker is always `null` (clients such as ceph/s3-tests' nuke_bucket send both back).
  if (result.isTruncated && result.lastReturned !== undefined) {
    doc.nextKeyMarker = maybeEncode(result.lastReturned, input.encoding)!;
    doc.nextVersionIdMarker = NULL_VERSION;
  }
  if (input.delimiter !== undefined) doc.delimiter = maybeEncode(input.delimiter, input.encoding)!;
  if (input.encoding) doc.encodingType = input.encoding;
  return xmlResponse(ListVersionsResultXml.serialize(doc));
};
