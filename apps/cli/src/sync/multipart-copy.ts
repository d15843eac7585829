/**
 * Server-side copy of objects too large for one CopyObject (5 GiB,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/CopyingObjectsMPUapi.html):
 * CreateMultipartUpload with the source's metadata (a multipart copy does not carry it over),
 * UploadPartCopy per byte range, CompleteMultipartUpload; aborted on any failure.
 */
import type { ObjectCannedACL, S3Client } from '@aws-sdk/client-s3';
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
  const created = await s3.send(
    new sdk.CreateMultipartUploadCommand({
      Bucket: a.bucket,
      Key: a.key,
      ContentType: a.meta.contentType ?? head.ContentType,
      CacheControl: a.meta.cacheControl ?? head.CacheControl,
      ContentEncoding: head.ContentEncoding,
      ContentDisposition: head.ContentDisposition,
      ContentLanguage: head.ContentLanguage,
      Metadata: a.meta.cacheTags ? { ...head.Metadata, ...cacheTagMetadata(a.meta.cacheTags) } : head.Metadata,
      ...(a.meta.acl ? { ACL: a.meta.acl as ObjectCannedACL } : {}),
    }),
  );
  const uploadId = created.UploadId!;
  const part = copyPartSize(a.size, threshold);
  const ranges = Array.from({ length: Math.ceil(a.size / part) }, (_, i) => ({ n: i + 1, start: i * part, end: Math.min(a.size, (i + 1) * part) - 1 }));
  const etags: string[] = [];
  try {
    await runPool(ranges, 4, async (r) => {
      const res = await s3.send(
        new sdk.UploadPartCopyCommand({
          Bucket: a.bucket,
          Key: a.key,
          UploadId: uploadId,
          PartNumber: r.n,
          CopySource: copySource,
          CopySourceRange: `bytes=${r.start}-${r.end}`,
          CopySourceIfMatch: head.ETag,
        }),
      );
      etags[r.n - 1] = res.CopyPartResult?.ETag ?? '';
    });
    await s3.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: a.bucket,
        Key: a.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
  } catch (err) {
    await s3.send(new sdk.AbortMultipartUploadCommand({ Bucket: a.bucket, Key: a.key, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
