/**
 * Multipart uploads: `u/<uploadId>/upload.json`, one `<n>.part` manifest and
 * data file per part. Completing hard-links the chosen part files next to the
 * object's manifest, which lists them as its segments (GET streams them in
 * order; ranges may span parts).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DEL_DIR_PREFIX, TMP_DIR_PREFIX, asStoreError, errnoCode, fsyncDir, mkdirDurable, writeFileDurable } from '../durable-fs.js';
import { FORMAT_VERSION, PART_SUFFIX, UPLOAD_FILE, keyHash, nowToSecond, type MetaDoc, type PartDoc, type UploadDoc } from '../fs-layout.js';
import { chooseCompletedParts, completedMetadata, listUploadsPage } from '../multipart.js';
import { noSuchBucket, noSuchKey, noSuchUpload } from '../store-errors.js';
import type { ListUploadsOptions, ListUploadsResult, MultipartUploadInfo, ObjectInfo, ObjectMetadata, ObjectStore, PartInfo } from '../types.js';
import { StoreError } from '../types.js';
import { checkKey, checkPartNumber, freezeMetadata, multipartEtag, quoteEtag } from '../validate.js';
import { linkAll, removeFiles, writeData, type WrittenData } from './data-files.js';
import { getObject } from './read-object.js';
import { bucketOf, partFromDoc, uploadOf, writing, type BucketState, type FsContext, type UploadEntry } from './state.js';
import { commitNewFiles, objectDir } from './write-object.js';

type ListPartsResult = Awaited<ReturnType<ObjectStore['listParts']>>;

export async function createMultipartUpload(ctx: FsContext, bucket: string, key: string, metadata: ObjectMetadata): Promise<MultipartUploadInfo> {
  const b = bucketOf(ctx, bucket);
  checkKey(key);
  return writing(b, async () => {
    const uploadId = randomBytes(16).toString('hex');
    const info: MultipartUploadInfo = Object.freeze({
      uploadId,
      key,
      initiated: new Date(),
      metadata: freezeMetadata(metadata),
    });
    const udir = join(b.dir, 'u');
    const dir = join(udir, uploadId);
    const tmp = join(udir, `${TMP_DIR_PREFIX}${uploadId}`);
    const doc: UploadDoc = { v: FORMAT_VERSION, uploadId, key, initiated: info.initiated.getTime(), metadata: info.metadata };
    try {
      await mkdirDurable(udir, b.dir);
      await fsp.mkdir(tmp);
      await writeFileDurable(tmp, UPLOAD_FILE, JSON.stringify(doc));
      await fsp.rename(tmp, dir);
      await fsyncDir(udir);
    } catch (err) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
      if (errnoCode(err) === 'ENOENT' && b.deleted) throw noSuchBucket(bucket);
      throw asStoreError(err);
    }
    if (b.deleted) throw noSuchBucket(bucket);
    b.uploads.set(uploadId, { info, dir, parts: new Map() });
    return info;
  });
}

export async function uploadPart(ctx: FsContext, ...[bucket, key, uploadId, partNumber, body, opts]: Parameters<ObjectStore['uploadPart']>): Promise<PartInfo> {
  const b = bucketOf(ctx, bucket);
  const u = uploadOf(b, key, uploadId);
  checkPartNumber(partNumber);
  return writing(b, async () => {
    let data: WrittenData;
    try {
      data = await writeData(u.dir, body, ctx.maxPartBytes, opts);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw noSuchUpload(uploadId); // aborted meanwhile
      throw err;
    }
    const doc: PartDoc = {
      v: FORMAT_VERSION,
      partNumber,
      size: data.size,
      etag: quoteEtag(data.md5.toString('hex')),
      md5: data.md5.toString('hex'),
      lastModified: 0,
      file: data.file,
    };
    if (opts?.checksum !== undefined) doc.checksum = { ...opts.checksum };
    return commitPart(ctx, b, u, doc);
  });
}

/** Part manifest commit under the upload's lock (which Complete and Abort also take). */
async function commitPart(ctx: FsContext, b: BucketState, u: UploadEntry, doc: PartDoc): Promise<PartInfo> {
  const { uploadId } = u.info;
  return ctx.locks.run(`upload\0${uploadId}`, async () => {
    if (b.uploads.get(uploadId) !== u) {
      await removeFiles(u.dir, [doc.file]);
      throw noSuchUpload(uploadId);
    }
    doc.lastModified = nowToSecond().getTime();
    try {
      await writeFileDurable(u.dir, `${doc.partNumber}${PART_SUFFIX}`, JSON.stringify(doc));
    } catch (err) {
      await removeFiles(u.dir, [doc.file]);
      throw asStoreError(err);
    }
    const part = partFromDoc(doc);
    const previous = u.parts.get(doc.partNumber);
    u.parts.set(doc.partNumber, part);
    if (previous !== undefined) void fsp.rm(join(u.dir, previous.file), { force: true }).catch(() => {});
    return part.info;
  });
}

export async function uploadPartCopy(ctx: FsContext, ...[bucket, key, uploadId, partNumber, src]: Parameters<ObjectStore['uploadPartCopy']>): Promise<PartInfo> {
  const b = bucketOf(ctx, bucket);
  uploadOf(b, key, uploadId);
  checkPartNumber(partNumber);
  const got = await getObject(ctx, src.bucket, src.key, src.range, src.versionId);
  if (got === null) throw noSuchKey(src.key);
  const size = src.range !== undefined ? src.range.end - src.range.start + 1 : got.info.size;
  if (size > ctx.maxPartBytes) {
    got.body.destroy();
    throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      MaxSizeAllowed: String(ctx.maxPartBytes),
    });
  }
  return uploadPart(ctx, bucket, key, uploadId, partNumber, got.body, { expectedSize: size });
}

export async function completeMultipartUpload(ctx: FsContext, ...[bucket, key, uploadId, parts, opts]: Parameters<ObjectStore['completeMultipartUpload']>): Promise<ObjectInfo> {
  const b = bucketOf(ctx, bucket);
  uploadOf(b, key, uploadId);
  return writing(b, () =>
    ctx.locks.run(`upload\0${uploadId}`, async () => {
      const u = uploadOf(b, key, uploadId); // may have been completed or aborted while waiting
      const chosen = chooseCompletedParts(uploadId, u.parts, parts, ctx.minPartSize);
      const total = chosen.reduce((sum, p) => sum + p.info.size, 0);
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html: at most 5 TB per object.
      if (total > ctx.maxObjectBytes) {
        throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
          ProposedSize: String(total),
          MaxSizeAllowed: String(ctx.maxObjectBytes),
        });
      }
      const hash = keyHash(key);
      const dir = await objectDir(b, hash);
      const files = await linkAll(
        chosen.map((p) => join(u.dir, p.file)),
        dir,
      );
      const partSizes = chosen.map((p) => p.info.size);
      const doc: MetaDoc = {
        v: FORMAT_VERSION,
        key,
        size: total,
        etag: multipartEtag(chosen.map((p) => p.md5)),
        lastModified: 0,
        metadata: freezeMetadata(
          completedMetadata(
            u.info.metadata,
            chosen.map((p) => p.info),
            opts?.checksum,
          ),
        ),
        segments: files.map((file, i) => [file, partSizes[i]!]),
        uploadId,
      };
      if (opts?.versionId !== undefined) doc.versionId = opts.versionId;
      const entry = await commitNewFiles(ctx, b, key, dir, hash, doc);
      await dropUpload(b, u);
      return entry.info;
    }),
  );
}

/** Makes the upload disappear atomically (rename), then frees its files. */
async function dropUpload(b: BucketState, u: UploadEntry): Promise<void> {
  b.uploads.delete(u.info.uploadId);
  const udir = join(b.dir, 'u');
  const doomed = join(udir, `${DEL_DIR_PREFIX}${u.info.uploadId}`);
  await fsp.rename(u.dir, doomed);
  await fsyncDir(udir);
  await fsp.rm(doomed, { recursive: true, force: true });
}

export async function abortMultipartUpload(ctx: FsContext, bucket: string, key: string, uploadId: string): Promise<void> {
  const b = bucketOf(ctx, bucket);
  uploadOf(b, key, uploadId);
  await ctx.locks.run(`upload\0${uploadId}`, async () => {
    const u = uploadOf(b, key, uploadId);
    await dropUpload(b, u);
  });
}

export async function listParts(ctx: FsContext, ...[bucket, key, uploadId, opts]: Parameters<ObjectStore['listParts']>): Promise<ListPartsResult> {
  const u = uploadOf(bucketOf(ctx, bucket), key, uploadId);
  const marker = opts.partNumberMarker ?? 0;
  const all = [...u.parts.values()]
    .map((p) => p.info)
    .filter((p) => p.partNumber > marker)
    .sort((x, y) => x.partNumber - y.partNumber);
  const max = Math.max(0, opts.maxParts);
  const parts = all.slice(0, max);
  const result: ListPartsResult = { upload: u.info, parts, isTruncated: all.length > parts.length };
  const last = parts[parts.length - 1];
  if (last !== undefined) result.nextPartNumberMarker = last.partNumber;
  return result;
}

export async function listMultipartUploads(ctx: FsContext, bucket: string, opts: ListUploadsOptions): Promise<ListUploadsResult> {
  const b = bucketOf(ctx, bucket);
  return listUploadsPage(
    [...b.uploads.values()].map((u) => u.info),
    opts,
  );
}
