/** Buckets: create, delete, list, ACL and the opaque configuration documents (website, policy, encryption). */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DEL_DIR_PREFIX, TMP_DIR_PREFIX, asStoreError, fsyncDir, writeFileDurable } from '../durable-fs.js';
import { BUCKET_FILE, CONFIG_KINDS, FORMAT_VERSION, bucketDirName, nowToSecond, type BucketDoc } from '../fs-layout.js';
import { compareKeys } from '../key-order.js';
import { StoreError, type BucketConfigKind, type BucketConfigs, type BucketInfo, type CannedAcl } from '../types.js';
import { bucketOf, emptyBucket, type FsContext } from './state.js';

export async function listBuckets(ctx: FsContext): Promise<BucketInfo[]> {
  return [...ctx.buckets.values()].map((b) => ({ ...b.info })).sort((x, y) => compareKeys(x.name, y.name));
}

export async function createBucket(ctx: FsContext, name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo> {
  return ctx.locks.run(`bucket\0${name}`, async () => {
    if (ctx.buckets.has(name)) {
      throw new StoreError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
        BucketName: name,
      });
    }
    const info: BucketInfo = { name, creationDate: nowToSecond(), region: opts.region, acl: opts.acl ?? 'private' };
    const dir = join(ctx.bucketsDir, bucketDirName(name));
    const tmp = join(ctx.bucketsDir, `${TMP_DIR_PREFIX}${randomUUID()}`);
    try {
      await fsp.mkdir(tmp);
      await writeFileDurable(tmp, BUCKET_FILE, bucketDoc(info));
      await fsp.rename(tmp, dir);
      await fsyncDir(ctx.bucketsDir);
    } catch (err) {
      await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
      throw asStoreError(err);
    }
    ctx.buckets.set(name, emptyBucket(info, dir));
    return { ...info };
  });
}

function bucketDoc(info: BucketInfo): string {
  const doc: BucketDoc = {
    v: FORMAT_VERSION,
    name: info.name,
    creationDate: info.creationDate.getTime(),
    region: info.region,
    acl: info.acl,
  };
  return JSON.stringify(doc);
}

export async function deleteBucket(ctx: FsContext, name: string): Promise<void> {
  await ctx.locks.run(`bucket\0${name}`, async () => {
    const b = bucketOf(ctx, name);
    if (b.objects.size > 0 || b.versions.size > 0 || b.uploads.size > 0 || b.writers > 0) {
      throw new StoreError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
    }
    const doomed = join(ctx.bucketsDir, `${DEL_DIR_PREFIX}${randomUUID()}`);
    // Gone for everyone from now on: a write starting meanwhile fails with NoSuchBucket.
    b.deleted = true;
    ctx.buckets.delete(name);
    try {
      await fsp.rename(b.dir, doomed);
    } catch (err) {
      b.deleted = false;
      ctx.buckets.set(name, b);
      throw err;
    }
    await fsyncDir(ctx.bucketsDir);
    await fsp.rm(doomed, { recursive: true, force: true });
  });
}

export async function headBucket(ctx: FsContext, name: string): Promise<BucketInfo | null> {
  const b = ctx.buckets.get(name);
  return b === undefined || b.deleted ? null : { ...b.info };
}

export async function setBucketAcl(ctx: FsContext, name: string, acl: CannedAcl): Promise<void> {
  await ctx.locks.run(`bucket\0${name}`, async () => {
    const b = bucketOf(ctx, name);
    const info = { ...b.info, acl };
    await writeFileDurable(b.dir, BUCKET_FILE, bucketDoc(info));
    b.info = info;
  });
}

export async function getBucketConfig(ctx: FsContext, name: string, kind: BucketConfigKind): Promise<string | null> {
  return bucketOf(ctx, name).configs.get(kind) ?? null;
}

export async function getBucketConfigs(ctx: FsContext, name: string): Promise<BucketConfigs> {
  return Object.fromEntries(bucketOf(ctx, name).configs);
}

export async function putBucketConfig(ctx: FsContext, name: string, kind: BucketConfigKind, document: string | null): Promise<void> {
  if (!CONFIG_KINDS.includes(kind)) throw new StoreError('InvalidArgument', `Unknown bucket configuration ${String(kind)}`);
  await ctx.locks.run(`config\0${name}\0${kind}`, async () => {
    const b = bucketOf(ctx, name);
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
