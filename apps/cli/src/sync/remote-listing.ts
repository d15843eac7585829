/** Lists objects under a prefix (ListObjectsV2, 1,000 keys a page). */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Entry } from './plan.js';

export interface RemoteEntry extends Entry {
  key: string;
  etag: string;
}

export async function listRemote(s3: S3Client, bucket: string, prefix: string): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      out.push({
        key: o.Key,
        rel: o.Key.slice(prefix.length),
        size: o.Size ?? 0,
        mtimeMs: o.LastModified?.getTime() ?? 0,
        etag: o.ETag ?? '',
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}
