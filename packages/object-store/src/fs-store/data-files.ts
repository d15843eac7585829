/**
 * Data files (`<uuid>.data`): a body streamed to disk with its MD5, or an
 * existing file given a new name. A new data file is referenced by nothing
 * until a manifest naming it is committed; every data file belongs to exactly
 * one manifest, so deleting one object never touches another's bytes. (An
 * append's manifest replaces the old one and lists the same files plus a new
 * one: still one manifest on disk per file.)
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asStoreError, errnoCode } from '../durable-fs.js';
import { DATA_SUFFIX } from '../fs-layout.js';
import { HashingFileWriter } from '../hashing-writer.js';
import { StoreError, type PutObjectOptions } from '../types.js';

export interface WrittenData {
  file: string;
  size: number;
  md5: Buffer;
}

/**
 * Streams `body` into a new data file in `dir` with inline MD5 and fsync.
 * On any failure the file is removed.
 */
export async function writeData(dir: string, body: Readable, maxBytes: number, opts: PutObjectOptions | undefined): Promise<WrittenData> {
  const file = `${randomUUID()}${DATA_SUFFIX}`;
  const path = join(dir, file);
  const expected = opts?.expectedSize;
  const limit = expected !== undefined ? Math.min(expected, maxBytes) : maxBytes;
  const writer = new HashingFileWriter(
    path,
    limit,
    () =>
      expected !== undefined && expected <= maxBytes
        ? new StoreError('IncompleteBody', 'The request body is longer than the declared Content-Length.')
        : new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
            MaxSizeAllowed: String(maxBytes),
          }),
    opts?.knownMd5 === undefined,
  );
  const fail = async (err: unknown): Promise<never> => {
    await fsp.rm(path, { force: true }).catch(() => {});
    throw asStoreError(err);
  };
  try {
    await pipeline(body, writer);
  } catch (err) {
    return fail(err);
  }
  const size = writer.bytes;
  const md5 = opts?.knownMd5 !== undefined ? opts.knownMd5() : writer.md5.digest();
  const bad = checkBody(size, md5, maxBytes, opts);
  if (bad !== undefined) return fail(bad);
  return { file, size, md5 };
}

/** The checks once a whole body was received (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax). */
export function checkBody(size: number, md5: Buffer, maxBytes: number, opts: PutObjectOptions | undefined): StoreError | undefined {
  if (opts?.expectedSize !== undefined && size !== opts.expectedSize) {
    return new StoreError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  }
  if (size > maxBytes) {
    return new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(maxBytes) });
  }
  if (opts?.contentMd5 !== undefined && md5.toString('base64') !== opts.contentMd5) {
    return new StoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: opts.contentMd5,
      CalculatedDigest: md5.toString('base64'),
    });
  }
  return undefined;
}

/**
 * Gives each source file a new name in `dir`: a hard link (no bytes copied),
 * else a copy (reflink where the filesystem supports it) that is fsynced.
 */
export async function linkAll(paths: string[], dir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for (const src of paths) {
      const file = `${randomUUID()}${DATA_SUFFIX}`;
      const dst = join(dir, file);
      try {
        await fsp.link(src, dst);
      } catch (err) {
        const code = errnoCode(err);
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
        await fsp.copyFile(src, dst, fsConstants.COPYFILE_FICLONE);
        const fh = await fsp.open(dst, 'r+');
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }
      files.push(file);
    }
    return files;
  } catch (err) {
    await removeFiles(dir, files);
    throw asStoreError(err);
  }
}

/** Best-effort removal of `files` in `dir` (data files no manifest references). */
export async function removeFiles(dir: string, files: string[]): Promise<void> {
  for (const f of files) await fsp.rm(join(dir, f), { force: true }).catch(() => {});
}
