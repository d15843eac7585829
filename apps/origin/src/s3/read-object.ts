/**
 * GetObject and HeadObject share everything but the body:
 * access → preconditions → range / partNumber → headers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
import type { ByteRange, GetObjectResult, ObjectInfo, ReadOptions } from '@bucketfront/object-store';
import { parsePartNumber, S3Error } from '@bucketfront/s3-protocol';
import { accessDenied, requireBucket } from './access.js';
import { GET_OBJECT, GET_OBJECT_VERSION, isAllowed, LIST_BUCKET } from './authorize.js';
import type { BucketFacts } from './bucket-facts.js';
import { evaluateConditions } from './conditional.js';
import type { OpOf, S3Context, S3Response } from './context.js';
import { headerValue, objectHeaders, responseOverrides } from './object-headers.js';
import { partChecksum } from './part-checksums.js';
import { decideRange } from './range.js';
import { customerKeyFrom, encryptionHeaders, refuseWriteSseHeaders } from './sse-headers.js';
import { missingWithMarker, readVersion, requestedVersion, VersionRefusal, versionIdHeader } from './versions.js';

type ReadOp = OpOf<'GetObject'> | OpOf<'HeadObject'>;

export async function readObject(ctx: S3Context<ReadOp>, withBody: boolean): Promise<S3Response | S3Error> {
  const { bucket, key, query } = ctx.op;
  const headers = ctx.req.headers;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;

  const versionId = await requestedVersion(ctx.store, bucket, query);
  if (versionId instanceof S3Error) return versionId;
  const overrides = responseOverrides(query, ctx.auth.kind === 'signed');
  if (overrides instanceof S3Error) return overrides;
  const rawPart = query.get('partNumber');
  const partNumber = rawPart === undefined ? undefined : parsePartNumber(rawPart);
  if (partNumber instanceof S3Error) return partNumber;
  const rangeHeader = headerValue(headers, 'range');
  if (partNumber !== undefined && rangeHeader !== undefined) {
    return new S3Error('InvalidRequest', 'Cannot specify both Range header and partNumber query parameter');
  }

  const customerKey = customerKeyFrom(ctx.req);
  if (customerKey instanceof S3Error) return customerKey;
  const refused = refuseWriteSseHeaders(headers);
  if (refused) return refused;
  const readOpts: ReadOptions | undefined =
    customerKey === undefined && versionId === undefined ? undefined : { ...(customerKey !== undefined ? { customerKey } : {}), ...(versionId !== undefined ? { versionId } : {}) };

  // Hot path (whole object, GET): one store call; preconditions checked on what it returned.
  let got: GetObjectResult | null = null;
  let info: ObjectInfo | null;
  const method = withBody ? 'GET' : 'HEAD';
  if (withBody && rangeHeader === undefined && partNumber === undefined) {
    const read = await readVersion(key, versionId, method, () => ctx.store.getObject(bucket, key, undefined, readOpts));
    if (read instanceof VersionRefusal) return versionRefused(ctx, facts, read);
    got = read;
    info = got?.info ?? null;
  } else {
    const read = await readVersion(key, versionId, method, () => ctx.store.headObject(bucket, key, readOpts));
    if (read instanceof VersionRefusal) return versionRefused(ctx, facts, read);
    info = read;
  }
  const release = (): void => {
    if (got && got.buffer === undefined) got.body.destroy();
  };

  if (info === null) return missingKey(ctx, facts, key);
  if (!isAllowed(ctx, facts, ctx.op.query.has('versionId') ? GET_OBJECT_VERSION : GET_OBJECT, key, info.metadata)) {
    release();
    return accessDenied();
  }

  // An SSE-C object is described only to whoever holds its key.
  if (info.metadata.encryption?.customerAlgorithm !== undefined && customerKey === undefined) {
    release();
    return new S3Error('InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
  }

  const outcome = evaluateConditions(
    {
      ifMatch: headerValue(headers, 'if-match'),
      ifNoneMatch: headerValue(headers, 'if-none-match'),
      ifModifiedSince: headerValue(headers, 'if-modified-since'),
      ifUnmodifiedSince: headerValue(headers, 'if-unmodified-since'),
    },
    info,
  );
  if (outcome.kind === 'not-modified') {
    release();
    return { status: 304, headers: ['ETag', info.etag, 'Last-Modified', info.lastModified.toUTCString(), ...versionIdHeader(info)] };
  }
  if (outcome.kind === 'precondition-failed') {
    release();
    return new S3Error('PreconditionFailed', undefined, { Condition: outcome.condition });
  }

  let range: ByteRange | undefined;
  let partsCount: number | undefined;
  if (partNumber !== undefined) {
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax (partNumber)
    const sizes = info.metadata.partSizes ?? [info.size];
    partsCount = info.metadata.partSizes ? sizes.length : undefined;
    // A part the object does not have: 400 InvalidPart (what ceph/s3-tests, run against AWS with
    // its AWS differences marked fails_on_aws, expects unmarked, and what Apache Ozone reports
    // AWS answering; MinIO answers 416 InvalidPartNumber instead). docs/tagging-and-attributes.md.
    if (partNumber > sizes.length) return new S3Error('InvalidPart', 'The requested part number does not exist in this object.');
    const start = sizes.slice(0, partNumber - 1).reduce((a, b) => a + b, 0);
    const len = sizes[partNumber - 1]!;
    if (info.metadata.partSizes || partNumber > 1) range = { start, end: start + len - 1 };
  } else if (rangeHeader !== undefined) {
    const d = decideRange(rangeHeader, info.size);
    if (d.kind === 'unsatisfiable') {
      return {
        status: 416,
        error: new S3Error('InvalidRange', undefined, { RangeRequested: rangeHeader, ActualObjectSize: String(info.size) }),
        headers: ['Content-Range', `bytes */${info.size}`],
      };
    }
    if (d.kind === 'partial') range = { start: d.start, end: d.end };
  }

  const checksumMode = (headerValue(headers, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED';
  // A byte range has no checksum of its own; a part has the one it was uploaded with.
  const wholeChecksum = range === undefined ? info.metadata.checksum : undefined;
  const out = objectHeaders(info, {
    checksum: !checksumMode ? undefined : partNumber !== undefined ? partChecksum(info.metadata, partNumber) : wholeChecksum,
    overrides,
    partsCount,
  });
  out.push(...encryptionHeaders(info.metadata.encryption), ...versionIdHeader(info));
  const status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : info.size;
  if (range) out.push('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`);
  if (!withBody) return { status, headers: out, contentLength: length };

  if (got === null) {
    got = await ctx.store.getObject(bucket, key, range, readOpts);
    if (got === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  }
  if (got.buffer !== undefined) return { status, headers: out, body: got.buffer };
  return { status, headers: out, body: got.body, contentLength: length };
}

/**
 * A missing key is 404 NoSuchKey only for callers allowed to list the bucket;
 * callers without s3:ListBucket get 403 AccessDenied, as S3 does
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_RequestSyntax "Permissions").
 */
async function missingKey(ctx: S3Context<ReadOp>, facts: BucketFacts, key: string): Promise<S3Response | S3Error> {
  if (!isAllowed(ctx, facts, LIST_BUCKET)) return accessDenied();
  // A versioned bucket whose latest entry for the key is a delete marker says so.
  return missingWithMarker(ctx.store, ctx.op.bucket, key, new S3Error('NoSuchKey', undefined, { Key: key }));
}

/** NoSuchVersion, or a delete marker named by its id: answered as a missing key is, to callers who may list the bucket. */
function versionRefused(ctx: S3Context<ReadOp>, facts: BucketFacts, r: VersionRefusal): S3Response | S3Error {
  return isAllowed(ctx, facts, LIST_BUCKET) ? r.response : accessDenied();
}
