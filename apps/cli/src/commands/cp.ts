/**
 * `cp` and `mv` (https://docs.aws.amazon.com/cli/latest/reference/s3/cp.html, …/mv.html):
 * file ↔ object, object ↔ object, `--recursive` with the same filters as sync.
 * Single-object naming follows aws-cli: a destination ending in `/` (or an existing
 * local directory, or a bucket root) receives the source's base name.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import mime from 'mime-types';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { parsePathArg, s3Uri, type PathArg } from '../s3/url.js';
import { buildCacheControl } from '../sync/cache-control.js';
import { executeActions } from '../sync/execute.js';
import { runTransfer } from '../sync/run.js';
import type { PlannedAction } from '../sync/actions.js';
import { displayPath } from '../util/display-path.js';
import { CliError, UsageError } from '../util/errors.js';
import { reporterFor, s3AccessFor, transferOptions, type TransferCliOpts } from './common.js';

export async function cpCommand(kind: 'cp' | 'mv', src: string, dst: string, o: TransferCliOpts, argv: readonly string[]): Promise<number> {
  const srcArg = parsePathArg(src);
  const dstArg = parsePathArg(dst);
  if (srcArg.kind === 'local' && dstArg.kind === 'local') throw new UsageError('at least one of the paths must be an s3:// URL');
  const opts = transferOptions(o, argv);
  const s3 = s3AccessFor(o, opts.concurrency);
  // `-` streams stdin to an object or an object to stdout (cp only, never recursive).
  if (src === '-' || dst === '-') {
    try {
      if (kind !== 'cp' || o.recursive) throw new UsageError('`-` (stdin/stdout) works with cp of a single object only');
      const { downloadStdout, uploadStdin } = await import('./stream.js');
      if (src === '-' && dstArg.kind === 's3') await uploadStdin(s3, dstArg.bucket, dstArg.key, opts);
      else if (dst === '-' && srcArg.kind === 's3') await downloadStdout(s3, srcArg.bucket, srcArg.key);
      else throw new UsageError('`-` needs an s3:// URL on the other side');
      return 0;
    } finally {
      s3.destroy();
    }
  }
  const reporter = reporterFor(o, { command: kind, source: src, destination: dst });
  try {
    if (o.recursive) {
      const { exitCode } = await runTransfer(s3, kind, srcArg, dstArg, opts, reporter);
      reporter.finish();
      return exitCode;
    }
    const item = await singleAction(kind, srcArg, dstArg, opts, s3);
    if (!opts.filter(item.filterPath)) {
      reporter.finish();
      return 0;
    }
    if (opts.dryrun) {
      reporter.done(item.planned, 0);
      reporter.finish();
      return 0;
    }
    const result = await executeActions([item.planned], {
      access: s3,
      concurrency: 1,
      onDone: (p) => reporter.done(p, item.size),
      onFailed: (p, e) => reporter.failed(p, e),
      onBytes: (n) => reporter.bytes(n),
    });
    reporter.finish();
    return result.failed.length ? 1 : 0;
  } finally {
    s3.destroy();
  }
}

async function singleAction(
  kind: 'cp' | 'mv',
  src: PathArg,
  dst: PathArg,
  opts: ReturnType<typeof transferOptions>,
  s3: ReturnType<typeof s3AccessFor>,
): Promise<{ planned: PlannedAction; size: number; filterPath: string }> {
  const verb = (v: string) => (kind === 'mv' ? 'move' : v);
  const cacheControl = buildCacheControl(opts.cacheControl);
  if (src.kind === 'local' && dst.kind === 's3') {
    const st = await stat(src.path).catch(() => undefined);
    if (!st) throw new CliError(`The user-provided path ${src.path} does not exist.`);
    if (st.isDirectory()) throw new UsageError(`${src.path} is a directory (use --recursive)`);
    const key = dst.key === '' || dst.key.endsWith('/') ? dst.key + basename(src.path) : dst.key;
    const rel = basename(src.path);
    return {
      planned: {
        action: {
          op: 'upload',
          path: src.path,
          size: st.size,
          mtimeMs: st.mtimeMs,
          ino: st.ino,
          bucket: dst.bucket,
          key,
          meta: { contentType: opts.contentType ?? (mime.lookup(key) || undefined), cacheControl: cacheControl(rel), acl: opts.acl },
        },
        verb: verb('upload'),
        display: `${displayPath(src.path)} to ${s3Uri(dst.bucket, key)}`,
        name: key,
        ...(kind === 'mv' ? { removeSource: { op: 'delete-file' as const, path: src.path } } : {}),
      },
      size: st.size,
      filterPath: rel,
    };
  }
  if (src.kind !== 's3') throw new UsageError('at least one of the paths must be an s3:// URL');
  if (src.key === '' || src.key.endsWith('/')) throw new UsageError(`${src.raw} is not an object key (use --recursive for a prefix)`);
  const base = src.key.slice(src.key.lastIndexOf('/') + 1);
  const head = await (await s3.client()).send(new HeadObjectCommand({ Bucket: src.bucket, Key: src.key }));
  const size = head.ContentLength ?? 0;
  const removeSource = kind === 'mv' ? { removeSource: { op: 'delete-object' as const, bucket: src.bucket, key: src.key } } : {};
  if (dst.kind === 'local') {
    const st = await stat(dst.path).catch(() => undefined);
    const path = st?.isDirectory() || dst.path.endsWith('/') ? join(dst.path, base) : dst.path;
    return {
      planned: {
        action: { op: 'download', bucket: src.bucket, key: src.key, size, mtimeMs: head.LastModified?.getTime() ?? Date.now(), path },
        verb: verb('download'),
        display: `${s3Uri(src.bucket, src.key)} to ${displayPath(path)}`,
        name: src.key,
        ...removeSource,
      },
      size,
      filterPath: base,
    };
  }
  const key = dst.key === '' || dst.key.endsWith('/') ? dst.key + base : dst.key;
  const cc = cacheControl(base);
  return {
    planned: {
      action: {
        op: 'copy',
        srcBucket: src.bucket,
        srcKey: src.key,
        size,
        bucket: dst.bucket,
        key,
        meta: { acl: opts.acl, ...(cc !== undefined || opts.contentType ? { cacheControl: cc, contentType: opts.contentType ?? (mime.lookup(key) || undefined) } : {}) },
      },
      verb: verb('copy'),
      display: `${s3Uri(src.bucket, src.key)} to ${s3Uri(dst.bucket, key)}`,
      name: key,
      ...removeSource,
    },
    size,
    filterPath: base,
  };
}
