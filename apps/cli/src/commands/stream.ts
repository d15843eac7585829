/**
 * `cp - s3://b/k` (stdin → object) and `cp s3://b/k -` (object → stdout), as aws-cli
 * (https://docs.aws.amazon.com/cli/latest/reference/s3/cp.html, "Uploading a local file stream").
 * Uploads stream through lib-storage (multipart once the input passes 8 MiB).
 */
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import mime from 'mime-types';
import type { ObjectCannedACL } from '@aws-sdk/client-s3';
import { buildCacheControl } from '../sync/cache-control.js';
import { PART_SIZE } from '../sync/etag.js';
import { UsageError } from '../util/errors.js';
import type { S3Access } from '../s3/access.js';
import type { TransferOptions } from '../sync/run.js';

export async function uploadStdin(access: S3Access, bucket: string, key: string, opts: TransferOptions): Promise<void> {
  if (!key || key.endsWith('/')) throw new UsageError('streaming from stdin needs a full object key (s3://bucket/key)');
  const { Upload } = await import('@aws-sdk/lib-storage');
  const upload = new Upload({
    client: await access.client(),
    params: {
      Bucket: bucket,
      Key: key,
      Body: process.stdin,
      ContentType: opts.contentType ?? (mime.lookup(key) || undefined),
      CacheControl: buildCacheControl(opts.cacheControl)(key.split('/').pop() ?? key),
      ...(opts.acl ? { ACL: opts.acl as ObjectCannedACL } : {}),
    },
    partSize: PART_SIZE,
    queueSize: 4,
    leavePartsOnError: false,
  });
  await upload.done();
}

export async function downloadStdout(access: S3Access, bucket: string, key: string): Promise<void> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const res = await (await access.client()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(res.Body as Readable, process.stdout, { end: false });
}
