/**
 * CopyObject. The source's data files are hard-linked under new names (no
 * bytes copied; data-files.ts `linkAll`); an inline source is small, so its
 * bytes are read and written into the new manifest.
 */
import { FORMAT_VERSION, keyHash, type MetaDoc } from '../fs-layout.js';
import { noSuchKey } from '../store-errors.js';
import type { ObjectInfo, ObjectMetadata, ObjectStore } from '../types.js';
import { checkKey, freezeMetadata } from '../validate.js';
import { linkAll, writeData } from './data-files.js';
import { readEntry } from './read-object.js';
import { bucketOf, writing, type BucketState, type FsContext, type ObjectEntry } from './state.js';
import { lookupObject } from './versions.js';
import { commitNewFiles, commitObject, objectDir } from './write-object.js';

export async function copyObject(ctx: FsContext, ...[src, dst, metadata]: Parameters<ObjectStore['copyObject']>): Promise<ObjectInfo> {
  const sb = bucketOf(ctx, src.bucket);
  const db = bucketOf(ctx, dst.bucket);
  checkKey(dst.key);
  const source = lookupObject(sb, src.key, src.versionId);
  if (source === null) throw noSuchKey(src.key);
  if (source.inline !== undefined) return copyBytes(ctx, source, db, dst.key, metadata);
  const { paths } = source;
  ctx.pins.pin(paths);
  try {
    return await writing(db, async () => {
      const hash = keyHash(dst.key);
      const dir = await objectDir(db, hash);
      const files = await linkAll(paths, dir);
      const segments = files.map((file, i): [string, number] => [file, source.segments[i]!.size]);
      return (await commitNewFiles(ctx, db, dst.key, dir, hash, copiedDoc(dst.key, source.info, metadata, segments))).info;
    });
  } finally {
    ctx.pins.unpin(paths);
  }
}

/** Copy of an inline object: its bytes are read (small) and written into the new manifest. */
async function copyBytes(ctx: FsContext, source: ObjectEntry, db: BucketState, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
  const got = await readEntry(ctx, source);
  if (got === null) throw noSuchKey(source.info.key);
  return writing(db, async () => {
    const hash = keyHash(key);
    const dir = await objectDir(db, hash);
    if (got.buffer !== undefined) {
      return (await commitObject(ctx, db, key, dir, hash, copiedDoc(key, got.info, metadata, []), got.buffer)).info;
    }
    // It was overwritten by a large version meanwhile: stream that one.
    const data = await writeData(dir, got.body, Number.MAX_SAFE_INTEGER, { expectedSize: got.info.size });
    return (await commitNewFiles(ctx, db, key, dir, hash, copiedDoc(key, got.info, metadata, [[data.file, data.size]]))).info;
  });
}

function copiedDoc(key: string, source: ObjectInfo, metadata: ObjectMetadata, segments: MetaDoc['segments']): MetaDoc {
  return { v: FORMAT_VERSION, key, size: source.size, etag: source.etag, lastModified: 0, metadata: copyMetadata(metadata, source), segments };
}

/**
 * CopyObject metadata: the caller's, plus the source's part layout.
 * Deviation from S3: a copy of a multipart object keeps its ETag and part
 * sizes (S3 may re-chunk it); the bytes are identical.
 */
function copyMetadata(metadata: ObjectMetadata, source: ObjectInfo): ObjectMetadata {
  const { partChecksums: _dropped, ...rest } = metadata;
  const md: ObjectMetadata = { ...rest };
  if (source.metadata.partSizes !== undefined) md.partSizes = [...source.metadata.partSizes];
  else delete md.partSizes;
  return freezeMetadata(md);
}
