/**
 * PutObject and DeleteObject, and the commit point every object write ends in.
 *
 * A PUT streams the body into a fresh `<uuid>.data`, fsyncs it, then writes the
 * manifest to a temp file, fsyncs it, renames it over `<sha256(key)>.meta` (the
 * atomic commit point) and fsyncs the directory, which also persists the data
 * file's entry (same directory). Only then does it resolve: a crash leaves the
 * old manifest or the new one. Objects up to `inlineObjectBytes` skip the data
 * file: their bytes are part of the manifest, so the same rename commits them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readPrefix, resume } from '../body-prefix.js';
import { asStoreError, errnoCode, fsyncDir, mkdirDurable, writeFileDurable } from '../durable-fs.js';
import { FORMAT_VERSION, META_SUFFIX, keyHash, nowToSecond, type MetaDoc } from '../fs-layout.js';
import { insertSorted, removeSorted } from '../key-order.js';
import { encodeManifest } from '../manifest.js';
import { noSuchBucket } from '../store-errors.js';
import { StoreError, type DeleteObjectOptions, type DeleteObjectResult, type ObjectInfo, type ObjectMetadata, type ObjectStore } from '../types.js';
import { checkKey, freezeMetadata, quoteEtag } from '../validate.js';
import { checkBody, removeFiles, writeData } from './data-files.js';
import { commitVersion, deleteVersioned } from './versions.js';
import { bucketOf, entryFromDoc, writing, type BucketState, type FsContext, type ObjectEntry } from './state.js';

export async function putObject(ctx: FsContext, ...[bucket, key, body, metadata, opts]: Parameters<ObjectStore['putObject']>): Promise<ObjectInfo> {
  const b = bucketOf(ctx, bucket);
  checkKey(key);
  return writing(b, async () => {
    const hash = keyHash(key);
    const dir = await objectDir(b, hash);
    const expected = opts?.expectedSize;
    let source = body;
    if (ctx.inlineObjectBytes > 0 && (expected === undefined || expected <= ctx.inlineObjectBytes)) {
      // Small (or unknown) size: read up to the inline limit; if the body ends there, one manifest holds it all.
      const head = await readPrefix(body, ctx.inlineObjectBytes);
      if (head.done) {
        const data = Buffer.concat(head.chunks, head.bytes);
        const md5 = opts?.knownMd5 !== undefined ? opts.knownMd5() : createHash('md5').update(data).digest();
        const bad = checkBody(data.length, md5, ctx.maxSinglePutBytes, opts);
        if (bad !== undefined) throw bad;
        return (await commitObject(ctx, b, key, dir, hash, withVersionId(newDoc(key, data.length, md5, metadata), opts?.versionId), data)).info;
      }
      source = Readable.from(resume(head.chunks, head.iterator), { objectMode: false });
    }
    const data = await writeData(dir, source, ctx.maxSinglePutBytes, opts);
    const doc = withVersionId(newDoc(key, data.size, data.md5, metadata), opts?.versionId);
    doc.segments = [[data.file, data.size]];
    return (await commitNewFiles(ctx, b, key, dir, hash, doc)).info;
  });
}

/** A replica's manifest carries its source's version id (PutObjectOptions.versionId). */
function withVersionId(doc: MetaDoc, versionId: string | undefined): MetaDoc {
  if (versionId !== undefined) doc.versionId = versionId;
  return doc;
}

export function newDoc(key: string, size: number, md5: Buffer, metadata: ObjectMetadata): MetaDoc {
  return {
    v: FORMAT_VERSION,
    key,
    size,
    etag: quoteEtag(md5.toString('hex')),
    lastModified: 0,
    metadata: freezeMetadata(metadata),
    segments: [],
  };
}

export async function deleteObject(ctx: FsContext, bucket: string, key: string, opts: DeleteObjectOptions = {}): Promise<DeleteObjectResult> {
  const b = bucketOf(ctx, bucket);
  if (b.versioning !== undefined || opts.versionId !== undefined) {
    checkKey(key);
    return writing(b, () => ctx.locks.run(objectLockKey(b, key), () => deleteVersioned(ctx, b, key, opts)));
  }
  if (!b.objects.has(key)) return {};
  const hash = keyHash(key);
  await ctx.locks.run(`object\0${bucket}\0${key}`, async () => {
    const entry = b.objects.get(key);
    if (entry === undefined) return;
    await fsp.rm(join(entry.dir, `${hash}${META_SUFFIX}`), { force: true });
    await fsyncDir(entry.dir);
    b.objects.delete(key);
    removeSorted(b.keys, key);
    if (b.versioning !== undefined) removeSorted(b.versionKeys, key); // enabled meanwhile
    ctx.pins.release(entry);
  });
  return {};
}

/** The directory of a key's manifest (by its hash), created on first use. */
export async function objectDir(b: BucketState, hash: string): Promise<string> {
  const odir = join(b.dir, 'o');
  const dir = join(odir, hash.slice(0, 2));
  if (!b.readyDirs.has(dir)) {
    try {
      await mkdirDurable(odir, b.dir);
      await mkdirDurable(dir, odir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && b.deleted) throw noSuchBucket(b.info.name);
      throw asStoreError(err);
    }
    b.readyDirs.add(dir);
  }
  return dir;
}

/**
 * The commit point for an object version: manifest to temp, fsync, rename,
 * fsync dir; then the index is switched and the previous version's files
 * are released. Serialized per key so memory follows the order on disk.
 */
export async function commitObject(ctx: FsContext, b: BucketState, key: string, dir: string, hash: string, doc: MetaDoc, inlineBody?: Buffer): Promise<ObjectEntry> {
  return ctx.locks.run(objectLockKey(b, key), () => commitLocked(ctx, b, key, dir, hash, doc, inlineBody));
}

/** The lock every commit of `key` holds. */
export function objectLockKey(b: BucketState, key: string): string {
  return `object\0${b.info.name}\0${key}`;
}

/**
 * {@link commitObject} for a caller already holding {@link objectLockKey} (an append checks the
 * current size and commits under one hold). Data files the new manifest shares with the previous
 * version (an append's) are kept; the previous version's other files are released.
 */
export async function commitLocked(ctx: FsContext, b: BucketState, key: string, dir: string, hash: string, doc: MetaDoc, inlineBody?: Buffer): Promise<ObjectEntry> {
  if (b.deleted) throw noSuchBucket(b.info.name);
  if (b.versioning !== undefined) return commitVersion(ctx, b, key, dir, hash, doc, inlineBody);
  if (doc.versionId !== undefined) throw new StoreError('InvalidRequest', 'A version id can only be given in a versioned bucket');
  doc.lastModified = nowToSecond().getTime();
  if (inlineBody !== undefined) doc.inline = randomUUID();
  const metaName = `${hash}${META_SUFFIX}`;
  await writeFileDurable(dir, metaName, encodeManifest(doc, inlineBody));
  const entry = entryFromDoc(doc, dir, metaName);
  // The bytes just written are the likeliest next GET.
  if (inlineBody !== undefined && entry.inline !== undefined) ctx.cache.set(entry.inline.cacheKey, inlineBody);
  const previous = b.objects.get(key);
  b.objects.set(key, entry);
  if (previous === undefined) {
    insertSorted(b.keys, key);
    // Versioning was enabled while this write was committing: ListObjectVersions lists it as the null version.
    if (b.versioning !== undefined) insertSorted(b.versionKeys, key);
  } else {
    ctx.pins.release(previous, new Set(entry.paths));
  }
  return entry;
}

/** {@link commitObject} of a manifest whose data files were made for it: they are removed if the commit fails. */
export async function commitNewFiles(ctx: FsContext, b: BucketState, key: string, dir: string, hash: string, doc: MetaDoc): Promise<ObjectEntry> {
  try {
    return await commitObject(ctx, b, key, dir, hash, doc);
  } catch (err) {
    await removeFiles(
      dir,
      doc.segments.map(([file]) => file),
    );
    throw asStoreError(err);
  }
}
