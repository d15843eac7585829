/**
 * Versions of objects: GetBucketVersioning, and ListObjectVersions over every page with the
 * versions and delete markers in the order S3 lists them (by key, then newest first;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html).
 *
 * The SDK hands a page back as two arrays, `Versions` and `DeleteMarkers`, which loses how the
 * two kinds interleave, and that order is the only tie-break between a version and a delete
 * marker of one key written in the same second (LastModified has 1-second precision). So a
 * middleware notes the sequence of `<Version>` / `<DeleteMarker>` elements in the response body
 * before the SDK parses it, and the two arrays are merged back in that sequence.
 */
import type { ListObjectVersionsCommandOutput, S3Client } from '@aws-sdk/client-s3';

export interface VersionEntry {
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  deleteMarker: boolean;
  /** 0 for delete markers. */
  size: number;
  etag?: string;
}

export interface VersionPage {
  entries: VersionEntry[];
  /** With a delimiter: the common prefixes of this page. */
  prefixes: string[];
}

/** `Enabled`, `Suspended`, or undefined for a bucket on which versioning was never enabled. */
export async function versioningStatus(s3: S3Client, bucket: string): Promise<'Enabled' | 'Suspended' | undefined> {
  const { GetBucketVersioningCommand } = await import('@aws-sdk/client-s3');
  const res = await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }));
  return res.Status === 'Enabled' || res.Status === 'Suspended' ? res.Status : undefined;
}

/** The kinds of the top-level entries of a ListVersionsResult body, in document order ('V' or 'D'). */
export function entryKindsOf(xml: string): string {
  let kinds = '';
  // Keys and other text are XML-escaped, so a literal `<Version>` is always an element; `<VersionId>` does not match.
  for (const m of xml.matchAll(/<(Version|DeleteMarker)>/g)) kinds += m[1] === 'Version' ? 'V' : 'D';
  return kinds;
}

/** Reads a 200 response's body (a Node stream) to note the entry order, and hands the SDK the same bytes. */
async function noteEntryOrder(response: unknown, into: { kinds?: string }): Promise<void> {
  const r = response as { statusCode?: number; body?: unknown };
  const body = r.body as AsyncIterable<Uint8Array> | undefined;
  if (r.statusCode !== 200 || !body || typeof body[Symbol.asyncIterator] !== 'function') return;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  into.kinds = entryKindsOf(bytes.toString('utf8'));
  r.body = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The page's versions and delete markers merged back in listing order. */
export function mergePage(page: Pick<ListObjectVersionsCommandOutput, 'Versions' | 'DeleteMarkers'>, kinds: string | undefined): VersionEntry[] {
  const versions = (page.Versions ?? []).map(
    (v): VersionEntry => ({
      key: v.Key ?? '',
      versionId: v.VersionId ?? 'null',
      isLatest: !!v.IsLatest,
      lastModified: v.LastModified ?? new Date(0),
      deleteMarker: false,
      size: v.Size ?? 0,
      ...(v.ETag ? { etag: v.ETag } : {}),
    }),
  );
  const markers = (page.DeleteMarkers ?? []).map(
    (d): VersionEntry => ({
      key: d.Key ?? '',
      versionId: d.VersionId ?? 'null',
      isLatest: !!d.IsLatest,
      lastModified: d.LastModified ?? new Date(0),
      deleteMarker: true,
      size: 0,
    }),
  );
  if (kinds !== undefined && kinds.length === versions.length + markers.length) {
    let v = 0;
    let d = 0;
    return [...kinds].map((k) => (k === 'V' ? versions[v++]! : markers[d++]!));
  }
  // No body seen (another HTTP layer): merge by key, then newest first; IsLatest first among equals.
  return [...versions, ...markers].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || b.lastModified.getTime() - a.lastModified.getTime() || Number(b.isLatest) - Number(a.isLatest));
}

/** Every page of ListObjectVersions under `prefix` (with `delimiter`: one level, as `ls`). */
export async function* listObjectVersions(s3: S3Client, input: { bucket: string; prefix?: string; delimiter?: string }): AsyncGenerator<VersionPage> {
  const { ListObjectVersionsCommand } = await import('@aws-sdk/client-s3');
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const command = new ListObjectVersionsCommand({
      Bucket: input.bucket,
      ...(input.prefix ? { Prefix: input.prefix } : {}),
      ...(input.delimiter ? { Delimiter: input.delimiter } : {}),
      ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
      ...(versionIdMarker !== undefined ? { VersionIdMarker: versionIdMarker } : {}),
    });
    const order: { kinds?: string } = {};
    // 'low' runs inside the SDK's deserializer: it sees the raw body first.
    command.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        await noteEntryOrder(result.response, order);
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'bucketfrontEntryOrder' },
    );
    const page = await s3.send(command);
    yield { entries: mergePage(page, order.kinds), prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix ?? '') };
    if (!page.IsTruncated) return;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    if (keyMarker === undefined) return;
  }
}
