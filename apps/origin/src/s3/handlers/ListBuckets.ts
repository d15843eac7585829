/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
 * The caller's buckets only (Owner: the caller), optionally by `prefix` and `bucket-region`,
 * `max-buckets` (1-10000) at a time with a `continuation-token`. An anonymous caller owns none.
 */
import { ListAllMyBucketsResultXml, S3Error, type ListAllMyBucketsResult } from '@bucketfront/s3-protocol';
import { loadBucketOwner } from '../bucket-owner.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { decodeContinuationToken, encodeContinuationToken } from '../listing.js';

const MAX_BUCKETS = 10_000;

export const ListBuckets: S3Handler<OpOf<'ListBuckets'>> = async (ctx) => {
  const { query } = ctx.op;
  const rawMax = query.get('max-buckets');
  let max = MAX_BUCKETS;
  if (rawMax !== undefined) {
    max = /^\d+$/.test(rawMax) ? Number(rawMax) : NaN;
    if (!(max >= 1 && max <= MAX_BUCKETS))
      return new S3Error('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000.', { ArgumentName: 'max-buckets', ArgumentValue: rawMax });
  }
  const token = query.get('continuation-token');
  const after = token === undefined ? undefined : decodeContinuationToken(token);
  if (after instanceof S3Error) return after;
  const prefix = query.get('prefix');
  const region = query.get('bucket-region');

  const caller = ctx.caller;
  const owner = caller.kind === 'user' ? { id: caller.id, displayName: caller.displayName } : ctx.owner;
  const candidates =
    caller.kind === 'user'
      ? (await ctx.store.listBuckets()).filter((b) => (after === undefined || b.name > after) && (prefix === undefined || b.name.startsWith(prefix)) && (region === undefined || b.region === region))
      : [];
  const owners = await Promise.all(candidates.map((b) => loadBucketOwner(ctx.store, b.name, ctx.users)));
  const mine = candidates.filter((_, i) => owners[i]?.id === owner.id);
  const page = mine.slice(0, max);
  const doc: ListAllMyBucketsResult = { owner, buckets: page.map((b) => ({ name: b.name, creationDate: b.creationDate, bucketRegion: b.region })) };
  if (mine.length > max) doc.continuationToken = encodeContinuationToken(page[page.length - 1]!.name);
  if (prefix !== undefined) doc.prefix = prefix;
  return xmlResponse(ListAllMyBucketsResultXml.serialize(doc));
};
