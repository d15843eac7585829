/**
 * Lists objects under a prefix (ListObjectsV2, 1,000 keys a page).
 *
 * With hints (the keys we expect to find, e.g. the local files of an upload), the key
 * space is cut into ranges of ~1,000 expected keys that are listed in parallel with
 * StartAfter: the same requests as one sequential pagination, but concurrent. Range i
 * covers (s_i, s_{i+1}] in S3's order (UTF-8 bytes), so the ranges are disjoint and
 * together cover every key whatever the bucket holds.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Entry } from './plan.js';

export interface RemoteEntry extends Entry {
  key: string;
  etag: string;
}

const PAGE = 1000;
const MAX_RANGES = 16;

/** S3 lists keys in UTF-8 binary order. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Split keys for parallel listing: every ~PAGE-th of the sorted hints, at most MAX_RANGES - 1 of them. */
export function splitPoints(hints: readonly string[], pageSize = PAGE): string[] {
  if (hints.length < 2 * pageSize) return [];
  const sorted = [...hints].sort(compareUtf8);
  const step = Math.max(pageSize, Math.ceil(sorted.length / MAX_RANGES));
  const out: string[] = [];
  for (let i = step - 1; i < sorted.length - 1; i += step) out.push(sorted[i]!);
  return out;
}

export async function listRemote(
  s3: S3Client,
  bucket: string,
  prefix: string,
  hints: readonly string[] = [],
  pageSize = PAGE,
): Promise<RemoteEntry[]> {
  const splits = splitPoints(hints, pageSize).map((rel) => prefix + rel);
  const bounds = [undefined, ...splits];
  const parts = await Promise.all(bounds.map((after, i) => listRange(s3, bucket, prefix, after, splits[i], pageSize)));
  return parts.flat();
}

/** Keys in (after, upTo]; `undefined` bounds are open. */
async function listRange(
  s3: S3Client,
  bucket: string,
  prefix: string,
  after: string | undefined,
  upTo: string | undefined,
  pageSize: number,
): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix || undefined,
        ...(pageSize !== PAGE ? { MaxKeys: pageSize } : {}),
        ...(token ? { ContinuationToken: token } : after !== undefined ? { StartAfter: after } : {}),
      }),
    );
    let passedBound = false;
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      if (upTo !== undefined && compareUtf8(o.Key, upTo) > 0) {
        passedBound = true;
        break;
      }
      out.push({ key: o.Key, rel: o.Key.slice(prefix.length), size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0, etag: o.ETag ?? '' });
    }
    const last = page.Contents?.[page.Contents.length - 1]?.Key;
    if (passedBound || !page.IsTruncated || !page.NextContinuationToken) return out;
    if (upTo !== undefined && last !== undefined && compareUtf8(last, upTo) >= 0) return out;
    token = page.NextContinuationToken;
  }
}
