/**
 * Opening a data directory is recovery: it takes the directory's lock, deletes
 * temp files, `.tmp-*` / `.del-*` directories, data files no manifest
 * references and uploads completed just before a crash, then loads every
 * manifest into the in-memory index.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { TMP_SUFFIX, errnoCode, fsyncDir, writeFileDurable } from '../durable-fs.js';
import {
  BUCKET_FILE,
  CONFIG_KINDS,
  DATA_SUFFIX,
  FORMAT_VERSION,
  META_SUFFIX,
  OPEN_CONCURRENCY,
  PART_SUFFIX,
  UPLOAD_FILE,
  UPLOAD_ID,
  isProcessAlive,
  isTemp,
  readdirOrEmpty,
  type BucketDoc,
  type MetaDoc,
  type PartDoc,
  type UploadDoc,
} from '../fs-layout.js';
import { compareKeys } from '../key-order.js';
import { readManifestHeader } from '../manifest.js';
import { mapLimit } from '../map-limit.js';
import { StoreError } from '../types.js';
import { freezeMetadata } from '../validate.js';
import { emptyBucket, entryFromDoc, partFromDoc, type BucketState, type FsContext, type UploadEntry, type VersionEntry } from './state.js';
import { NULL_VERSION, VERSIONING_FILE, parseVersionFileName, versionEntryFromDoc, versionFileName, type VersionClock } from './versions.js';

export async function openDataDir(ctx: FsContext): Promise<void> {
  await fsp.mkdir(ctx.bucketsDir, { recursive: true });
  await fsyncDir(ctx.root);
  await takeLock(ctx.root);
  const formatFile = join(ctx.root, 'format.json');
  try {
    const doc = JSON.parse(await fsp.readFile(formatFile, 'utf8')) as { version?: number };
    if (doc.version !== FORMAT_VERSION) {
      throw new StoreError('InternalError', `Unsupported data directory format ${String(doc.version)} in ${ctx.root}`);
    }
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    await writeFileDurable(ctx.root, 'format.json', JSON.stringify({ version: FORMAT_VERSION }));
  }
  for (const name of await fsp.readdir(ctx.bucketsDir)) {
    const dir = join(ctx.bucketsDir, name);
    if (isTemp(name)) {
      await fsp.rm(dir, { recursive: true, force: true });
      continue;
    }
    const b = await loadBucket(dir, ctx.clock);
    if (b !== undefined) ctx.buckets.set(b.info.name, b);
  }
}

/**
 * Recovery deletes files another live process may be writing, so one process
 * owns a data directory: `LOCK` holds its pid; a lock left by a dead process
 * is taken over. (Reopening within the same process is allowed.)
 */
async function takeLock(root: string): Promise<void> {
  const lock = join(root, 'LOCK');
  try {
    const pid = Number((await fsp.readFile(lock, 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isProcessAlive(pid)) {
      throw new StoreError('InternalError', `Data directory ${root} is in use by process ${pid}`);
    }
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  await fsp.writeFile(lock, `${process.pid}\n`);
}

/** Removes `LOCK` if this process holds it. */
export async function releaseLock(root: string): Promise<void> {
  const lock = join(root, 'LOCK');
  const owner = await fsp.readFile(lock, 'utf8').catch(() => '');
  if (owner.trim() === String(process.pid)) await fsp.rm(lock, { force: true });
}

/** The bucket stored in `dir`, or undefined when `dir` was debris (then it is deleted). */
async function loadBucket(dir: string, clock: VersionClock): Promise<BucketState | undefined> {
  let doc: BucketDoc;
  try {
    doc = JSON.parse(await fsp.readFile(join(dir, BUCKET_FILE), 'utf8')) as BucketDoc;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') {
      // A bucket directory only appears by rename after bucket.json is durable: this is debris.
      await fsp.rm(dir, { recursive: true, force: true });
      return undefined;
    }
    // Corrupt (only disk damage does that): stop rather than drop the bucket's objects.
    throw new StoreError('InternalError', `Unreadable bucket document ${join(dir, BUCKET_FILE)}: ${String(err)}`);
  }
  const b = emptyBucket({ name: doc.name, creationDate: new Date(doc.creationDate), region: doc.region, acl: doc.acl }, dir);
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
  try {
    const status = (await fsp.readFile(join(dir, VERSIONING_FILE), 'utf8')).trim();
    if (status !== 'Enabled' && status !== 'Suspended') throw new StoreError('InternalError', `Unreadable versioning status ${join(dir, VERSIONING_FILE)}`);
    b.versioning = status;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const completedUploads = new Set<string>();
  await loadObjects(b, completedUploads, clock);
  b.keys = [...b.objects.keys()].sort(compareKeys);
  if (b.versioning !== undefined) b.versionKeys = [...new Set([...b.keys, ...b.versions.keys()])].sort(compareKeys);
  await loadUploads(b, completedUploads);
  return b;
}

async function loadObjects(b: BucketState, completedUploads: Set<string>, clock: VersionClock): Promise<void> {
  const odir = join(b.dir, 'o');
  const subdirs = await readdirOrEmpty(odir);
  await mapLimit(subdirs, 4, async (sub) => {
    const dir = join(odir, sub);
    b.readyDirs.add(dir);
    const names = await fsp.readdir(dir);
    const referenced = new Set<string>();
    const metas = new Map<string, { name: string; doc: MetaDoc }>();
    const versioned = new Map<string, VersionEntry[]>();
    const read = async (name: string): Promise<MetaDoc> => {
      const doc = await readManifestHeader<MetaDoc>(join(dir, name)).catch((err: unknown) => {
        // Written by rename after fsync, so only disk corruption gets here: stop rather than drop data.
        throw new StoreError('InternalError', `Unreadable object manifest ${join(dir, name)}: ${String(err)}`);
      });
      if (doc.uploadId !== undefined) completedUploads.add(doc.uploadId);
      return doc;
    };
    await mapLimit(names, OPEN_CONCURRENCY, async (name) => {
      if (name.endsWith(META_SUFFIX)) {
        const doc = await read(name);
        metas.set(doc.key, { name, doc });
        return;
      }
      const parsed = parseVersionFileName(name);
      if (parsed === undefined) return;
      const doc = await read(name);
      clock.observe(doc.seq ?? 0);
      const list = versioned.get(doc.key) ?? [];
      list.push(versionEntryFromDoc(doc, dir, name, parsed.versionId));
      versioned.set(doc.key, list);
    });
    for (const [key, list] of versioned) {
      const legacy = metas.get(key);
      if (legacy !== undefined) {
        metas.delete(key);
        await settleLegacyMeta(dir, legacy.name, legacy.doc, list);
      }
      list.sort((x, y) => y.seq - x.seq);
      b.versions.set(key, list);
      for (const v of list) for (const s of v.entry?.segments ?? []) referenced.add(s.file);
      const latest = list[0]!.entry;
      if (latest !== undefined) b.objects.set(key, latest);
    }
    for (const [key, { name, doc }] of metas) {
      const entry = entryFromDoc(doc, dir, name);
      for (const s of entry.segments) referenced.add(s.file);
      b.objects.set(key, entry);
    }
    await removeUnreferenced(dir, names, referenced);
  });
}

/**
 * A `.meta` beside `.ver` files: a versioned write to a pre-versioning object was cut short. If the
 * write had replaced the null version, the `.meta` is stale; otherwise it becomes the null version.
 */
async function settleLegacyMeta(dir: string, name: string, doc: MetaDoc, list: VersionEntry[]): Promise<void> {
  if (list.some((v) => v.versionId === NULL_VERSION)) {
    await fsp.rm(join(dir, name), { force: true });
  } else {
    const file = versionFileName(name.slice(0, -META_SUFFIX.length), NULL_VERSION);
    await fsp.rename(join(dir, name), join(dir, file));
    list.push(versionEntryFromDoc(doc, dir, file, NULL_VERSION));
  }
  await fsyncDir(dir);
}

async function loadUploads(b: BucketState, completedUploads: Set<string>): Promise<void> {
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
      upload.parts.set(p.partNumber, partFromDoc(p));
    }
    await removeUnreferenced(dir, names, referenced);
    b.uploads.set(id, upload);
  }
}

/** Deletes the temp files among `names` and the data files not in `referenced`. */
async function removeUnreferenced(dir: string, names: string[], referenced: Set<string>): Promise<void> {
  for (const name of names) {
    const stale = name.endsWith(TMP_SUFFIX) || (name.endsWith(DATA_SUFFIX) && !referenced.has(name));
    if (stale) await fsp.rm(join(dir, name), { force: true });
  }
}
