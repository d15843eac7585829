/**
 * Server-side copy of objects too large for one CopyObject (5 GiB,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/CopyingObjectsMPUapi.html):
 * CreateMultipartUpload with the source's metadata (a multipart copy does not carry it over),
 * UploadPartCopy per byte range, CompleteMultipartUpload; aborted on any failure.
 */
import type { CreateMultipartUploadCommandInput, ObjectCannedACL, S3Client } from '@aws-sdk/client-s3';
import { runPool } from '../util/pool.js';
import type { Action } from './actions.js';
import { cacheTagMetadata } from './cache-tag.js';

/** CopyObject's limit; BUCKETFRONT_MULTIPART_COPY_THRESHOLD lowers it (like aws-cli's multipart_threshold). */
export function multipartCopyThreshold(): number {
  const env = Number(process.env.BUCKETFRONT_MULTIPART_COPY_THRESHOLD);
  return Number.isFinite(env) && env > 0 ? env : 5 * 1024 ** 3;
}

const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/** Copy part size: at most the threshold (and 5 GiB), at least 5 MiB, few enough parts. */
export function copyPartSize(size: number, threshold: number): number {
  let part = Math.max(MIN_PART, Math.min(threshold, 512 * 1024 * 1024));
  while (Math.ceil(size / part) > MAX_PARTS) part *= 2;
  return part;
}

export async function multipartCopy(s3: S3Client, a: Extract<Action, { op: 'copy' }>, copySource: string, threshold: number): Promise<void> {
  const sdk = await import('@aws-sdk/client-s3');
  const head = await s3.send(new sdk.HeadObjectCommand({ Bucket: a.srcBucket, Key: a.srcKey }));
  await copyInParts(s3, {
    bucket: a.bucket,
    key: a.key,
    copySource,
    size: a.size,
    sourceETag: head.ETag,
    threshold,
    create: {
      ContentType: a.meta.contentType ?? head.ContentType,
      CacheControl: a.meta.cacheControl ?? head.CacheControl,
      ContentEncoding: head.ContentEncoding,
      ContentDisposition: head.ContentDisposition,
      ContentLanguage: head.ContentLanguage,
      Metadata: a.meta.cacheTags ? { ...head.Metadata, ...cacheTagMetadata(a.meta.cacheTags) } : head.Metadata,
      ...(a.meta.acl ? { ACL: a.meta.acl as ObjectCannedACL } : {}),
    },
  });
}

export interface PartsCopy {
  bucket: string;
  key: string;
  /** `x-amz-copy-source`: `bucket/key` URL-encoded, with `?versionId=` for a version. */
  copySource: string;
  size: number;
  /** Each part is copied only while the source still has this ETag. */
  sourceETag?: string;
  threshold: number;
  /** The new object's headers, metadata, ACL, encryption (a multipart copy does not carry them over). */
  create: Omit<CreateMultipartUploadCommandInput, 'Bucket' | 'Key'>;
}

/** CreateMultipartUpload, UploadPartCopy per range (4 at a time), CompleteMultipartUpload; aborted on any failure. Resolves to the new object's version id, if any. */
export async function copyInParts(s3: S3Client, c: PartsCopy): Promise<string | undefined> {
  const sdk = await import('@aws-sdk/client-s3');
  const created = await s3.send(new sdk.CreateMultipartUploadCommand({ ...c.create, Bucket: c.bucket, Key: c.key }));
  const uploadId = created.UploadId!;
  const part = copyPartSize(c.size, c.threshold);
  const ranges = Array.from({ length: Math.ceil(c.size / part) }, (_, i) => ({ n: i + 1, start: i * part, end: Math.min(c.size, (i + 1) * part) - 1 }));
  const etags: string[] = [];
  try {
    await runPool(ranges, 4, async (r) => {
      const res = await s3.send(
        new sdk.UploadPartCopyCommand({
          Bucket: c.bucket,
          Key: c.key,
          UploadId: uploadId,
          PartNumber: r.n,
          CopySource: c.copySource,
          CopySourceRange: `bytes=${r.start}-${r.end}`,
          ...(c.sourceETag ? { CopySourceIfMatch: c.sourceETag } : {}),
        }),
      );
      etags[r.n - 1] = res.CopyPartResult?.ETag ?? '';
    });
    const done = await s3.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: c.bucket,
        Key: c.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    return done.VersionId;
  } catch (err) {
    await s3.send(new sdk.AbortMultipartUploadCommand({ Bucket: c.bucket, Key: c.key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
