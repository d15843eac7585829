/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html (docs/versioning.md)
 * A bucket that was ever versioned lists the store's versions and delete markers, keys ascending and
 * each key's newest first, interleaved as S3 sends them. A bucket that never had versioning answers
 * what S3 answers for one: each object once, as its `null` version, the latest, over ListObjects'
 * listing (list-objects.ts; key-marker is its start-after).
 */
import type { ObjectVersionInfo } from '@bucketfront/object-store';
import {
  checkVersionIdMarker,
  invalidVersionId,
  ListVersionsResultXml,
  NULL_VERSION,
  S3Error,
  type ListedDeleteMarker,
  type ListedVersion,
  type ListVersionsResult,
  type Owner,
} from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Context, type S3Handler } from '../context.js';
import { listedObject, listedObjects, listedPrefixes, listingInput, runListing, type ListInput } from '../list-objects.js';
import { maybeEncode } from '../listing.js';

export const ListObjectVersions: S3Handler<OpOf<'ListObjectVersions'>> = async (ctx) => {
  const { bucket, query } = ctx.op;
  const keyMarker = query.get('key-marker') ?? '';
  const versionIdMarker = query.get('version-id-marker');
  const badMarker = checkVersionIdMarker(keyMarker, versionIdMarker);
  if (badMarker) return badMarker;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const status = await ctx.store.getBucketVersioning(bucket);
  return status === null ? neverVersioned(ctx, keyMarker, versionIdMarker) : versioned(ctx, keyMarker, versionIdMarker);
};

async function versioned(ctx: S3Context<OpOf<'ListObjectVersions'>>, keyMarker: string, versionIdMarker: string | undefined): Promise<S3Error | ReturnType<typeof xmlResponse>> {
  const parsed = await listingInput(ctx, undefined);
  if (parsed instanceof S3Error) return parsed;
  const { input, ownerOf } = parsed;
  const doc = header(ctx, input, keyMarker, versionIdMarker);
  // S3 answers max-keys=0 with an empty page that is not truncated.
  if (input.maxKeys === 0) return xmlResponse(ListVersionsResultXml.serialize(doc));
  const result = await ctx.store.listObjectVersions(ctx.op.bucket, {
    prefix: input.prefix,
    ...(input.delimiter !== undefined ? { delimiter: input.delimiter } : {}),
    ...(keyMarker !== '' ? { keyMarker } : {}),
    ...(versionIdMarker !== undefined ? { versionIdMarker } : {}),
    maxKeys: input.maxKeys,
  });
  const ownerOfMarker = (id: string | undefined): Owner => ownerOf({ userMetadata: {}, ...(id !== undefined ? { owner: id } : {}) });
  doc.entries = result.versions.map((v) => listedEntry(v, input.encoding, ownerOf, ownerOfMarker));
  doc.commonPrefixes = result.commonPrefixes.map((p) => ({ prefix: maybeEncode(p, input.encoding)! }));
  doc.isTruncated = result.isTruncated;
  if (result.isTruncated) {
    if (result.nextKeyMarker !== undefined) doc.nextKeyMarker = maybeEncode(result.nextKeyMarker, input.encoding)!;
    if (result.nextVersionIdMarker !== undefined) doc.nextVersionIdMarker = result.nextVersionIdMarker;
  }
  return xmlResponse(ListVersionsResultXml.serialize(doc));
}

function listedEntry(
  v: ObjectVersionInfo,
  encoding: 'url' | undefined,
  ownerOf: Parameters<typeof listedObject>[2],
  ownerOfMarker: (id: string | undefined) => Owner,
): ListedVersion | ListedDeleteMarker {
  if (v.deleteMarker === true || v.object === undefined) {
    return { kind: 'DeleteMarker', key: maybeEncode(v.key, encoding)!, versionId: v.versionId, isLatest: v.isLatest, lastModified: v.lastModified, owner: ownerOfMarker(v.owner) };
  }
  return { kind: 'Version', ...listedObject(v.object, encoding, ownerOf), versionId: v.versionId, isLatest: v.isLatest };
}

/** The bucket never had versioning: version-id-marker may only be `null` (the one version there is). */
async function neverVersioned(ctx: S3Context<OpOf<'ListObjectVersions'>>, keyMarker: string, versionIdMarker: string | undefined): Promise<S3Error | ReturnType<typeof xmlResponse>> {
  if (versionIdMarker !== undefined && versionIdMarker !== NULL_VERSION) return invalidVersionId('version-id-marker', versionIdMarker);
  const listing = await runListing(ctx, keyMarker || undefined);
  if (listing instanceof S3Error) return listing;
  const { input, result, ownerOf } = listing;
  const doc = header(ctx, input, keyMarker, versionIdMarker);
  doc.isTruncated = result.isTruncated;
  doc.entries = listedObjects(result, input.encoding, ownerOf).map((o) => ({ kind: 'Version', ...o, versionId: NULL_VERSION, isLatest: true }));
  doc.commonPrefixes = listedPrefixes(result, input.encoding);
  // The page ends on an object or a common prefix; either way the next one starts after it, and
  // NextVersionIdMarker is always `null` (clients such as ceph/s3-tests' nuke_bucket send both back).
  if (result.isTruncated && result.lastReturned !== undefined) {
    doc.nextKeyMarker = maybeEncode(result.lastReturned, input.encoding)!;
    doc.nextVersionIdMarker = NULL_VERSION;
  }
  return xmlResponse(ListVersionsResultXml.serialize(doc));
}

/** Name, Prefix, the markers as the request sent them (empty elements when absent), MaxKeys, Delimiter, EncodingType. */
function header(ctx: S3Context<OpOf<'ListObjectVersions'>>, input: ListInput, keyMarker: string, versionIdMarker: string | undefined): ListVersionsResult {
  const doc: ListVersionsResult = {
    name: ctx.op.bucket,
    prefix: maybeEncode(input.prefix, input.encoding)!,
    keyMarker: maybeEncode(keyMarker, input.encoding)!,
    versionIdMarker: versionIdMarker ?? '',
    maxKeys: input.maxKeys,
    isTruncated: false,
    entries: [],
    commonPrefixes: [],
  };
  if (input.delimiter !== undefined) doc.delimiter = maybeEncode(input.delimiter, input.encoding)!;
  if (input.encoding) doc.encodingType = input.encoding;
  return doc;
}
