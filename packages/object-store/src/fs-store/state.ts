/**
 * The fs driver's in-memory state: one index per bucket (every manifest
 * header, keys in UTF-8 byte order, so HEAD and LIST never touch the disk),
 * the uploads in progress, and what every operation shares.
 */
import { join } from 'node:path';
import type { BodyCache } from '../body-cache.js';
import type { KeyedMutex } from '../keyed-mutex.js';
import { UPLOAD_ID, type MetaDoc, type PartDoc } from '../fs-layout.js';
import type { PartEntry } from '../multipart.js';
import { noSuchBucket, noSuchUpload } from '../store-errors.js';
import type { BucketConfigKind, BucketInfo, MultipartUploadInfo, ObjectInfo, PartInfo, VersioningStatus } from '../types.js';
import type { VersionClock } from './versions.js';
import { freezeMetadata } from '../validate.js';
import type { FilePins } from './file-pins.js';

/** What every part of the driver shares: the directories, the limits in force and the state. */
export interface FsContext {
  readonly root: string;
  readonly bucketsDir: string;
  readonly minPartSize: number;
  readonly maxCachedObjectBytes: number;
  readonly maxSinglePutBytes: number;
  readonly inlineObjectBytes: number;
  readonly maxPartBytes: number;
  readonly maxObjectBytes: number;
  readonly buckets: Map<string, BucketState>;
  readonly locks: KeyedMutex;
  readonly cache: BodyCache;
  readonly pins: FilePins;
  readonly clock: VersionClock;
}

/** One version or delete marker of a key in a versioned bucket (fs-store/versions.ts). */
export interface VersionEntry {
  versionId: string;
  seq: number;
  lastModified: Date;
  /** Its manifest's file name in the key's directory. */
  file: string;
  deleteMarker: boolean;
  /** A delete marker's owner. */
  owner?: string;
  /** The object, unless a delete marker. */
  entry?: ObjectEntry;
}

export interface ObjectEntry {
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

export interface UploadEntry {
  info: MultipartUploadInfo;
  dir: string;
  parts: Map<number, PartEntry>;
}

export interface BucketState {
  info: BucketInfo;
  dir: string;
  /** Object keys in UTF-8 binary order. */
  keys: string[];
  objects: Map<string, ObjectEntry>;
  uploads: Map<string, UploadEntry>;
  configs: Map<BucketConfigKind, string>;
  /** Absent: never versioned. */
  versioning?: VersioningStatus;
  /** Keys with `.ver` manifests: every version, newest first. */
  versions: Map<string, VersionEntry[]>;
  /** Once versioned: every key ListObjectVersions shows (with versions, or a pre-versioning object), sorted. */
  versionKeys: string[];
  /** Object directories known to exist. */
  readyDirs: Set<string>;
  /** PUTs / uploads in flight, so DeleteBucket does not pull the directory from under them. */
  writers: number;
  deleted: boolean;
}

/** The state of a bucket with nothing in it yet. */
export function emptyBucket(info: BucketInfo, dir: string): BucketState {
  return {
    info,
    dir,
    keys: [],
    objects: new Map(),
    uploads: new Map(),
    configs: new Map(),
    versions: new Map(),
    versionKeys: [],
    readyDirs: new Set(),
    writers: 0,
    deleted: false,
  };
}

/** The live bucket `name`, else NoSuchBucket. */
export function bucketOf(ctx: FsContext, name: string): BucketState {
  const b = ctx.buckets.get(name);
  if (b === undefined || b.deleted) throw noSuchBucket(name);
  return b;
}

/** The upload `uploadId` of `key`, else NoSuchUpload. */
export function uploadOf(b: BucketState, key: string, uploadId: string): UploadEntry {
  const u = UPLOAD_ID.test(uploadId) ? b.uploads.get(uploadId) : undefined;
  if (u === undefined || u.info.key !== key) throw noSuchUpload(uploadId);
  return u;
}

/** Runs a write against `b`, so DeleteBucket sees it in flight. */
export async function writing<T>(b: BucketState, fn: () => Promise<T>): Promise<T> {
  b.writers++;
  try {
    return await fn();
  } finally {
    b.writers--;
  }
}

/** The index entry of the manifest `metaName` in `dir`. */
export function entryFromDoc(doc: MetaDoc, dir: string, metaName: string, versionId?: string): ObjectEntry {
  const info: ObjectInfo = Object.freeze({
    key: doc.key,
    ...(versionId !== undefined ? { versionId } : {}),
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

export function partFromDoc(p: PartDoc): PartEntry {
  const info: PartInfo = {
    partNumber: p.partNumber,
    size: p.size,
    etag: p.etag,
    lastModified: new Date(p.lastModified),
  };
  if (p.checksum !== undefined) info.checksum = p.checksum;
  return { info: Object.freeze(info), file: p.file, md5: Buffer.from(p.md5, 'hex') };
}
