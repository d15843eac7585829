/**
 * Lists objects under a prefix (ListObjectsV2, 1,000 keys a page).
 *
 * With hints (the keys we expect to find, e.g. the local files of an upload), the key
 * space is cut into ranges of ~1,000 expected keys that are listed in parallel with
 * StartAfter: the same requests as one sequential pagination, but concurrent. Range i
 * covers (s_i, s_{i+1}] in S3's order (UTF-8 bytes), so the ranges are disjoint and
 * together cover every key whatever the bucket holds.
 */
import type { Entry } from './plan.js';
import type { ListPage } from '../s3/raw-s3.js';
import type { S3Access } from '../s3/access.js';

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

export interface ListOptions {
  pageSize?: number;
}

/** Pages come from `access.raw` (lean signed requests) when there is one, else or on any error from the SDK. */
export async function listRemote(access: S3Access, bucket: string, prefix: string, hints: readonly string[] = [], opts: ListOptions = {}): Promise<RemoteEntry[]> {
  const pageSize = opts.pageSize ?? PAGE;
  const splits = splitPoints(hints, pageSize).map((rel) => prefix + rel);
  const bounds = [undefined, ...splits];
  const getPage = pageFetcher(access, bucket, prefix, pageSize);
  const parts = await Promise.all(bounds.map((after, i) => listRange(getPage, prefix, after, splits[i])));
  return parts.flat();
}

type GetPage = (startAfter: string | undefined, token: string | undefined) => Promise<ListPage>;

function pageFetcher(access: S3Access, bucket: string, prefix: string, pageSize: number): GetPage {
  const maxKeys = pageSize !== PAGE ? pageSize : undefined;
  return async (startAfter, token) => {
    if (access.raw) {
      // Any failure (an error answer, a dropped connection) is retried through the SDK,
      // whose retry strategy and error reporting then apply.
      const page = await access.raw.list({ bucket, prefix, startAfter, continuationToken: token, maxKeys }).catch(() => 'fallback' as const);
      if (page !== 'fallback') return page;
    }
    const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const s3 = await access.client();
    const res = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix || undefined,
        MaxKeys: maxKeys,
        ...(token ? { ContinuationToken: token } : startAfter !== undefined ? { StartAfter: startAfter } : {}),
      }),
    );
    return {
      contents: (res.Contents ?? []).filter((o) => o.Key !== undefined).map((o) => ({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '', lastModified: o.LastModified?.getTime() ?? 0 })),
      isTruncated: !!res.IsTruncated,
      ...(res.NextContinuationToken ? { nextContinuationToken: res.NextContinuationToken } : {}),
    };
  };
}

/** Keys in (after, upTo]; `undefined` bounds are open. */
async function listRange(getPage: GetPage, prefix: string, after: string | undefined, upTo: string | undefined): Promise<RemoteEntry[]> {
  const out: RemoteEntry[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await getPage(after, token);
    let passedBound = false;
    for (const o of page.contents) {
      if (upTo !== undefined && compareUtf8(o.key, upTo) > 0) {
        passedBound = true;
        break;
      }
      out.push({ key: o.key, rel: o.key.slice(prefix.length), size: o.size, mtimeMs: o.lastModified, etag: o.etag });
    }
    const last = page.contents[page.contents.length - 1]?.key;
    if (passedBound || !page.isTruncated || !page.nextContinuationToken) return out;
    if (upTo !== undefined && last !== undefined && compareUtf8(last, upTo) >= 0) return out;
    token = page.nextContinuationToken;
  }
}
