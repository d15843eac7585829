/** Shared body of ListObjects (v1) and ListObjectsV2. */
import type { ListObjectsResult } from '@bucketfront/object-store';
import { S3Error, type ListedObject, type Owner } from '@bucketfront/s3-protocol';
import { accessDenied, isAnonymousAllowed, requireBucket } from './access.js';
import type { OpOf, S3Context } from './context.js';
import { maybeEncode, parseEncodingType, parseMaxCount } from './listing.js';

export interface ListInput {
  prefix: string;
  delimiter?: string;
  startAfter?: string;
  maxKeys: number;
  encoding?: 'url';
}

export async function runListing(ctx: S3Context<OpOf<'ListObjects'> | OpOf<'ListObjectsV2'>>, startAfter: string | undefined): Promise<{ input: ListInput; result: ListObjectsResult } | S3Error> {
  const { bucket, query } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  if (!isAnonymousAllowed(ctx, facts, 's3:ListBucket')) return accessDenied();
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
  // S3 answers max-keys=0 with an empty page that is not truncated (ceph/s3-tests test_bucket_list*_maxkeys_zero).
  if (maxKeys === 0) return { input, result: { objects: [], commonPrefixes: [], isTruncated: false } };
  const result = await ctx.store.listObjects(bucket, {
    prefix,
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(startAfter ? { startAfter } : {}),
    maxKeys,
  });
  return { input, result };
}

/** `ownerOf`: the Owner element of an object (bucket-owner.ts objectOwnerOf); undefined: none shown. */
export function listedObjects(result: ListObjectsResult, encoding: 'url' | undefined, ownerOf: ((ownerId: string | undefined) => Owner) | undefined): ListedObject[] {
  return result.objects.map((o) => {
    const item: ListedObject = {
      key: maybeEncode(o.key, encoding)!,
      lastModified: o.lastModified,
      etag: o.etag,
      size: o.size,
      storageClass: o.metadata.storageClass ?? 'STANDARD',
    };
    if (o.metadata.checksum) item.checksumAlgorithm = o.metadata.checksum.algorithm;
    if (ownerOf) item.owner = ownerOf(o.metadata.owner);
    return item;
  });
}

export function listedPrefixes(result: ListObjectsResult, encoding: 'url' | undefined): { prefix: string }[] {
  return result.commonPrefixes.map((p) => ({ prefix: maybeEncode(p, encoding)! }));
}
