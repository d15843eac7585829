/**
 * HeadObject, GetObject and ListObjects. HEAD and LIST answer from the
 * in-memory index; GET serves small bodies from the body cache and streams
 * larger ones from their data files, pinned while the stream is open.
 */
import { promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { errnoCode } from '../durable-fs.js';
import type { MetaDoc } from '../fs-layout.js';
import { lazyBodyResult } from '../get-result.js';
import { listPage } from '../key-order.js';
import { decodeManifest } from '../manifest.js';
import { readSegments, type SegmentFile } from '../segment-reader.js';
import { S3_LIMITS, StoreError, type ByteRange, type GetObjectResult, type ListObjectsOptions, type ListObjectsResult, type ObjectInfo } from '../types.js';
import { bucketOf, entryFromDoc, type BucketState, type FsContext, type ObjectEntry } from './state.js';
import { lookupObject, reportedVersionId } from './versions.js';

export async function headObject(ctx: FsContext, bucket: string, key: string, versionId?: string): Promise<ObjectInfo | null> {
  const b = bucketOf(ctx, bucket);
  const entry = lookupObject(b, key, versionId);
  return entry === null ? null : infoOf(b, entry);
}

export async function getObject(ctx: FsContext, bucket: string, key: string, range?: ByteRange, versionId?: string): Promise<GetObjectResult | null> {
  const b = bucketOf(ctx, bucket);
  const entry = lookupObject(b, key, versionId);
  if (entry === null) return null;
  const got = await readEntry(ctx, entry, range);
  if (got === null || b.versioning === undefined || got.info.versionId !== undefined) return got;
  return { ...got, info: infoOf(b, entry) };
}

/** The entry's info; a pre-versioning object of a versioned bucket reports the `null` version id. */
function infoOf(b: BucketState, entry: ObjectEntry): ObjectInfo {
  const versionId = reportedVersionId(b, entry);
  return versionId === entry.info.versionId ? entry.info : Object.freeze({ ...entry.info, versionId });
}

/** The bytes of the version `entry` (or of a newer one, if an inline object was overwritten since). */
export async function readEntry(ctx: FsContext, entry: ObjectEntry, range?: ByteRange): Promise<GetObjectResult | null> {
  const { info, paths } = entry;
  const start = range?.start ?? 0;
  const end = range?.end ?? info.size - 1;

  if (entry.inline !== undefined) {
    const whole = ctx.cache.get(entry.inline.cacheKey);
    if (whole !== undefined) return lazyBodyResult(info, slice(whole, start, end));
    let file: Buffer;
    try {
      file = await fsp.readFile(entry.inline.path);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null; // deleted since the lookup
      throw err;
    }
    const { doc, body } = decodeManifest<MetaDoc>(file);
    if (doc.inline !== entry.inline.cacheKey.slice(entry.inline.path.length + 1)) {
      // Overwritten since the lookup: serve the version that was read, with its own info; a
      // delete marker (a Suspended DELETE replacing the null version) is no object.
      if (doc.deleteMarker === true) return null;
      const now = entryFromDoc(doc, entry.dir, basename(entry.inline.path));
      if (now.inline === undefined) return readEntry(ctx, now, range);
      ctx.cache.set(now.inline.cacheKey, body!);
      return lazyBodyResult(now.info, slice(body!, start, range?.end ?? now.info.size - 1));
    }
    ctx.cache.set(entry.inline.cacheKey, body!);
    return lazyBodyResult(info, slice(body!, start, end));
  }

  if (paths.length === 1 && info.size <= ctx.maxCachedObjectBytes) {
    const path = paths[0]!;
    let whole = ctx.cache.get(path);
    if (whole === undefined) {
      ctx.pins.pin(paths);
      try {
        whole = await fsp.readFile(path);
      } finally {
        ctx.pins.unpin(paths);
      }
      if (whole.length !== info.size) {
        throw new StoreError('InternalError', `Stored object ${info.key} has ${whole.length} bytes, expected ${info.size}`);
      }
      ctx.cache.set(path, whole);
    }
    return lazyBodyResult(info, slice(whole, start, end));
  }

  ctx.pins.pin(paths);
  const segments: SegmentFile[] = entry.segments.map((seg, i) => ({ path: paths[i]!, size: seg.size }));
  let closed = false;
  const body = readSegments(segments, start, end, () => {
    if (!closed) {
      closed = true;
      ctx.pins.unpin(paths);
    }
  });
  return { info, body };
}

function slice(whole: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === whole.length - 1 ? whole : whole.subarray(start, end + 1);
}

export async function listObjects(ctx: FsContext, bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
  const b = bucketOf(ctx, bucket);
  const maxKeys = Math.max(0, Math.min(opts.maxKeys, S3_LIMITS.maxListKeys));
  const page = listPage(b.keys, { ...opts, maxKeys });
  const result: ListObjectsResult = {
    objects: page.keys.map((k) => b.objects.get(k)!.info),
    commonPrefixes: page.commonPrefixes,
    isTruncated: page.isTruncated,
  };
  if (page.lastReturned !== undefined) result.lastReturned = page.lastReturned;
  return result;
}
