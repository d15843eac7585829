/** Shared body of ListObjects (v1), ListObjectsV2 and ListObjectVersions (its query; a never-versioned bucket's listing). */
import type { ListObjectsResult, ObjectInfo, ObjectMetadata } from '@bucketfront/object-store';
import { objectOwner } from './acl.js';
import { bucketAclOf } from './bucket-owner.js';
import { S3Error, type ListedObject, type Owner } from '@bucketfront/s3-protocol';
import { requireBucket } from './access.js';
import type { OpOf, S3Context } from './context.js';
import { maybeEncode, parseEncodingType, parseMaxCount } from './listing.js';

export interface ListInput {
  prefix: string;
  delimiter?: string;
  startAfter?: string;
  maxKeys: number;
  encoding?: 'url';
}

type ListOp = OpOf<'ListObjects'> | OpOf<'ListObjectsV2'> | OpOf<'ListObjectVersions'>;

/** A listing's query (prefix, delimiter, max-keys, encoding-type) and its owners, once the bucket is known to exist. */
export async function listingInput(ctx: S3Context<ListOp>, startAfter: string | undefined): Promise<{ input: ListInput; ownerOf: (md: ObjectMetadata) => Owner } | S3Error> {
  const { bucket, query } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  // s3:ListBucket was authorized before dispatch (authorize.ts).
  const maxKeys = parseMaxCount(query.get('max-keys'), 'max-keys');
  if (maxKeys instanceof S3Error) return maxKeys;
  const encoding = parseEncodingType(query.get('encoding-type'));
  if (encoding instanceof S3Error) return encoding;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const input: ListInput = { prefix, maxKeys };
  if (delimiter !== undefined) input.delimiter = delimiter;
  if (startAfter) input.startAfter = startAfter;
  if (encoding) input.encoding = encoding;
  const bucketOwner = bucketAclOf(facts, ctx.users).owner;
  const ownerOf = (md: ObjectMetadata): Owner => objectOwner(md, bucketOwner, ctx.users);
  return { input, ownerOf };
}

export async function runListing(ctx: S3Context<ListOp>, startAfter: string | undefined): Promise<{ input: ListInput; result: ListObjectsResult; ownerOf: (md: ObjectMetadata) => Owner } | S3Error> {
  const parsed = await listingInput(ctx, startAfter);
  if (parsed instanceof S3Error) return parsed;
  const { input, ownerOf } = parsed;
  // S3 answers max-keys=0 with an empty page that is not truncated (ceph/s3-tests test_bucket_list*_maxkeys_zero).
  if (input.maxKeys === 0) return { input, result: { objects: [], commonPrefixes: [], isTruncated: false }, ownerOf };
  const result = await ctx.store.listObjects(ctx.op.bucket, {
    prefix: input.prefix,
    ...(input.delimiter !== undefined ? { delimiter: input.delimiter } : {}),
    ...(startAfter ? { startAfter } : {}),
    maxKeys: input.maxKeys,
  });
  return { input, result, ownerOf };
}

/** `ownerOf`: each object's Owner element (ListObjects v1 always, v2 with fetch-owner). */
export function listedObjects(result: ListObjectsResult, encoding: 'url' | undefined, ownerOf: ((md: ObjectMetadata) => Owner) | undefined): ListedObject[] {
  return result.objects.map((o) => listedObject(o, encoding, ownerOf));
}

export function listedObject(o: ObjectInfo, encoding: 'url' | undefined, ownerOf: ((md: ObjectMetadata) => Owner) | undefined): ListedObject {
  const item: ListedObject = {
    key: maybeEncode(o.key, encoding)!,
    lastModified: o.lastModified,
    etag: o.etag,
    size: o.size,
    storageClass: o.metadata.storageClass ?? 'STANDARD',
  };
  if (o.metadata.checksum) item.checksumAlgorithm = o.metadata.checksum.algorithm;
  if (ownerOf) item.owner = ownerOf(o.metadata);
  return item;
}

export function listedPrefixes(result: ListObjectsResult, encoding: 'url' | undefined): { prefix: string }[] {
  return result.commonPrefixes.map((p) => ({ prefix: maybeEncode(p, encoding)! }));
}
