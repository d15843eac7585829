/**
 * Append (PutObject with `x-amz-write-offset-bytes`, docs/append.md). The existing bytes are
 * never rewritten: the appended body becomes one new data file (streamed and fsynced before
 * the key's lock is taken), then, under the lock, the current size is checked against the
 * offset and a manifest listing the old segments plus the new one replaces the old manifest
 * (the same commit point as a PUT: a crash leaves the old object or the new one). Readers of
 * the old version keep their pinned files. Small objects stay inline while the whole object
 * fits in `inlineObjectBytes` (rewriting at most that much); an inline object that outgrows it
 * moves its bytes into a first segment.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { appendedEtag, appendedMetadata, checkAppendedSize, checkWriteOffset } from '../append.js';
import { readPrefix, resume } from '../body-prefix.js';
import { asStoreError, writeFileDurable } from '../durable-fs.js';
import { DATA_SUFFIX, keyHash, type MetaDoc } from '../fs-layout.js';
import type { ObjectInfo, ObjectStore } from '../types.js';
import { checkKey } from '../validate.js';
import { checkBody, removeFiles, writeData } from './data-files.js';
import { readEntry } from './read-object.js';
import { bucketOf, writing, type FsContext, type ObjectEntry } from './state.js';
import { commitLocked, newDoc, objectDir, objectLockKey } from './write-object.js';

/** The appended bytes, received: in memory (small) or in a new data file. */
type Received = { kind: 'memory'; data: Buffer; md5: Buffer } | { kind: 'file'; file: string; size: number; md5: Buffer };

export async function appendObject(ctx: FsContext, ...[bucket, key, offset, body, metadata, opts]: Parameters<ObjectStore['appendObject']>): Promise<ObjectInfo> {
  const b = bucketOf(ctx, bucket);
  checkKey(key);
  // Refused before a byte is read when already wrong (checked again under the lock).
  checkWriteOffset(b.objects.get(key)?.info, offset);
  return writing(b, async () => {
    const hash = keyHash(key);
    const dir = await objectDir(b, hash);
    const got = await receive(ctx, dir, body, opts);
    const created: string[] = got.kind === 'file' ? [got.file] : [];
    try {
      return await ctx.locks.run(objectLockKey(b, key), async () => {
        const current = b.objects.get(key);
        const size = got.kind === 'file' ? got.size : got.data.length;
        checkWriteOffset(current?.info, offset);
        checkAppendedSize(current?.info, size, ctx.maxObjectBytes);
        if (current === undefined) {
          const doc = newDoc(key, size, got.md5, metadata);
          if (got.kind === 'memory') return (await commitLocked(ctx, b, key, dir, hash, doc, got.data)).info;
          doc.segments = [[got.file, size]];
          return (await commitLocked(ctx, b, key, dir, hash, doc)).info;
        }
        const doc: MetaDoc = { ...newDoc(key, current.info.size + size, got.md5, metadata), etag: appendedEtag(current.info, got.md5), metadata: appendedMetadata(current.info, size) };
        if (current.inline !== undefined) {
          const old = await inlineBytes(ctx, current);
          if (got.kind === 'memory' && old.length + size <= ctx.inlineObjectBytes) {
            return (await commitLocked(ctx, b, key, dir, hash, doc, Buffer.concat([old, got.data]))).info;
          }
          doc.segments.push([await newSegment(dir, old, created), old.length]);
        } else {
          for (const seg of current.segments) doc.segments.push([seg.file, seg.size]);
        }
        doc.segments.push([got.kind === 'file' ? got.file : await newSegment(dir, got.data, created), size]);
        return (await commitLocked(ctx, b, key, dir, hash, doc)).info;
      });
    } catch (err) {
      await removeFiles(dir, created);
      throw asStoreError(err);
    }
  });
}

/** The body, checked (length, Content-MD5, size limit): in memory up to the inline size, else in a new data file. */
async function receive(ctx: FsContext, dir: string, body: Readable, opts: Parameters<ObjectStore['appendObject']>[5]): Promise<Received> {
  let source = body;
  const expected = opts?.expectedSize;
  if (ctx.inlineObjectBytes > 0 && (expected === undefined || expected <= ctx.inlineObjectBytes)) {
    const head = await readPrefix(body, ctx.inlineObjectBytes);
    if (head.done) {
      const data = Buffer.concat(head.chunks, head.bytes);
      const md5 = opts?.knownMd5 !== undefined ? opts.knownMd5() : createHash('md5').update(data).digest();
      const bad = checkBody(data.length, md5, ctx.maxSinglePutBytes, opts);
      if (bad !== undefined) throw bad;
      return { kind: 'memory', data, md5 };
    }
    source = Readable.from(resume(head.chunks, head.iterator), { objectMode: false });
  }
  const written = await writeData(dir, source, ctx.maxSinglePutBytes, opts);
  return { kind: 'file', ...written };
}

/** The bytes of an inline object (small), read under its key's lock. */
async function inlineBytes(ctx: FsContext, entry: ObjectEntry): Promise<Buffer> {
  const got = await readEntry(ctx, entry);
  if (got?.buffer === undefined) throw asStoreError(new Error('inline object unreadable'));
  return got.buffer;
}

/** `data` as a new fsynced data file in `dir` (recorded in `created`, removed if the commit fails). */
async function newSegment(dir: string, data: Buffer, created: string[]): Promise<string> {
  const file = `${randomUUID()}${DATA_SUFFIX}`;
  created.push(file);
  await writeFileDurable(dir, file, data);
  return file;
}
