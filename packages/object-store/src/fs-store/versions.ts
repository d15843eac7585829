/**
 * Object versioning on the fs driver (docs/versioning.md).
 *
 * On disk, next to the plain manifests (`o/<hh>/<sha256(key)>.meta`):
 *
 *   o/<hh>/<sha256(key)>.<versionId>.ver   one manifest per version or delete marker
 *
 * A key either has a `.meta` (it was written while the bucket was never versioned: its one
 * version is the `null` version) or `.ver` files (every version since), never both once a write
 * finished: the first versioned write to a key moves its `.meta` to `<hash>.null.ver` (link, unlink). The
 * current version is the newest `.ver` (by `seq`) unless that is a delete marker. Every change is
 * one durable rename, link or unlink, so a crash leaves the key before or after it; recovery
 * (`settleLegacyMeta`) settles the one in-between state a versioned write can leave (a `.meta` beside
 * `.ver` files).
 *
 * Versions of one key may share data files (appends): a version's files are unlinked only when no
 * remaining version of the key lists them.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { asStoreError, errnoCode, fsyncDir, writeFileDurable } from '../durable-fs.js';
import { FORMAT_VERSION, META_SUFFIX, keyHash, nowToSecond, type MetaDoc } from '../fs-layout.js';
import { compareKeys, endOfPrefix, insertSorted, lowerBound, removeSorted } from '../key-order.js';
import { decodeManifest, encodeManifest } from '../manifest.js';
import {
  S3_LIMITS,
  StoreError,
  type DeleteObjectOptions,
  type DeleteObjectResult,
  type ListObjectVersionsOptions,
  type ListObjectVersionsResult,
  type ObjectStore,
  type ObjectInfo,
  type ObjectVersionInfo,
  type VersionMetadataPatch,
  type VersioningStatus,
} from '../types.js';
import { removeFiles } from './data-files.js';
import { objectDir, objectLockKey } from './write-object.js';
import { applyMetadataPatch, changesMetadata } from '../metadata-patch.js';
import { noSuchBucket, noSuchKey } from '../store-errors.js';
import { checkGivenVersionId, freezeMetadata, GIVEN_VERSION_ID } from '../validate.js';
import { bucketOf, entryFromDoc, writing, type BucketState, type FsContext, type ObjectEntry, type VersionEntry } from './state.js';

export const VERSION_SUFFIX = '.ver';
export const NULL_VERSION = 'null';
/** The bucket directory's file holding its versioning status. */
export const VERSIONING_FILE = 'versioning';
// A version id this store keeps: its own (32 base64url characters, below) or, on a replica, its
// source's, which another store made (radosgw's: 31 of `[A-Za-z0-9.-]`), all of GIVEN_VERSION_ID.
/** Bounds of the `seq` (µs since the epoch) inside an id this store made: after 2017, before tomorrow. */
const OWN_SEQ_MIN = Date.UTC(2017, 0, 1) * 1000;
const OWN_SEQ_AHEAD_US = 24 * 3600 * 1_000_000;

/** `<hash>.<versionId>.ver` */
export function versionFileName(hash: string, versionId: string): string {
  return `${hash}.${versionId}${VERSION_SUFFIX}`;
}

/** The key hash and version id of a `.ver` file name, else undefined. */
export function parseVersionFileName(name: string): { hash: string; versionId: string } | undefined {
  if (!name.endsWith(VERSION_SUFFIX)) return undefined;
  const dot = name.indexOf('.');
  const versionId = name.slice(dot + 1, -VERSION_SUFFIX.length);
  return dot === 64 && GIVEN_VERSION_ID.test(versionId) ? { hash: name.slice(0, 64), versionId } : undefined;
}

/**
 * 32 URL- and file-safe characters, like S3's opaque ids: the version's `seq` (8 bytes, big-endian)
 * then 16 random bytes. A replica keeps its source's id, so its place among the key's versions is
 * its source's order, whichever arrives first.
 */
function newVersionId(seq: number): string {
  const raw = randomBytes(24);
  raw.writeBigUInt64BE(BigInt(seq), 0);
  return raw.toString('base64url');
}

/**
 * The `seq` inside a version id made by {@link newVersionId}; undefined for `null` and foreign ids
 * (a replica of another store's version: it then takes its place by arrival). A foreign id of 32
 * base64url characters decodes to some number, taken for ours only when it reads as a time
 * between 2017 and tomorrow (for random ids, about one in 100,000: that replica is then ordered
 * by that time).
 */
export function seqOfVersionId(versionId: string): number | undefined {
  if (!/^[A-Za-z0-9_-]{32}$/.test(versionId)) return undefined;
  const seq = Number(Buffer.from(versionId, 'base64url').readBigUInt64BE(0));
  return Number.isSafeInteger(seq) && seq >= OWN_SEQ_MIN && seq <= Date.now() * 1000 + OWN_SEQ_AHEAD_US ? seq : undefined;
}

/** Orders versions of a key: a microsecond clock that never repeats nor goes back within a process. */
export class VersionClock {
  private last = 0;
  observe(seq: number): void {
    if (seq > this.last) this.last = seq;
  }
  next(): number {
    this.last = Math.max(Date.now() * 1000, this.last + 1);
    return this.last;
  }
}

export function versionEntryFromDoc(doc: MetaDoc, dir: string, file: string, versionId: string): VersionEntry {
  const v: VersionEntry = { versionId, seq: doc.seq ?? 0, lastModified: new Date(doc.lastModified), file, deleteMarker: doc.deleteMarker === true };
  if (doc.deleteMarker === true) {
    if (doc.metadata.owner !== undefined) v.owner = doc.metadata.owner;
  } else {
    v.entry = entryFromDoc(doc, dir, file, versionId);
  }
  return v;
}

export async function getBucketVersioning(ctx: FsContext, bucket: string): Promise<VersioningStatus | null> {
  return bucketOf(ctx, bucket).versioning ?? null;
}

export async function putBucketVersioning(ctx: FsContext, bucket: string, status: VersioningStatus): Promise<void> {
  await ctx.locks.run(`bucket\0${bucket}`, async () => {
    const b = bucketOf(ctx, bucket);
    if (b.versioning === status) return;
    await writeFileDurable(b.dir, VERSIONING_FILE, status);
    // From now on ListObjectVersions walks versionKeys: the keys written before are their null versions.
    if (b.versioning === undefined) b.versionKeys = [...b.keys];
    b.versioning = status;
  });
}

/** Every version of `key`, newest first: its `.ver` entries, or its pre-versioning object as the null version. */
export function versionsOf(b: BucketState, key: string): readonly VersionEntry[] {
  const list = b.versions.get(key);
  if (list !== undefined) return list;
  const current = b.objects.get(key);
  if (current === undefined) return [];
  return [{ versionId: NULL_VERSION, seq: 0, lastModified: current.info.lastModified, file: `${keyHash(key)}${META_SUFFIX}`, deleteMarker: false, entry: current }];
}

/**
 * The object version `versionId` of `key`: NoSuchVersion when there is none (a malformed id
 * included), MethodNotAllowed when it is a delete marker.
 */
export function versionOf(b: BucketState, key: string, versionId: string): ObjectEntry {
  const v = versionsOf(b, key).find((x) => x.versionId === versionId);
  if (v === undefined) throw new StoreError('NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });
  if (v.entry === undefined) {
    throw new StoreError('MethodNotAllowed', 'The specified method is not allowed against this resource.', { DeleteMarker: 'true', VersionId: versionId });
  }
  return v.entry;
}

/** The current object of `key` (or the version asked for) in `b`; null when there is no current one. */
export function lookupObject(b: BucketState, key: string, versionId: string | undefined): ObjectEntry | null {
  if (versionId !== undefined) return versionOf(b, key, versionId);
  return b.objects.get(key) ?? null;
}

/** The version id the index reports for a current object (legacy objects of a versioned bucket are `null`). */
export function reportedVersionId(b: BucketState, entry: ObjectEntry): string | undefined {
  return entry.info.versionId ?? (b.versioning !== undefined ? NULL_VERSION : undefined);
}

/**
 * The commit of a write (PUT, copy, multipart, append) in a versioned bucket, under the key's lock:
 * the manifest becomes a new `.ver` (Enabled: a new id; Suspended: `null`, replacing the null version).
 */
export async function commitVersion(ctx: FsContext, b: BucketState, key: string, dir: string, hash: string, doc: MetaDoc, inlineBody?: Buffer): Promise<ObjectEntry> {
  if (doc.versionId !== undefined) {
    // A replica (PutObjectOptions.versionId): stored once; a second delivery changes nothing.
    const existing = b.versions.get(key)?.find((v) => v.versionId === doc.versionId);
    if (existing !== undefined) {
      await removeFiles(
        dir,
        doc.segments.map(([file]) => file),
      );
      if (existing.entry === undefined) throw new StoreError('InvalidRequest', `Version ${doc.versionId} of this key is a delete marker`);
      return existing.entry;
    }
    checkGivenVersionId(doc.versionId);
  }
  const seq = (doc.versionId !== undefined ? seqOfVersionId(doc.versionId) : undefined) ?? ctx.clock.next();
  ctx.clock.observe(seq);
  const versionId = doc.versionId ?? (b.versioning === 'Enabled' ? newVersionId(seq) : NULL_VERSION);
  doc.versionId = versionId;
  doc.seq = seq;
  doc.lastModified = nowToSecond().getTime();
  if (inlineBody !== undefined) doc.inline = randomBytes(16).toString('hex');
  const file = versionFileName(hash, versionId);
  await adoptLegacy(b, key, dir, hash, versionId);
  const legacyMeta = replacesLegacy(b, key);
  await writeFileDurable(dir, file, encodeManifest(doc, inlineBody));
  const added = versionEntryFromDoc(doc, dir, file, versionId);
  if (inlineBody !== undefined && added.entry?.inline !== undefined) ctx.cache.set(added.entry.inline.cacheKey, inlineBody);
  addVersion(ctx, b, key, added);
  if (legacyMeta) await unlinkDurable(dir, `${hash}${META_SUFFIX}`);
  return added.entry!;
}

/** DeleteObject in a bucket with a versioning status, or with a versionId; under the key's lock. */
export async function deleteVersioned(ctx: FsContext, b: BucketState, key: string, opts: DeleteObjectOptions): Promise<DeleteObjectResult> {
  const hash = keyHash(key);
  if (opts.versionId !== undefined) return deleteVersion(ctx, b, key, hash, opts.versionId);
  if (b.versioning === undefined) throw new StoreError('InvalidRequest', 'A delete marker can only be made in a versioned bucket');
  const given = opts.markerVersionId;
  if (given !== undefined) {
    // A replicated delete marker keeps its source's id; a second delivery changes nothing.
    const existing = b.versions.get(key)?.find((v) => v.versionId === given);
    if (existing !== undefined) {
      if (!existing.deleteMarker) throw new StoreError('InvalidRequest', `Version ${given} of this key is not a delete marker`);
      return { versionId: given, deleteMarker: true };
    }
    checkGivenVersionId(given);
  }
  const seq = (given !== undefined ? seqOfVersionId(given) : undefined) ?? ctx.clock.next();
  ctx.clock.observe(seq);
  const versionId = given ?? (b.versioning === 'Enabled' ? newVersionId(seq) : NULL_VERSION);
  const now = nowToSecond();
  const doc: MetaDoc = { v: FORMAT_VERSION, key, size: 0, etag: '', lastModified: now.getTime(), metadata: { userMetadata: {} }, segments: [], versionId, seq, deleteMarker: true };
  if (opts.owner !== undefined) doc.metadata.owner = opts.owner;
  const dir = await objectDirOf(b, hash);
  await adoptLegacy(b, key, dir, hash, versionId);
  const legacyMeta = replacesLegacy(b, key);
  const file = versionFileName(hash, versionId);
  await writeFileDurable(dir, file, encodeManifest(doc));
  addVersion(ctx, b, key, versionEntryFromDoc(doc, dir, file, versionId));
  if (legacyMeta) await unlinkDurable(dir, `${hash}${META_SUFFIX}`);
  return { versionId, deleteMarker: true };
}

/** Removes one version for good; the one before becomes current (or none, under a delete marker). */
async function deleteVersion(ctx: FsContext, b: BucketState, key: string, hash: string, versionId: string): Promise<DeleteObjectResult> {
  const list = b.versions.get(key);
  if (list === undefined) {
    // The key's only version is its pre-versioning object (the null version), if any.
    const current = b.objects.get(key);
    if (versionId !== NULL_VERSION || current === undefined) return {};
    await unlinkDurable(current.dir, `${hash}${META_SUFFIX}`);
    forgetCurrent(ctx, b, key, current);
    if (b.versioning !== undefined) removeSorted(b.versionKeys, key);
    return b.versioning !== undefined ? { versionId } : {};
  }
  const at = list.findIndex((v) => v.versionId === versionId);
  if (at < 0) return { versionId };
  const gone = list[at]!;
  const dir = gone.entry?.dir ?? (await objectDirOf(b, hash));
  await unlinkDurable(dir, gone.file);
  list.splice(at, 1);
  releaseUnshared(ctx, gone, list);
  if (list.length === 0) {
    b.versions.delete(key);
    removeSorted(b.versionKeys, key);
  }
  setCurrent(b, key, list[0]);
  const result: DeleteObjectResult = { versionId };
  if (gone.deleteMarker) result.deleteMarker = true;
  return result;
}

/**
 * Before the first versioned write to a key that still has its pre-versioning `.meta`: that object
 * becomes the `null` version's `.ver`, unless this write replaces the null version. A second name
 * (hard link) first, then the index, then the `.meta` goes: a reader that looked the object up
 * before still finds its manifest. A crash in between leaves a `.meta` beside a null `.ver`, which
 * recovery removes.
 */
async function adoptLegacy(b: BucketState, key: string, dir: string, hash: string, newVersionId: string): Promise<void> {
  if (b.versions.has(key)) return;
  const legacy = b.objects.get(key);
  if (legacy === undefined || newVersionId === NULL_VERSION) return;
  const file = versionFileName(hash, NULL_VERSION);
  await fsp.link(join(dir, `${hash}${META_SUFFIX}`), join(dir, file)).catch((err: unknown) => {
    throw asStoreError(err);
  });
  const v: VersionEntry = { versionId: NULL_VERSION, seq: 0, lastModified: legacy.info.lastModified, file, deleteMarker: false, entry: retarget(legacy, join(dir, file)) };
  b.versions.set(key, [v]);
  b.objects.set(key, v.entry!); // its inline bytes now live in the .ver, should the write below fail
  await unlinkDurable(dir, `${hash}${META_SUFFIX}`);
}

/**
 * Whether this (Suspended) write replaces a pre-versioning object, the null version: its `.meta`
 * goes once the index holds the new `.ver`, so a reader that looked it up before still finds it.
 * A crash in between leaves a `.meta` beside a null `.ver`, which recovery removes.
 */
function replacesLegacy(b: BucketState, key: string): boolean {
  return !b.versions.has(key) && b.objects.has(key);
}

/** The same version, its inline bytes now read from `path`. */
function retarget(entry: ObjectEntry, path: string): ObjectEntry {
  if (entry.inline === undefined) return entry;
  return { ...entry, inline: { path, cacheKey: `${path}#${entry.inline.cacheKey.slice(entry.inline.cacheKey.lastIndexOf('#') + 1)}` } };
}

/** Puts a new newest version in the index (a null one replaces the previous null version). */
function addVersion(ctx: FsContext, b: BucketState, key: string, added: VersionEntry): void {
  let list = b.versions.get(key);
  if (list === undefined) {
    // The pre-versioning object, when this write replaced it (Suspended).
    const legacy = b.objects.get(key);
    list = [];
    b.versions.set(key, list);
    if (legacy !== undefined) releaseUnshared(ctx, { versionId: NULL_VERSION, seq: 0, lastModified: legacy.info.lastModified, file: '', deleteMarker: false, entry: legacy }, [added]);
  }
  if (added.versionId === NULL_VERSION) {
    const at = list.findIndex((v) => v.versionId === NULL_VERSION);
    if (at >= 0) {
      const [old] = list.splice(at, 1);
      releaseUnshared(ctx, old!, [added, ...list]);
    }
  }
  // Newest first by seq (a replica may arrive after a newer version of its key).
  let at = 0;
  while (at < list.length && list[at]!.seq > added.seq) at++;
  list.splice(at, 0, added);
  insertSorted(b.versionKeys, key);
  setCurrent(b, key, list[0]);
}

/**
 * ObjectStore.updateVersionMetadata on the fs driver, under the key's lock: the version's manifest
 * (its `.ver`, or the `.meta` of a pre-versioning object) is rewritten with the patched metadata,
 * one atomic rename; its id, seq, Last-Modified and data files stay. Readers that looked the
 * version up before read the manifest they found (the old inode) or the new one, both whole.
 */
export async function updateVersionMetadata(ctx: FsContext, bucket: string, key: string, versionId: string | undefined, patch: VersionMetadataPatch): Promise<ObjectInfo> {
  const b = bucketOf(ctx, bucket);
  return writing(b, () =>
    ctx.locks.run(objectLockKey(b, key), async () => {
      if (b.deleted) throw noSuchBucket(bucket);
      const list = versionsOf(b, key);
      const at = versionId === undefined ? 0 : list.findIndex((v) => v.versionId === versionId);
      const v = list[at];
      if (versionId === undefined) {
        if (v?.entry === undefined) throw noSuchKey(key);
      } else {
        versionOf(b, key, versionId); // NoSuchVersion, or MethodNotAllowed for a delete marker
      }
      const entry = v!.entry!;
      const legacy = !b.versions.has(key);
      if (!changesMetadata(entry.info.metadata, patch)) return reported(b, entry);
      const dir = entry.dir;
      const { doc, body } = decodeManifest<MetaDoc>(await fsp.readFile(join(dir, v!.file)));
      doc.metadata = freezeMetadata(applyMetadataPatch(doc.metadata, patch));
      await writeFileDurable(dir, v!.file, encodeManifest(doc, body));
      if (legacy) {
        const updated = entryFromDoc(doc, dir, v!.file);
        if (body !== undefined && updated.inline !== undefined) ctx.cache.set(updated.inline.cacheKey, body);
        b.objects.set(key, updated);
        return reported(b, updated);
      }
      const updated = versionEntryFromDoc(doc, dir, v!.file, v!.versionId);
      if (body !== undefined && updated.entry?.inline !== undefined) ctx.cache.set(updated.entry.inline.cacheKey, body);
      const versions = b.versions.get(key)!;
      versions[at] = updated;
      if (at === 0) setCurrent(b, key, updated);
      return updated.entry!.info;
    }),
  );
}

/** The info of a current or pre-versioning entry with the version id the bucket reports. */
function reported(b: BucketState, entry: ObjectEntry): ObjectInfo {
  const versionId = reportedVersionId(b, entry);
  return versionId === entry.info.versionId ? entry.info : Object.freeze({ ...entry.info, versionId: versionId! });
}

/** The index's current object of `key` becomes `latest` (none when it is a delete marker or absent). */
function setCurrent(b: BucketState, key: string, latest: VersionEntry | undefined): void {
  if (latest?.entry !== undefined) {
    if (!b.objects.has(key)) insertSorted(b.keys, key);
    b.objects.set(key, latest.entry);
  } else if (b.objects.delete(key)) {
    removeSorted(b.keys, key);
  }
}

function forgetCurrent(ctx: FsContext, b: BucketState, key: string, entry: ObjectEntry): void {
  b.objects.delete(key);
  removeSorted(b.keys, key);
  ctx.pins.release(entry);
}

/** Unlinks the files of `gone` that none of `remaining` lists. */
function releaseUnshared(ctx: FsContext, gone: VersionEntry, remaining: readonly VersionEntry[]): void {
  if (gone.entry === undefined) return;
  const kept = new Set<string>();
  for (const v of remaining) for (const p of v.entry?.paths ?? []) kept.add(p);
  ctx.pins.release(gone.entry, kept);
}

async function unlinkDurable(dir: string, name: string): Promise<void> {
  try {
    await fsp.rm(join(dir, name));
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw asStoreError(err);
  }
  await fsyncDir(dir);
}

function objectDirOf(b: BucketState, hash: string): Promise<string> {
  return objectDir(b, hash);
}

/**
 * ListObjectVersions over the index: keys in UTF-8 binary order, each key's versions newest first;
 * versions, delete markers and common prefixes each count one against maxKeys.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
 */
export async function listObjectVersions(ctx: FsContext, bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult> {
  const b = bucketOf(ctx, bucket);
  const keys = b.versioning !== undefined ? b.versionKeys : b.keys;
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter ?? '';
  const max = Math.max(0, Math.min(opts.maxKeys, S3_LIMITS.maxListKeys));
  const out: ListObjectVersionsResult = { versions: [], commonPrefixes: [], isTruncated: false };
  let i = lowerBound(keys, prefix);
  let skipThrough: string | undefined; // the version-id-marker within key-marker's key
  const marker = opts.keyMarker ?? '';
  if (marker !== '' && compareKeys(marker, prefix) >= 0) {
    const exclusive = opts.versionIdMarker === undefined;
    i = Math.max(i, lowerBound(keys, marker, exclusive));
    if (!exclusive) skipThrough = opts.versionIdMarker;
  }
  let count = 0;
  const full = (): boolean => {
    if (count < max) return false;
    out.isTruncated = true;
    return true;
  };
  while (i < keys.length) {
    const key = keys[i]!;
    if (!key.startsWith(prefix)) break;
    let common: string | undefined;
    if (delimiter !== '') {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) common = key.slice(0, at + delimiter.length);
    }
    if (common !== undefined) {
      if (marker !== '' && common === marker) {
        i = endOfPrefix(keys, common, i); // returned on the previous page
        continue;
      }
      if (full()) break;
      out.commonPrefixes.push(common);
      out.nextKeyMarker = common;
      delete out.nextVersionIdMarker;
      count++;
      i = endOfPrefix(keys, common, i);
      continue;
    }
    let versions = versionsOf(b, key);
    if (key === marker && skipThrough !== undefined) {
      const at = versions.findIndex((v) => v.versionId === skipThrough);
      // A marker removed since (a client deleting each page it lists) still has its place: the
      // `seq` its id carries. Else (`null`, a foreign id) the key's remaining versions are skipped.
      const seq = at < 0 ? seqOfVersionId(skipThrough) : undefined;
      versions = at >= 0 ? versions.slice(at + 1) : seq !== undefined ? versions.filter((v) => v.seq < seq) : [];
    }
    const latest = versionsOf(b, key)[0];
    for (const v of versions) {
      if (full()) break;
      out.versions.push(versionInfo(b, key, v, v === latest));
      out.nextKeyMarker = key;
      out.nextVersionIdMarker = v.versionId;
      count++;
    }
    if (out.isTruncated) break;
    i++;
  }
  if (!out.isTruncated) {
    delete out.nextKeyMarker;
    delete out.nextVersionIdMarker;
  }
  return out;
}

function versionInfo(b: BucketState, key: string, v: VersionEntry, isLatest: boolean): ObjectVersionInfo {
  const info: ObjectVersionInfo = { key, versionId: v.versionId, isLatest, lastModified: v.entry?.info.lastModified ?? v.lastModified };
  if (v.entry !== undefined) {
    const reported = reportedVersionId(b, v.entry);
    info.object = reported === v.entry.info.versionId ? v.entry.info : Object.freeze({ ...v.entry.info, versionId: v.versionId });
  } else {
    info.deleteMarker = true;
    if (v.owner !== undefined) info.owner = v.owner;
  }
  return info;
}

/** The store methods, in ObjectStore's shape. */
export type VersionMethods = Pick<ObjectStore, 'getBucketVersioning' | 'putBucketVersioning' | 'listObjectVersions'>;
