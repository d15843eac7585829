/**
 * The durable filesystem driver. On-disk layout (names never derive from keys,
 * so no key can reach a path outside `dataDir`):
 *
 *   dataDir/format.json  LOCK
 *   dataDir/system/<name>                           system documents
 *   dataDir/buckets/<bucket dir>/bucket.json        name, creation date, region, ACL
 *                               /config-website     opaque documents (bucket configs)
 *                               /config-policy
 *                               /config-encryption
 *                               /o/<hh>/<sha256(key)>.meta   one manifest per object: a JSON header
 *                                                            line, then the bytes of a small object
 *                               /o/<hh>/<uuid>.data          data file(s) of a larger object
 *                               /o/<hh>/<sha256(key)>.<versionId>.ver  a version or delete marker
 *                                                            of a versioned bucket (versions.ts)
 *                               /versioning                  Enabled | Suspended (absent: never)
 *                               /u/<uploadId>/upload.json    multipart upload
 *                               /u/<uploadId>/<n>.part       part manifest (JSON)
 *                               /u/<uploadId>/<uuid>.data    part data
 *
 * This class only wires the ObjectStore interface to the modules doing each job
 * (recovery, buckets, write-object, append-object, read-object, copy-object, multipart).
 */
import { join } from 'node:path';
import { BodyCache } from '../body-cache.js';
import { INLINE_OBJECT_BYTES } from '../fs-layout.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { S3_LIMITS, type ByteRange, type EventOutbox, type ObjectStore, type ReadOptions, type StoreMethod, type SystemDocuments } from '../types.js';
import { appendObject } from './append-object.js';
import * as buckets from './buckets.js';
import { copyObject } from './copy-object.js';
import { FilePins } from './file-pins.js';
import * as multipart from './multipart.js';
import { getObject, headObject, listObjects } from './read-object.js';
import { openDataDir, releaseLock } from './recovery.js';
import type { FsContext } from './state.js';
import { FsOutbox } from './outbox.js';
import { createSystemDocument, getSystemDocument } from './system-documents.js';
import * as versions from './versions.js';
import { VersionClock } from './versions.js';
import { deleteObject, putObject } from './write-object.js';

export { INLINE_OBJECT_BYTES };

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

export async function createFsStore(opts: FsStoreOptions): Promise<ObjectStore & SystemDocuments & EventOutbox> {
  const store = new FsStore(opts);
  try {
    await store.open();
  } catch (err) {
    await store.close().catch(() => {}); // releases the LOCK taken by open
    throw err;
  }
  return store;
}

function contextFor(opts: FsStoreOptions): FsContext {
  const maxCachedObjectBytes = opts.maxCachedObjectBytes ?? 256 * 1024;
  const cache = new BodyCache(opts.bodyCacheBytes ?? 64 * 1024 * 1024, maxCachedObjectBytes);
  return {
    root: opts.dataDir,
    bucketsDir: join(opts.dataDir, 'buckets'),
    minPartSize: opts.minPartSize ?? S3_LIMITS.minPartBytes,
    maxCachedObjectBytes,
    maxSinglePutBytes: opts.limits?.maxSinglePutBytes ?? S3_LIMITS.maxSinglePutBytes,
    inlineObjectBytes: opts.inlineObjectBytes ?? INLINE_OBJECT_BYTES,
    maxPartBytes: opts.limits?.maxPartBytes ?? S3_LIMITS.maxPartBytes,
    maxObjectBytes: opts.limits?.maxObjectBytes ?? S3_LIMITS.maxObjectBytes,
    buckets: new Map(),
    locks: new KeyedMutex(),
    cache,
    pins: new FilePins(cache),
    clock: new VersionClock(),
  };
}

/** The parameters of ObjectStore method `M`, as types.ts declares them. */
type Args<M extends StoreMethod> = Parameters<ObjectStore[M]>;

class FsStore implements ObjectStore, SystemDocuments, EventOutbox {
  private readonly ctx: FsContext;
  private readonly outbox: FsOutbox;

  constructor(opts: FsStoreOptions) {
    this.ctx = contextFor(opts);
    this.outbox = new FsOutbox(opts.dataDir);
  }

  async open(): Promise<void> {
    await openDataDir(this.ctx);
    // Under the directory's lock: no append is in flight, so every temp name is a dead append's.
    await this.outbox.removeTempFiles();
  }

  async close(): Promise<void> {
    this.ctx.cache.clear();
    await this.outbox.close();
    await releaseLock(this.ctx.root);
  }

  getSystemDocument(name: string) {
    return getSystemDocument(this.ctx, name);
  }
  createSystemDocument(name: string, doc: string) {
    return createSystemDocument(this.ctx, name, doc);
  }

  appendOutbox(...a: Parameters<EventOutbox['appendOutbox']>) {
    return this.outbox.appendOutbox(...a);
  }
  readOutbox(...a: Parameters<EventOutbox['readOutbox']>) {
    return this.outbox.readOutbox(...a);
  }
  removeOutbox(...a: Parameters<EventOutbox['removeOutbox']>) {
    return this.outbox.removeOutbox(...a);
  }
  listOutboxPartitions() {
    return this.outbox.listOutboxPartitions();
  }

  listBuckets() {
    return buckets.listBuckets(this.ctx);
  }
  createBucket(...a: Args<'createBucket'>) {
    return buckets.createBucket(this.ctx, ...a);
  }
  deleteBucket(...a: Args<'deleteBucket'>) {
    return buckets.deleteBucket(this.ctx, ...a);
  }
  headBucket(...a: Args<'headBucket'>) {
    return buckets.headBucket(this.ctx, ...a);
  }
  setBucketAcl(...a: Args<'setBucketAcl'>) {
    return buckets.setBucketAcl(this.ctx, ...a);
  }
  getBucketConfig(...a: Args<'getBucketConfig'>) {
    return buckets.getBucketConfig(this.ctx, ...a);
  }
  getBucketConfigs(...a: Args<'getBucketConfigs'>) {
    return buckets.getBucketConfigs(this.ctx, ...a);
  }
  putBucketConfig(...a: Args<'putBucketConfig'>) {
    return buckets.putBucketConfig(this.ctx, ...a);
  }

  putObject(...a: Args<'putObject'>) {
    return putObject(this.ctx, ...a);
  }
  // SSE read options are the encryption decorator's (encryption/); the driver stores bytes.
  headObject(bucket: string, key: string, opts?: ReadOptions) {
    return headObject(this.ctx, bucket, key, opts?.versionId);
  }
  getObject(bucket: string, key: string, range?: ByteRange, opts?: ReadOptions) {
    return getObject(this.ctx, bucket, key, range, opts?.versionId);
  }
  deleteObject(...a: Args<'deleteObject'>) {
    return deleteObject(this.ctx, ...a);
  }
  copyObject(...[src, dst, metadata]: Args<'copyObject'>) {
    return copyObject(this.ctx, src, dst, metadata);
  }
  listObjects(...a: Args<'listObjects'>) {
    return listObjects(this.ctx, ...a);
  }
  getBucketVersioning(...a: Args<'getBucketVersioning'>) {
    return versions.getBucketVersioning(this.ctx, ...a);
  }
  putBucketVersioning(...a: Args<'putBucketVersioning'>) {
    return versions.putBucketVersioning(this.ctx, ...a);
  }
  listObjectVersions(...a: Args<'listObjectVersions'>) {
    return versions.listObjectVersions(this.ctx, ...a);
  }
  updateVersionMetadata(...a: Args<'updateVersionMetadata'>) {
    return versions.updateVersionMetadata(this.ctx, ...a);
  }
  appendObject(...a: Args<'appendObject'>) {
    return appendObject(this.ctx, ...a);
  }

  createMultipartUpload(...[bucket, key, metadata]: Args<'createMultipartUpload'>) {
    return multipart.createMultipartUpload(this.ctx, bucket, key, metadata);
  }
  uploadPart(...a: Args<'uploadPart'>) {
    return multipart.uploadPart(this.ctx, ...a);
  }
  uploadPartCopy(...[bucket, key, uploadId, partNumber, src]: Args<'uploadPartCopy'>) {
    return multipart.uploadPartCopy(this.ctx, bucket, key, uploadId, partNumber, src);
  }
  completeMultipartUpload(...a: Args<'completeMultipartUpload'>) {
    return multipart.completeMultipartUpload(this.ctx, ...a);
  }
  abortMultipartUpload(...a: Args<'abortMultipartUpload'>) {
    return multipart.abortMultipartUpload(this.ctx, ...a);
  }
  listParts(...a: Args<'listParts'>) {
    return multipart.listParts(this.ctx, ...a);
  }
  listMultipartUploads(...a: Args<'listMultipartUploads'>) {
    return multipart.listMultipartUploads(this.ctx, ...a);
  }
}
