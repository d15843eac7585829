/**
 * Runs planned actions against S3 and the local disk with bounded concurrency.
 * - small uploads: one PutObject with a Buffer body and Content-MD5 (no aws-chunked
 *   encoding, S3 verifies the bytes); ≥ 8 MiB: lib-storage multipart Upload;
 * - downloads stream to a temp file that is renamed into place, with the mtime set to
 *   LastModified (like aws-cli, so time-based comparisons work afterwards);
 * - deletes of objects are batched (DeleteObjects, 1,000 keys a request);
 * - transient failures are retried with backoff on top of the SDK's own retries;
 *   when the endpoint is unreachable, the remaining actions are not attempted and are
 *   reported as failed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { ObjectCannedACL } from '@aws-sdk/client-s3';
import { describeError, isNetworkError, isTransientError } from '../util/errors.js';
import { runPool } from '../util/pool.js';
import { MULTIPART_THRESHOLD, isMultipartUpload, partSizeFor } from './etag.js';
import type { HashCache } from './hash-cache.js';
import { multipartCopy, multipartCopyThreshold } from './multipart-copy.js';
import { cacheTagMetadata } from './cache-tag.js';
import type { Action, PlannedAction } from './actions.js';
import type { S3Access } from '../s3/access.js';

// The SDK loads on first use only: a sync whose requests all go through access.raw never needs it.
const sdk = () => import('@aws-sdk/client-s3');

export interface ExecuteOptions {
  access: S3Access;
  concurrency: number;
  hashCache?: HashCache;
  /** Extra attempts after the SDK gave up on a transient error. */
  retries?: number;
  onDone(item: PlannedAction): void;
  onFailed(item: PlannedAction, message: string): void;
  onBytes?(n: number): void;
}

export interface ExecuteResult {
  done: PlannedAction[];
  failed: { item: PlannedAction; error: string }[];
}

/** Consecutive connection failures after which the endpoint counts as unreachable. */
const UNREACHABLE_AFTER = 8;

export async function executeActions(items: readonly PlannedAction[], opts: ExecuteOptions): Promise<ExecuteResult> {
  const result: ExecuteResult = { done: [], failed: [] };
  let consecutiveNetworkFailures = 0;
  let unreachable: string | undefined;

  const fail = (item: PlannedAction, error: string) => {
    result.failed.push({ item, error });
    opts.onFailed(item, error);
  };

  const runOne = async (item: PlannedAction, fn: () => Promise<void>) => {
    if (unreachable) return fail(item, `not attempted: ${unreachable}`);
    try {
      await withRetries(fn, opts.retries ?? 2);
      consecutiveNetworkFailures = 0;
      result.done.push(item);
      opts.onDone(item);
    } catch (err) {
      if (isNetworkError(err)) {
        consecutiveNetworkFailures++;
        if (consecutiveNetworkFailures >= UNREACHABLE_AFTER && !unreachable) unreachable = describeError(err);
      }
      fail(item, describeError(err));
    }
  };

  // Object deletes that are not part of a move go in batches; everything else one by one.
  const batchDeletes = items.filter((i) => i.action.op === 'delete-object' && !i.removeSource);
  const singles = items.filter((i) => !batchDeletes.includes(i));

  await runPool(singles, opts.concurrency, (item) =>
    runOne(item, async () => {
      await perform(item.action, opts);
      if (item.removeSource) await perform(item.removeSource, opts);
    }),
  );

  const byBucket = new Map<string, PlannedAction[]>();
  for (const item of batchDeletes) {
    const a = item.action as Extract<Action, { op: 'delete-object' }>;
    byBucket.set(a.bucket, [...(byBucket.get(a.bucket) ?? []), item]);
  }
  const batches: { bucket: string; items: PlannedAction[] }[] = [];
  for (const [bucket, list] of byBucket) for (let i = 0; i < list.length; i += 1000) batches.push({ bucket, items: list.slice(i, i + 1000) });
  await runPool(batches, Math.min(4, opts.concurrency), async ({ bucket, items: batch }) => {
    if (unreachable) {
      for (const item of batch) fail(item, `not attempted: ${unreachable}`);
      return;
    }
    try {
      const { DeleteObjectsCommand } = await sdk();
      const s3 = await opts.access.client();
      const res = await withRetries(
        () =>
          s3.send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: batch.map((i) => ({ Key: (i.action as { key: string }).key })), Quiet: true },
            }),
          ),
        opts.retries ?? 2,
      );
      const errors = new Map((res.Errors ?? []).map((e) => [e.Key ?? '', `An error occurred (${e.Code}): ${e.Message}`]));
      for (const item of batch) {
        const error = errors.get((item.action as { key: string }).key);
        if (error) fail(item, error);
        else {
          result.done.push(item);
          opts.onDone(item);
        }
      }
    } catch (err) {
      // DeleteObjects unsupported or refused: fall back to one DeleteObject per key.
      if (isNetworkError(err)) {
        for (const item of batch) fail(item, describeError(err));
        return;
      }
      await runPool(batch, opts.concurrency, (item) => runOne(item, () => perform(item.action, opts)));
    }
  });
  return result;
}

async function withRetries<T>(fn: () => Promise<T>, retries: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= retries || !isTransientError(err)) throw err;
      const delay = 250 * 3 ** attempt * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function perform(a: Action, opts: ExecuteOptions): Promise<void> {
  switch (a.op) {
    case 'upload':
      return upload(a, opts);
    case 'download':
      return download(a, opts);
    case 'copy': {
      const threshold = multipartCopyThreshold();
      if (a.size > threshold) {
        await multipartCopy(await opts.access.client(), a, `${a.srcBucket}/${encodeKey(a.srcKey)}`, threshold);
        opts.onBytes?.(a.size);
        return;
      }
      const replace = a.meta.cacheControl !== undefined || a.meta.contentType !== undefined || a.meta.cacheTags !== undefined;
      const metadata = cacheTagMetadata(a.meta.cacheTags);
      const { CopyObjectCommand } = await sdk();
      await (await opts.access.client()).send(
        new CopyObjectCommand({
          Bucket: a.bucket,
          Key: a.key,
          CopySource: `${a.srcBucket}/${encodeKey(a.srcKey)}`,
          MetadataDirective: replace ? 'REPLACE' : 'COPY',
          ...(replace ? { ContentType: a.meta.contentType, CacheControl: a.meta.cacheControl, ...(metadata ? { Metadata: metadata } : {}) } : {}),
          ...(a.meta.acl ? { ACL: a.meta.acl as ObjectCannedACL } : {}),
        }),
      );
      opts.onBytes?.(a.size);
      return;
    }
    case 'delete-object': {
      const { DeleteObjectCommand } = await sdk();
      await (await opts.access.client()).send(new DeleteObjectCommand({ Bucket: a.bucket, Key: a.key }));
      return;
    }
    case 'delete-file':
      await unlink(a.path);
      return;
  }
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

async function upload(a: Extract<Action, { op: 'upload' }>, opts: ExecuteOptions): Promise<void> {
  const metadata = cacheTagMetadata(a.meta.cacheTags);
  const common = {
    Bucket: a.bucket,
    Key: a.key,
    ContentType: a.meta.contentType,
    CacheControl: a.meta.cacheControl,
    ...(a.meta.acl ? { ACL: a.meta.acl as ObjectCannedACL } : {}),
    ...(metadata ? { Metadata: metadata } : {}),
  };
  if (!isMultipartUpload(a.size)) {
    const body = await readFile(a.path);
    const digest = createHash('md5').update(body).digest();
    const fast = opts.access.raw
      ? await opts.access.raw.put({
          bucket: a.bucket,
          key: a.key,
          body,
          md5: digest,
          contentType: a.meta.contentType,
          cacheControl: a.meta.cacheControl,
          acl: a.meta.acl,
          ...(metadata ? { metadata } : {}),
        })
      : 'fallback';
    if (fast !== 'ok') {
      const { PutObjectCommand } = await sdk();
      await (await opts.access.client()).send(new PutObjectCommand({ ...common, Body: body, ContentMD5: digest.toString('base64'), ContentLength: body.length }));
    }
    if (body.length === a.size) opts.hashCache?.set({ path: a.path, size: a.size, mtimeMs: a.mtimeMs, ino: a.ino }, { md5: digest.toString('hex') });
    opts.onBytes?.(body.length);
    return;
  }
  let reported = 0;
  const { Upload } = await import('@aws-sdk/lib-storage');
  const upload = new Upload({
    client: await opts.access.client(),
    params: { ...common, Body: createReadStream(a.path), ContentLength: a.size },
    partSize: partSizeFor(a.size),
    queueSize: 4,
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded !== undefined && p.loaded > reported) {
      opts.onBytes?.(p.loaded - reported);
      reported = p.loaded;
    }
  });
  await upload.done();
}

async function download(a: Extract<Action, { op: 'download' }>, opts: ExecuteOptions): Promise<void> {
  if (opts.access.raw && a.size < MULTIPART_THRESHOLD) {
    const got = await opts.access.raw.get(a.bucket, a.key);
    if (got !== 'fallback') {
      await mkdir(dirname(a.path), { recursive: true });
      const tmp = tempPathFor(a.path);
      try {
        await writeFile(tmp, got.body);
        await rename(tmp, a.path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      opts.onBytes?.(got.body.length);
      const mtime = new Date(got.lastModified ?? a.mtimeMs);
      await utimes(a.path, mtime, mtime);
      return;
    }
  }
  const { GetObjectCommand } = await sdk();
  const res = await (await opts.access.client()).send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }));
  await mkdir(dirname(a.path), { recursive: true });
  const tmp = tempPathFor(a.path);
  const body = res.Body as Readable | undefined;
  try {
    if (!body) throw new Error('empty response body');
    body.on('data', (chunk: Buffer) => opts.onBytes?.(chunk.length));
    await pipeline(body, createWriteStream(tmp));
    await rename(tmp, a.path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const mtime = res.LastModified ?? new Date(a.mtimeMs);
  await utimes(a.path, mtime, mtime);
}

/** A temp file beside the target (same filesystem, so the rename is atomic). */
function tempPathFor(path: string): string {
  return `${path}.bucketfront-${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
}
