/**
 * The durable filesystem driver.
 *
 * On-disk layout (names never derive from keys, so no key can reach a path
 * outside `dataDir`):
 *
 *   dataDir/buckets/<bucket dir>/bucket.json        name, creation date, region, ACL
 *                                /config-website      opaque documents (bucket configs)
 *                                /config-policy
 *                                /o/<hh>/<sha256(key)>.meta   one manifest per object: a JSON header
 *                                                             line, then the bytes of a small object
 *                                /o/<hh>/<uuid>.data          data file(s) of a larger object
 *                                /u/<uploadId>/upload.json    multipart upload
 *                                /u/<uploadId>/<n>.part       part manifest (JSON)
 *                                /u/<uploadId>/<uuid>.data    part data
 *
 * A PUT streams the body into a fresh `<uuid>.data` (not yet referenced by
 * anything), fsyncs it, then writes the manifest to a temp file, fsyncs it,
 * renames it over `<sha256(key)>.meta` (the atomic commit point) and fsyncs
 * the directory, which also persists the data file's entry (same directory).
 * Only then does it resolve. A crash leaves either the old manifest or the
 * new one; `open` deletes temp files and data files no manifest references.
 * Objects up to `inlineObjectBytes` skip the data file: their bytes are part
 * of the manifest, so the same rename commits them.
 *
 * The index (every manifest header, per bucket, keys sorted in UTF-8 byte
 * order) lives in memory: HEAD and LIST never touch the disk.
 *
 * Every manifest references data files only in its own directory, and a data
 * file belongs to exactly one manifest: a completed multipart upload and a
 * CopyObject hard-link the source files under new names (no bytes copied;
 * falls back to a copy where links are impossible). Deleting a manifest's
 * files therefore never affects another object.
 *
 * A completed multipart object is a manifest of its part files (segments);
 * GET streams them in order and ranges may span parts.
 *
 * Readers pin the data files of the version they opened; an overwrite or
 * delete defers unlinking pinned files until the last reader closes.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { BodyCache } from './body-cache.js';
import {
  DEL_DIR_PREFIX,
  TMP_DIR_PREFIX,
  TMP_SUFFIX,
  asStoreError,
  errnoCode,
  fsyncDir,
  mkdirDurable,
  writeFileDurable,
} from './durable-fs.js';
import { HashingFileWriter } from './hashing-writer.js';
import { KeyedMutex } from './keyed-mutex.js';
import { readPrefix, resume } from './body-prefix.js';
import { noSuchBucket, noSuchKey, noSuchUpload } from './store-errors.js';
import {
  BUCKET_FILE,
  CONFIG_KINDS,
  DATA_SUFFIX,
  FORMAT_VERSION,
  INLINE_OBJECT_BYTES,
  META_SUFFIX,
  OPEN_CONCURRENCY,
  PART_SUFFIX,
  UPLOAD_FILE,
  UPLOAD_ID,
  bucketDirName,
  isProcessAlive,
  isTemp,
  keyHash,
  nowToSecond,
  readdirOrEmpty,
  type BucketDoc,
  type MetaDoc,
  type PartDoc,
  type UploadDoc,
} from './fs-layout.js';
import { mapLimit } from './map-limit.js';
import { chooseCompletedParts, completedMetadata, listUploadsPage, type PartEntry } from './multipart.js';
import { decodeManifest, encodeManifest, readManifestHeader } from './manifest.js';
import { compareKeys, insertSorted, listPage, removeSorted } from './key-order.js';
import { lazyBodyResult } from './get-result.js';
import { readSegments, type SegmentFile } from './segment-reader.js';
import {
  S3_LIMITS,
  StoreError,
  type BucketConfigKind,
  type BucketInfo,
  type ByteRange,
  type CannedAcl,
  type CompletedPartRef,
  type GetObjectResult,
  type ListObjectsOptions,
  type ListObjectsResult,
  type ListPartsOptions,
  type ListUploadsOptions,
  type ListUploadsResult,
  type MultipartUploadInfo,
  type ObjectInfo,
  type ObjectMetadata,
  type ObjectStore,
  type PartInfo,
  type PutObjectOptions,
  type StoredChecksum,
  type SystemDocuments,
} from './types.js';
import { checkKey, checkPartNumber, checkSystemDocumentName, freezeMetadata, multipartEtag, quoteEtag } from './validate.js';

export { INLINE_OBJECT_BYTES };

/** System documents an older layout kept at the data directory's root (the origin's credentials). */
const LEGACY_ROOT_DOCUMENTS = new Set(['credentials.json']);

export interface FsStoreOptions {
  /** Root directory; created if missing. One process at a time may open it. */
  dataDir: string;
  /** Minimum size of every part but the last at CompleteMultipartUpload. Default 5 MiB; lower it in tests. */
  minPartSize?: number;
  /** Bodies up to this size are read whole and cached in memory. Default 256 KiB; 0 disables the cache. */
  maxCachedObjectBytes?: number;
  /** Total bytes of the body cache. Default 64 MiB. */
  bodyCacheBytes?: number;
  /**
   * Objects up to this size are stored inside their manifest (one file, one
   * fsync less per PUT). Default 64 KiB; 0 disables.
   */
  inlineObjectBytes?: number;
  /** Lower size limits (EntityTooLarge), for tests. Default S3_LIMITS. */
  limits?: { maxSinglePutBytes?: number; maxPartBytes?: number; maxObjectBytes?: number };
}

interface ObjectEntry {
  info: ObjectInfo;
  /** Absolute directory holding the manifest and every segment. */
  dir: string;
  segments: { file: string; size: number }[];
  /** Absolute path of each segment (precomputed: the GET hot path). */
  paths: string[];
  /** Set when the bytes are stored inside the manifest (then `segments` is empty). */
  inline?: { path: string; cacheKey: string };
  /** Set when the object came from CompleteMultipartUpload. */
  uploadId?: string;
}

interface UploadEntry {
  info: MultipartUploadInfo;
  dir: string;
  parts: Map<number, PartEntry>;
}

interface BucketState {
  info: BucketInfo;
  dir: string;
  /** Object keys in UTF-8 binary order. */
  keys: string[];
  objects: Map<string, ObjectEntry>;
  uploads: Map<string, UploadEntry>;
  configs: Map<BucketConfigKind, string>;
  /** Object directories known to exist. */
  readyDirs: Set<string>;
  /** PUTs / uploads in flight, so DeleteBucket does not pull the directory from under them. */
  writers: number;
  deleted: boolean;
}

export async function createFsStore(opts: FsStoreOptions): Promise<ObjectStore & SystemDocuments> {
  const store = new FsStore(opts);
  try {
    await store.open();
  } catch (err) {
    await store.close().catch(() => {}); // releases the LOCK taken by open
    throw err;
  }
  return store;
}

class FsStore implements ObjectStore, SystemDocuments {
  private readonly root: string;
  private readonly bucketsDir: string;
  private readonly minPartSize: number;
  private readonly maxCachedObjectBytes: number;
  private readonly maxSinglePutBytes: number;
  private readonly inlineObjectBytes: number;
  private readonly maxPartBytes: number;
  private readonly maxObjectBytes: number;
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new KeyedMutex();
  private readonly cache: BodyCache;
  /** Data file path → number of open readers. */
  private readonly pins = new Map<string, number>();
  /** Pinned data files whose object is gone: unlinked when the last reader closes. */
  private readonly doomed = new Set<string>();

  constructor(opts: FsStoreOptions) {
    this.root = opts.dataDir;
    this.bucketsDir = join(opts.dataDir, 'buckets');
    this.minPartSize = opts.minPartSize ?? S3_LIMITS.minPartBytes;
    this.maxCachedObjectBytes = opts.maxCachedObjectBytes ?? 256 * 1024;
    this.maxSinglePutBytes = opts.limits?.maxSinglePutBytes ?? S3_LIMITS.maxSinglePutBytes;
    this.inlineObjectBytes = opts.inlineObjectBytes ?? INLINE_OBJECT_BYTES;
    this.maxPartBytes = opts.limits?.maxPartBytes ?? S3_LIMITS.maxPartBytes;
    this.maxObjectBytes = opts.limits?.maxObjectBytes ?? S3_LIMITS.maxObjectBytes;
    this.cache = new BodyCache(opts.bodyCacheBytes ?? 64 * 1024 * 1024, this.maxCachedObjectBytes);
  }

  // ---------------------------------------------------------------- open / recovery

  async open(): Promise<void> {
    await fsp.mkdir(this.bucketsDir, { recursive: true });
    await fsyncDir(this.root);
    await this.takeLock();
    const formatFile = join(this.root, 'format.json');
    try {
      const doc = JSON.parse(await fsp.readFile(formatFile, 'utf8')) as { version?: number };
      if (doc.version !== FORMAT_VERSION) {
        throw new StoreError('InternalError', `Unsupported data directory format ${String(doc.version)} in ${this.root}`);
      }
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      await writeFileDurable(this.root, 'format.json', JSON.stringify({ version: FORMAT_VERSION }));
    }
    for (const name of await fsp.readdir(this.bucketsDir)) {
      const dir = join(this.bucketsDir, name);
      if (isTemp(name)) {
        await fsp.rm(dir, { recursive: true, force: true });
        continue;
      }
      await this.loadBucket(dir);
    }
  }

  /**
   * Recovery deletes files another live process may be writing, so one process
   * owns a data directory: `LOCK` holds its pid; a lock left by a dead process
   * is taken over. (Reopening within the same process is allowed.)
   */
  private async takeLock(): Promise<void> {
    const lock = join(this.root, 'LOCK');
    try {
      const pid = Number((await fsp.readFile(lock, 'utf8')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
        throw new StoreError('InternalError', `Data directory ${this.root} is in use by process ${pid}`);
      }
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    await fsp.writeFile(lock, `${process.pid}\n`);
  }

  private async loadBucket(dir: string): Promise<void> {
    let doc: BucketDoc;
    try {
      doc = JSON.parse(await fsp.readFile(join(dir, BUCKET_FILE), 'utf8')) as BucketDoc;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        // A bucket directory only appears by rename after bucket.json is durable: this is debris.
        await fsp.rm(dir, { recursive: true, force: true });
        return;
      }
      // Corrupt (only disk damage does that): stop rather than drop the bucket's objects.
      throw new StoreError('InternalError', `Unreadable bucket document ${join(dir, BUCKET_FILE)}: ${String(err)}`);
    }
    const b: BucketState = {
      info: { name: doc.name, creationDate: new Date(doc.creationDate), region: doc.region, acl: doc.acl },
      dir,
      keys: [],
      objects: new Map(),
      uploads: new Map(),
      configs: new Map(),
      readyDirs: new Set(),
      writers: 0,
      deleted: false,
    };
    for (const name of await fsp.readdir(dir)) {
      if (name.endsWith(TMP_SUFFIX)) await fsp.rm(join(dir, name), { force: true });
    }
    for (const kind of CONFIG_KINDS) {
      try {
        b.configs.set(kind, await fsp.readFile(join(dir, `config-${kind}`), 'utf8'));
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
    const completedUploads = new Set<string>();
    await this.loadObjects(b, completedUploads);
    b.keys = [...b.objects.keys()].sort(compareKeys);
    await this.loadUploads(b, completedUploads);
    this.buckets.set(b.info.name, b);
  }

  private async loadObjects(b: BucketState, completedUploads: Set<string>): Promise<void> {
    const odir = join(b.dir, 'o');
    const subdirs = await readdirOrEmpty(odir);
    await mapLimit(subdirs, 4, async (sub) => {
      const dir = join(odir, sub);
      b.readyDirs.add(dir);
      const names = await fsp.readdir(dir);
      const referenced = new Set<string>();
      const metas = names.filter((n) => n.endsWith(META_SUFFIX));
      await mapLimit(metas, OPEN_CONCURRENCY, async (name) => {
        const doc = await readManifestHeader<MetaDoc>(join(dir, name)).catch((err: unknown) => {
          // Written by rename after fsync, so only disk corruption gets here: stop rather than drop data.
          throw new StoreError('InternalError', `Unreadable object manifest ${join(dir, name)}: ${String(err)}`);
        });
        const entry = this.entryFromDoc(doc, dir, name);
        for (const s of entry.segments) referenced.add(s.file);
        if (doc.uploadId !== undefined) completedUploads.add(doc.uploadId);
        b.objects.set(doc.key, entry);
      });
      for (const name of names) {
        const stale = name.endsWith(TMP_SUFFIX) || (name.endsWith(DATA_SUFFIX) && !referenced.has(name));
        if (stale) await fsp.rm(join(dir, name), { force: true });
      }
    });
  }

  private async loadUploads(b: BucketState, completedUploads: Set<string>): Promise<void> {
    const udir = join(b.dir, 'u');
    for (const id of await readdirOrEmpty(udir)) {
      const dir = join(udir, id);
      let doc: UploadDoc;
      try {
        doc = JSON.parse(await fsp.readFile(join(dir, UPLOAD_FILE), 'utf8')) as UploadDoc;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
        await fsp.rm(dir, { recursive: true, force: true });
        continue;
      }
      if (isTemp(id) || !UPLOAD_ID.test(id) || completedUploads.has(id)) {
        // Debris, or completed just before a crash could delete it.
        await fsp.rm(dir, { recursive: true, force: true });
        continue;
      }
      const upload: UploadEntry = {
        info: Object.freeze({
          uploadId: id,
          key: doc.key,
          initiated: new Date(doc.initiated),
          metadata: freezeMetadata(doc.metadata),
        }),
        dir,
        parts: new Map(),
      };
      const names = await fsp.readdir(dir);
      const referenced = new Set<string>();
      for (const name of names.filter((n) => n.endsWith(PART_SUFFIX))) {
        const p = JSON.parse(await fsp.readFile(join(dir, name), 'utf8')) as PartDoc;
        referenced.add(p.file);
        upload.parts.set(p.partNumber, this.partFromDoc(p));
      }
      for (const name of names) {
        const stale = name.endsWith(TMP_SUFFIX) || (name.endsWith(DATA_SUFFIX) && !referenced.has(name));
        if (stale) await fsp.rm(join(dir, name), { force: true });
      }
      b.uploads.set(id, upload);
    }
  }

  private entryFromDoc(doc: MetaDoc, dir: string, metaName: string): ObjectEntry {
    const info: ObjectInfo = Object.freeze({
      key: doc.key,
      size: doc.size,
      etag: doc.etag,
      lastModified: new Date(doc.lastModified),
      metadata: freezeMetadata(doc.metadata),
    });
    const segments = doc.segments.map(([file, size]) => ({ file, size }));
    const entry: ObjectEntry = { info, dir, segments, paths: segments.map((seg) => join(dir, seg.file)) };
    if (doc.uploadId !== undefined) entry.uploadId = doc.uploadId;
    if (doc.inline !== undefined) {
      const path = join(dir, metaName);
      entry.inline = { path, cacheKey: `${path}#${doc.inline}` };
    }
    return entry;
  }

  private partFromDoc(p: PartDoc): PartEntry {
    const info: PartInfo = {
      partNumber: p.partNumber,
      size: p.size,
      etag: p.etag,
      lastModified: new Date(p.lastModified),
    };
    if (p.checksum !== undefined) info.checksum = p.checksum;
    return { info: Object.freeze(info), file: p.file, md5: Buffer.from(p.md5, 'hex') };
  }

  // ---------------------------------------------------------------- system documents

  /**
   * `dataDir/system/<name>`, mode 0600 (they hold secrets); one process owns the directory, so
   * the per-name lock makes create-if-absent exact. Data directories from before system/ kept
   * the origin's credentials at their root: that file is still read (LEGACY_ROOT_DOCUMENTS).
   */
  async getSystemDocument(name: string): Promise<string | null> {
    checkSystemDocumentName(name);
    const candidates = [join(this.root, 'system', name), ...(LEGACY_ROOT_DOCUMENTS.has(name) ? [join(this.root, name)] : [])];
    for (const file of candidates) {
      try {
        return await fsp.readFile(file, 'utf8');
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw asStoreError(err);
      }
    }
    return null;
  }

  async createSystemDocument(name: string, doc: string): Promise<string> {
    checkSystemDocumentName(name);
    return this.locks.run(`system\0${name}`, async () => {
      const existing = await this.getSystemDocument(name);
      if (existing !== null) return existing;
      const dir = join(this.root, 'system');
      await mkdirDurable(dir, this.root);
      await writeFileDurable(dir, name, doc, 0o600);
      return doc;
    });
  }

  async close(): Promise<void> {
    this.cache.clear();
    const lock = join(this.root, 'LOCK');
    const owner = await fsp.readFile(lock, 'utf8').catch(() => '');
    if (owner.trim() === String(process.pid)) await fsp.rm(lock, { force: true });
  }

  // ---------------------------------------------------------------- buckets

  private bucket(name: string): BucketState {
    const b = this.buckets.get(name);
    if (b === undefined || b.deleted) throw noSuchBucket(name);
    return b;
  }

  async listBuckets(): Promise<BucketInfo[]> {
    return [...this.buckets.values()]
      .map((b) => ({ ...b.info }))
      .sort((x, y) => compareKeys(x.name, y.name));
  }

  async createBucket(name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo> {
    return this.locks.run(`bucket\0${name}`, async () => {
      if (this.buckets.has(name)) {
        throw new StoreError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
          BucketName: name,
        });
      }
      const info: BucketInfo = { name, creationDate: nowToSecond(), region: opts.region, acl: opts.acl ?? 'private' };
      const dir = join(this.bucketsDir, bucketDirName(name));
      const tmp = join(this.bucketsDir, `${TMP_DIR_PREFIX}${randomUUID()}`);
      try {
        await fsp.mkdir(tmp);
        await writeFileDurable(tmp, BUCKET_FILE, this.bucketDoc(info));
        await fsp.rename(tmp, dir);
        await fsyncDir(this.bucketsDir);
      } catch (err) {
        await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
        throw asStoreError(err);
      }
      this.buckets.set(name, {
        info,
        dir,
        keys: [],
        objects: new Map(),
        uploads: new Map(),
        configs: new Map(),
        readyDirs: new Set(),
        writers: 0,
        deleted: false,
      });
      return { ...info };
    });
  }

  private bucketDoc(info: BucketInfo): string {
    const doc: BucketDoc = {
      v: FORMAT_VERSION,
      name: info.name,
      creationDate: info.creationDate.getTime(),
      region: info.region,
      acl: info.acl,
    };
    return JSON.stringify(doc);
  }

  async deleteBucket(name: string): Promise<void> {
    await this.locks.run(`bucket\0${name}`, async () => {
      const b = this.bucket(name);
      if (b.objects.size > 0 || b.uploads.size > 0 || b.writers > 0) {
        throw new StoreError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
      }
      const doomed = join(this.bucketsDir, `${DEL_DIR_PREFIX}${randomUUID()}`);
      // Gone for everyone from now on: a write starting meanwhile fails with NoSuchBucket.
      b.deleted = true;
      this.buckets.delete(name);
      try {
        await fsp.rename(b.dir, doomed);
      } catch (err) {
        b.deleted = false;
        this.buckets.set(name, b);
        throw err;
      }
      await fsyncDir(this.bucketsDir);
      await fsp.rm(doomed, { recursive: true, force: true });
    });
  }

  async headBucket(name: string): Promise<BucketInfo | null> {
    const b = this.buckets.get(name);
    return b === undefined || b.deleted ? null : { ...b.info };
  }

  async setBucketAcl(name: string, acl: CannedAcl): Promise<void> {
    await this.locks.run(`bucket\0${name}`, async () => {
      const b = this.bucket(name);
      const info = { ...b.info, acl };
      await writeFileDurable(b.dir, BUCKET_FILE, this.bucketDoc(info));
      b.info = info;
    });
  }

  async getBucketConfig(name: string, kind: BucketConfigKind): Promise<string | null> {
    return this.bucket(name).configs.get(kind) ?? null;
  }

  async putBucketConfig(name: string, kind: BucketConfigKind, document: string | null): Promise<void> {
    if (!CONFIG_KINDS.includes(kind)) throw new StoreError('InvalidArgument', `Unknown bucket configuration ${String(kind)}`);
    await this.locks.run(`config\0${name}\0${kind}`, async () => {
      const b = this.bucket(name);
      const file = `config-${kind}`;
      if (document === null) {
        await fsp.rm(join(b.dir, file), { force: true });
        await fsyncDir(b.dir);
        b.configs.delete(kind);
      } else {
        await writeFileDurable(b.dir, file, document);
        b.configs.set(kind, document);
      }
    });
  }

  // ---------------------------------------------------------------- objects

  /** The directory of `key`'s manifest, created on first use. */
  private async objectDir(b: BucketState, hash: string): Promise<string> {
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
   * Streams `body` into a new data file in `dir` with inline MD5 and fsync.
   * The file is referenced by nothing yet; on any failure it is removed.
   */
  private async writeData(
    dir: string,
    body: Readable,
    maxBytes: number,
    opts: PutObjectOptions | undefined,
  ): Promise<{ file: string; size: number; md5: Buffer }> {
    const file = `${randomUUID()}${DATA_SUFFIX}`;
    const path = join(dir, file);
    const expected = opts?.expectedSize;
    const limit = expected !== undefined ? Math.min(expected, maxBytes) : maxBytes;
    const writer = new HashingFileWriter(path, limit, () =>
      expected !== undefined && expected <= maxBytes
        ? new StoreError('IncompleteBody', 'The request body is longer than the declared Content-Length.')
        : new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
            MaxSizeAllowed: String(maxBytes),
          }),
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
    const md5 = writer.md5.digest();
    const bad = this.checkBody(size, md5, maxBytes, opts);
    if (bad !== undefined) return fail(bad);
    return { file, size, md5 };
  }

  /** The checks once a whole body was received (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax). */
  private checkBody(size: number, md5: Buffer, maxBytes: number, opts: PutObjectOptions | undefined): StoreError | undefined {
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
   * The commit point for an object version: manifest to temp, fsync, rename,
   * fsync dir; then the index is switched and the previous version's files
   * are released. Serialized per key so memory follows the order on disk.
   */
  private async commitObject(
    b: BucketState,
    key: string,
    dir: string,
    hash: string,
    doc: MetaDoc,
    inlineBody?: Buffer,
  ): Promise<ObjectEntry> {
    return this.locks.run(`object\0${b.info.name}\0${key}`, async () => {
      if (b.deleted) throw noSuchBucket(b.info.name);
      doc.lastModified = nowToSecond().getTime();
      if (inlineBody !== undefined) doc.inline = randomUUID();
      const metaName = `${hash}${META_SUFFIX}`;
      await writeFileDurable(dir, metaName, encodeManifest(doc, inlineBody));
      const entry = this.entryFromDoc(doc, dir, metaName);
      // The bytes just written are the likeliest next GET.
      if (inlineBody !== undefined && entry.inline !== undefined) this.cache.set(entry.inline.cacheKey, inlineBody);
      const previous = b.objects.get(key);
      b.objects.set(key, entry);
      if (previous === undefined) insertSorted(b.keys, key);
      else this.release(previous);
      return entry;
    });
  }

  /** Unlinks an old version's files, or defers that while readers hold them. */
  private release(entry: ObjectEntry): void {
    if (entry.inline !== undefined) this.cache.delete(entry.inline.cacheKey);
    for (const p of entry.paths) this.discard(p);
  }

  private discard(path: string): void {
    this.cache.delete(path);
    if (this.pins.has(path)) this.doomed.add(path);
    else void fsp.rm(path, { force: true }).catch(() => {});
  }

  private pin(paths: string[]): void {
    for (const p of paths) this.pins.set(p, (this.pins.get(p) ?? 0) + 1);
  }

  private unpin(paths: string[]): void {
    for (const p of paths) {
      const n = (this.pins.get(p) ?? 1) - 1;
      if (n > 0) {
        this.pins.set(p, n);
        continue;
      }
      this.pins.delete(p);
      if (this.doomed.delete(p)) void fsp.rm(p, { force: true }).catch(() => {});
    }
  }

  /** Runs a write against `b`, so DeleteBucket sees it in flight. */
  private async writing<T>(b: BucketState, fn: () => Promise<T>): Promise<T> {
    b.writers++;
    try {
      return await fn();
    } finally {
      b.writers--;
    }
  }

  async putObject(
    bucket: string,
    key: string,
    body: Readable,
    metadata: ObjectMetadata,
    opts?: PutObjectOptions,
  ): Promise<ObjectInfo> {
    const b = this.bucket(bucket);
    checkKey(key);
    return this.writing(b, async () => {
      const hash = keyHash(key);
      const dir = await this.objectDir(b, hash);
      const expected = opts?.expectedSize;
      let source = body;
      if (this.inlineObjectBytes > 0 && (expected === undefined || expected <= this.inlineObjectBytes)) {
        // Small (or unknown) size: read up to the inline limit; if the body ends there, one manifest holds it all.
        const head = await readPrefix(body, this.inlineObjectBytes);
        if (head.done) {
          const data = Buffer.concat(head.chunks, head.bytes);
          const md5 = createHash('md5').update(data).digest();
          const bad = this.checkBody(data.length, md5, this.maxSinglePutBytes, opts);
          if (bad !== undefined) throw bad;
          return (await this.commitObject(b, key, dir, hash, this.newDoc(key, data.length, md5, metadata), data)).info;
        }
        source = Readable.from(resume(head.chunks, head.iterator), { objectMode: false });
      }
      const data = await this.writeData(dir, source, this.maxSinglePutBytes, opts);
      const doc = this.newDoc(key, data.size, data.md5, metadata);
      doc.segments = [[data.file, data.size]];
      try {
        return (await this.commitObject(b, key, dir, hash, doc)).info;
      } catch (err) {
        await fsp.rm(join(dir, data.file), { force: true }).catch(() => {});
        throw asStoreError(err);
      }
    });
  }

  private newDoc(key: string, size: number, md5: Buffer, metadata: ObjectMetadata): MetaDoc {
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

  async headObject(bucket: string, key: string): Promise<ObjectInfo | null> {
    return this.bucket(bucket).objects.get(key)?.info ?? null;
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<GetObjectResult | null> {
    const entry = this.bucket(bucket).objects.get(key);
    return entry === undefined ? null : this.readEntry(entry, range);
  }

  private async readEntry(entry: ObjectEntry, range?: ByteRange): Promise<GetObjectResult | null> {
    const { info, paths } = entry;
    const start = range?.start ?? 0;
    const end = range?.end ?? info.size - 1;

    if (entry.inline !== undefined) {
      const whole = this.cache.get(entry.inline.cacheKey);
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
        // Overwritten since the lookup: serve the version that was read, with its own info.
        const now = this.entryFromDoc(doc, entry.dir, basename(entry.inline.path));
        if (now.inline === undefined) return this.readEntry(now, range);
        this.cache.set(now.inline.cacheKey, body!);
        return lazyBodyResult(now.info, slice(body!, start, range?.end ?? now.info.size - 1));
      }
      this.cache.set(entry.inline.cacheKey, body!);
      return lazyBodyResult(info, slice(body!, start, end));
    }

    if (paths.length === 1 && info.size <= this.maxCachedObjectBytes) {
      const path = paths[0]!;
      let whole = this.cache.get(path);
      if (whole === undefined) {
        this.pin(paths);
        try {
          whole = await fsp.readFile(path);
        } finally {
          this.unpin(paths);
        }
        if (whole.length !== info.size) {
          throw new StoreError('InternalError', `Stored object ${info.key} has ${whole.length} bytes, expected ${info.size}`);
        }
        this.cache.set(path, whole);
      }
      return lazyBodyResult(info, slice(whole, start, end));
    }

    this.pin(paths);
    const segments: SegmentFile[] = entry.segments.map((seg, i) => ({ path: paths[i]!, size: seg.size }));
    let closed = false;
    const body = readSegments(segments, start, end, () => {
      if (!closed) {
        closed = true;
        this.unpin(paths);
      }
    });
    return { info, body };
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const b = this.bucket(bucket);
    if (!b.objects.has(key)) return;
    const hash = keyHash(key);
    await this.locks.run(`object\0${bucket}\0${key}`, async () => {
      const entry = b.objects.get(key);
      if (entry === undefined) return;
      await fsp.rm(join(entry.dir, `${hash}${META_SUFFIX}`), { force: true });
      await fsyncDir(entry.dir);
      b.objects.delete(key);
      removeSorted(b.keys, key);
      this.release(entry);
    });
  }

  async copyObject(
    src: { bucket: string; key: string },
    dst: { bucket: string; key: string },
    metadata: ObjectMetadata,
  ): Promise<ObjectInfo> {
    const sb = this.bucket(src.bucket);
    const db = this.bucket(dst.bucket);
    checkKey(dst.key);
    const source = sb.objects.get(src.key);
    if (source === undefined) throw noSuchKey(src.key);
    if (source.inline !== undefined) return this.copyBytes(source, db, dst.key, metadata);
    const { paths } = source;
    this.pin(paths);
    try {
      return await this.writing(db, async () => {
        const hash = keyHash(dst.key);
        const dir = await this.objectDir(db, hash);
        const files = await this.linkAll(paths, dir);
        const doc: MetaDoc = {
          v: FORMAT_VERSION,
          key: dst.key,
          size: source.info.size,
          etag: source.info.etag,
          lastModified: 0,
          metadata: copyMetadata(metadata, source.info),
          segments: files.map((file, i) => [file, source.segments[i]!.size]),
        };
        try {
          return (await this.commitObject(db, dst.key, dir, hash, doc)).info;
        } catch (err) {
          for (const f of files) await fsp.rm(join(dir, f), { force: true }).catch(() => {});
          throw asStoreError(err);
        }
      });
    } finally {
      this.unpin(paths);
    }
  }

  /** Copy of an inline object: its bytes are read (small) and written into the new manifest. */
  private async copyBytes(source: ObjectEntry, db: BucketState, key: string, metadata: ObjectMetadata): Promise<ObjectInfo> {
    const got = await this.readEntry(source);
    if (got === null) throw noSuchKey(source.info.key);
    return this.writing(db, async () => {
      const hash = keyHash(key);
      const dir = await this.objectDir(db, hash);
      const doc: MetaDoc = {
        v: FORMAT_VERSION,
        key,
        size: got.info.size,
        etag: got.info.etag,
        lastModified: 0,
        metadata: copyMetadata(metadata, got.info),
        segments: [],
      };
      if (got.buffer !== undefined) return (await this.commitObject(db, key, dir, hash, doc, got.buffer)).info;
      // It was overwritten by a large version meanwhile: stream that one.
      const data = await this.writeData(dir, got.body, Number.MAX_SAFE_INTEGER, { expectedSize: got.info.size });
      doc.segments = [[data.file, data.size]];
      try {
        return (await this.commitObject(db, key, dir, hash, doc)).info;
      } catch (err) {
        await fsp.rm(join(dir, data.file), { force: true }).catch(() => {});
        throw asStoreError(err);
      }
    });
  }

  /**
   * Gives each source file a new name in `dir`: a hard link (no bytes copied),
   * else a copy (reflink where the filesystem supports it) that is fsynced.
   */
  private async linkAll(paths: string[], dir: string): Promise<string[]> {
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
      for (const f of files) await fsp.rm(join(dir, f), { force: true }).catch(() => {});
      throw asStoreError(err);
    }
  }

  async listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
    const b = this.bucket(bucket);
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

  // ---------------------------------------------------------------- multipart

  private upload(b: BucketState, key: string, uploadId: string): UploadEntry {
    const u = UPLOAD_ID.test(uploadId) ? b.uploads.get(uploadId) : undefined;
    if (u === undefined || u.info.key !== key) throw noSuchUpload(uploadId);
    return u;
  }

  async createMultipartUpload(bucket: string, key: string, metadata: ObjectMetadata): Promise<MultipartUploadInfo> {
    const b = this.bucket(bucket);
    checkKey(key);
    return this.writing(b, async () => {
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

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Readable,
    opts?: PutObjectOptions,
  ): Promise<PartInfo> {
    const b = this.bucket(bucket);
    const u = this.upload(b, key, uploadId);
    checkPartNumber(partNumber);
    return this.writing(b, async () => {
      let data: { file: string; size: number; md5: Buffer };
      try {
        data = await this.writeData(u.dir, body, this.maxPartBytes, opts);
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
      return this.commitPart(b, u, doc);
    });
  }

  /** Part manifest commit under the upload's lock (which Complete and Abort also take). */
  private async commitPart(b: BucketState, u: UploadEntry, doc: PartDoc): Promise<PartInfo> {
    const { uploadId } = u.info;
    return this.locks.run(`upload\0${uploadId}`, async () => {
      if (b.uploads.get(uploadId) !== u) {
        await fsp.rm(join(u.dir, doc.file), { force: true }).catch(() => {});
        throw noSuchUpload(uploadId);
      }
      doc.lastModified = nowToSecond().getTime();
      try {
        await writeFileDurable(u.dir, `${doc.partNumber}${PART_SUFFIX}`, JSON.stringify(doc));
      } catch (err) {
        await fsp.rm(join(u.dir, doc.file), { force: true }).catch(() => {});
        throw asStoreError(err);
      }
      const part = this.partFromDoc(doc);
      const previous = u.parts.get(doc.partNumber);
      u.parts.set(doc.partNumber, part);
      if (previous !== undefined) void fsp.rm(join(u.dir, previous.file), { force: true }).catch(() => {});
      return part.info;
    });
  }

  async uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    src: { bucket: string; key: string; range?: ByteRange },
  ): Promise<PartInfo> {
    const b = this.bucket(bucket);
    this.upload(b, key, uploadId);
    checkPartNumber(partNumber);
    const got = await this.getObject(src.bucket, src.key, src.range);
    if (got === null) throw noSuchKey(src.key);
    const size = src.range !== undefined ? src.range.end - src.range.start + 1 : got.info.size;
    if (size > this.maxPartBytes) {
      got.body.destroy();
      throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
        MaxSizeAllowed: String(this.maxPartBytes),
      });
    }
    return this.uploadPart(bucket, key, uploadId, partNumber, got.body, { expectedSize: size });
  }

  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
    opts?: { checksum?: StoredChecksum },
  ): Promise<ObjectInfo> {
    const b = this.bucket(bucket);
    this.upload(b, key, uploadId);
    return this.writing(b, () =>
      this.locks.run(`upload\0${uploadId}`, async () => {
        const u = this.upload(b, key, uploadId); // may have been completed or aborted while waiting
        const chosen = chooseCompletedParts(uploadId, u.parts, parts, this.minPartSize);
        const total = chosen.reduce((sum, p) => sum + p.info.size, 0);
        // "The maximum size of an object you can store in an S3 bucket is 5 TB" (S3 quotas).
        if (total > this.maxObjectBytes) {
          throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
            ProposedSize: String(total),
            MaxSizeAllowed: String(this.maxObjectBytes),
          });
        }
        const hash = keyHash(key);
        const dir = await this.objectDir(b, hash);
        const files = await this.linkAll(
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
          metadata: freezeMetadata(completedMetadata(u.info.metadata, partSizes, opts?.checksum)),
          segments: files.map((file, i) => [file, partSizes[i]!]),
          uploadId,
        };
        let entry: ObjectEntry;
        try {
          entry = await this.commitObject(b, key, dir, hash, doc);
        } catch (err) {
          for (const f of files) await fsp.rm(join(dir, f), { force: true }).catch(() => {});
          throw asStoreError(err);
        }
        await this.dropUpload(b, u);
        return entry.info;
      }),
    );
  }

  /** Makes the upload disappear atomically (rename), then frees its files. */
  private async dropUpload(b: BucketState, u: UploadEntry): Promise<void> {
    b.uploads.delete(u.info.uploadId);
    const udir = join(b.dir, 'u');
    const doomed = join(udir, `${DEL_DIR_PREFIX}${u.info.uploadId}`);
    await fsp.rename(u.dir, doomed);
    await fsyncDir(udir);
    await fsp.rm(doomed, { recursive: true, force: true });
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const b = this.bucket(bucket);
    this.upload(b, key, uploadId);
    await this.locks.run(`upload\0${uploadId}`, async () => {
      const u = this.upload(b, key, uploadId);
      await this.dropUpload(b, u);
    });
  }

  async listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts: ListPartsOptions,
  ): Promise<{ upload: MultipartUploadInfo; parts: PartInfo[]; isTruncated: boolean; nextPartNumberMarker?: number }> {
    const u = this.upload(this.bucket(bucket), key, uploadId);
    const marker = opts.partNumberMarker ?? 0;
    const all = [...u.parts.values()]
      .map((p) => p.info)
      .filter((p) => p.partNumber > marker)
      .sort((x, y) => x.partNumber - y.partNumber);
    const max = Math.max(0, opts.maxParts);
    const parts = all.slice(0, max);
    const result: { upload: MultipartUploadInfo; parts: PartInfo[]; isTruncated: boolean; nextPartNumberMarker?: number } = {
      upload: u.info,
      parts,
      isTruncated: all.length > parts.length,
    };
    const last = parts[parts.length - 1];
    if (last !== undefined) result.nextPartNumberMarker = last.partNumber;
    return result;
  }

  async listMultipartUploads(bucket: string, opts: ListUploadsOptions): Promise<ListUploadsResult> {
    const b = this.bucket(bucket);
    return listUploadsPage(
      [...b.uploads.values()].map((u) => u.info),
      opts,
    );
  }
}

/**
 * CopyObject metadata: the caller's, plus the source's part layout.
 * Deviation from S3: a copy of a multipart object keeps its ETag and part
 * sizes (S3 may re-chunk it); the bytes are identical.
 */
function copyMetadata(metadata: ObjectMetadata, source: ObjectInfo): ObjectMetadata {
  const md: ObjectMetadata = { ...metadata };
  if (source.metadata.partSizes !== undefined) md.partSizes = [...source.metadata.partSizes];
  else delete md.partSizes;
  return freezeMetadata(md);
}

function slice(whole: Buffer, start: number, end: number): Buffer {
  return start === 0 && end === whole.length - 1 ? whole : whole.subarray(start, end + 1);
}
