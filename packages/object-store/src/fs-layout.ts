/**
 * The fs driver's on-disk names and documents, and small helpers for them.
 * See fs-store/store.ts for the layout.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { DEL_DIR_PREFIX, TMP_DIR_PREFIX, TMP_SUFFIX, errnoCode } from './durable-fs.js';
import { BUCKET_CONFIG_KINDS, type BucketConfigKind, type CannedAcl, type ObjectMetadata, type StoredChecksum } from './types.js';

export const FORMAT_VERSION = 1;
/** Default `inlineObjectBytes`. */
export const INLINE_OBJECT_BYTES = 64 * 1024;
export const META_SUFFIX = '.meta';
export const DATA_SUFFIX = '.data';
export const PART_SUFFIX = '.part';
export const UPLOAD_FILE = 'upload.json';
export const BUCKET_FILE = 'bucket.json';
export const CONFIG_KINDS: readonly BucketConfigKind[] = BUCKET_CONFIG_KINDS;
export const UPLOAD_ID = /^[0-9a-f]{32}$/;
/** Parallel file reads while loading at open. */
export const OPEN_CONCURRENCY = 32;

/** On-disk object manifest. */
export interface MetaDoc {
  v: number;
  key: string;
  size: number;
  etag: string;
  lastModified: number;
  metadata: ObjectMetadata;
  segments: [file: string, size: number][];
  uploadId?: string;
  /** Version id of an inline manifest: its bytes follow the header line. */
  inline?: string;
  /** Versioned buckets (fs-store/versions.ts): the S3 version id (also in the `.ver` file name). */
  versionId?: string;
  /** Versioned buckets: orders the versions of a key (microseconds; absent: older than all). */
  seq?: number;
  /** A delete marker (no bytes, no segments). */
  deleteMarker?: boolean;
}

export interface PartDoc {
  v: number;
  partNumber: number;
  size: number;
  etag: string;
  md5: string;
  lastModified: number;
  file: string;
  checksum?: StoredChecksum;
}

export interface UploadDoc {
  v: number;
  uploadId: string;
  key: string;
  initiated: number;
  metadata: ObjectMetadata;
}

export interface BucketDoc {
  v: number;
  name: string;
  creationDate: number;
  region: string;
  acl: CannedAcl;
}

/** S3 timestamps have whole-second precision (ListObjects shows `.000Z`). */
export function nowToSecond(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

export function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Bucket names are DNS-safe in practice; anything else gets a hashed directory name. */
export function bucketDirName(name: string): string {
  return /^[a-z0-9][a-z0-9.-]{0,62}$/.test(name) && !name.includes('..') ? name : `x-${createHash('sha256').update(name, 'utf8').digest('hex')}`;
}

export async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

export function isTemp(name: string): boolean {
  return name.endsWith(TMP_SUFFIX) || name.startsWith(TMP_DIR_PREFIX) || name.startsWith(DEL_DIR_PREFIX);
}
