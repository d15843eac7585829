/**
 * The transfer engine behind `sync`, `cp --recursive` and `mv --recursive`:
 * list both sides → plan (pure) → hash what needs content comparison (cached) →
 * execute → report.
 */
import { stat } from 'node:fs/promises';
import mime from 'mime-types';
import { CliError, UsageError, describeError } from '../util/errors.js';
import { s3Uri, type PathArg } from '../s3/url.js';
import { buildCacheControl } from './cache-control.js';
import { buildCacheTags } from './cache-tag.js';
import { executeActions } from './execute.js';
import { HashCache } from './hash-cache.js';
import { hashFiles, type HashRequest } from './hash-files.js';
import { escapesRoot, listLocal, type LocalEntry } from './local-listing.js';
import { deleteAction, endpointOf, directionOf, toAction, type Endpoint } from './endpoints.js';
import { hashRequestFor, planSync, resolveHashed, type Entry, type Transfer } from './plan.js';
import { listRemote } from './remote-listing.js';
import type { PlannedAction, TransferMeta } from './actions.js';
import type { Reporter } from './report.js';
import { mark } from '../util/timing.js';
import type { S3Access } from '../s3/access.js';

export { endpointOf, directionOf, type Endpoint } from './endpoints.js';

export interface TransferOptions {
  delete: boolean;
  sizeOnly: boolean;
  exactTimestamps: boolean;
  dryrun: boolean;
  filter: (rel: string) => boolean;
  cacheControl: string[];
  /** --cache-tag GLOB=TAG[,TAG…] rules (./cache-tag.ts). */
  cacheTags: string[];
  contentType?: string;
  acl?: string;
  concurrency: number;
  hashCache: boolean;
}

async function listSide(access: S3Access, e: Endpoint, isSource: boolean, hints: readonly string[] = []): Promise<Entry[]> {
  if (e.kind === 's3') {
    const all = await listRemote(access, e.bucket, e.prefix, hints).catch((err: unknown) => {
      throw new CliError(`cannot list ${s3Uri(e.bucket, e.prefix)}: ${describeError(err)}`);
    });
    // Directory markers (`dir/`) carry no content: never a source.
    return isSource ? all.filter((o) => !o.key.endsWith('/')) : all;
  }
  if (isSource) {
    const st = await stat(e.dir).catch(() => undefined);
    if (!st) throw new CliError(`The user-provided path ${e.raw} does not exist.`);
    if (!st.isDirectory()) throw new UsageError(`${e.raw} is not a directory (use cp for a single file)`);
  }
  return listLocal(e.dir);
}

export interface RunResult {
  exitCode: number;
  /** Keys/paths changed at the destination (transferred or deleted), for deploy. */
  changedKeys: string[];
  reporter: Reporter;
}

export async function runTransfer(access: S3Access, command: 'sync' | 'cp' | 'mv', srcArg: PathArg, dstArg: PathArg, opts: TransferOptions, reporter: Reporter): Promise<RunResult> {
  const src = endpointOf(srcArg);
  const dst = endpointOf(dstArg);
  const direction = directionOf(src, dst);
  // Parsed first: a bad rule is a usage error before anything is listed or sent.
  const cacheTags = buildCacheTags(opts.cacheTags);

  // Local side first (fast): its keys let the bucket side be listed in parallel ranges.
  let srcEntries: Entry[];
  let dstEntries: Entry[] = [];
  mark('start');
  if (command !== 'sync') {
    srcEntries = await listSide(access, src, true);
    if (dst.kind === 'local') srcEntries = skipEscapingKeys(srcEntries, src, dst.dir);
  } else if (src.kind === 'local') {
    srcEntries = await listSide(access, src, true);
    mark('listed local');
    dstEntries = await listSide(
      access,
      dst,
      false,
      srcEntries.map((e) => e.rel),
    );
  } else if (dst.kind === 'local') {
    dstEntries = await listSide(access, dst, false);
    srcEntries = skipEscapingKeys(
      await listSide(
        access,
        src,
        true,
        dstEntries.map((e) => e.rel),
      ),
      src,
      dst.dir,
    );
  } else {
    [srcEntries, dstEntries] = await Promise.all([listSide(access, src, true), listSide(access, dst, false)]);
  }

  mark(`listed ${srcEntries.length} source, ${dstEntries.length} destination entries`);
  const planOpts = { direction, delete: opts.delete && command === 'sync', sizeOnly: opts.sizeOnly, exactTimestamps: opts.exactTimestamps, filter: opts.filter };
  const plan = planSync(srcEntries, dstEntries, planOpts);

  const cache = direction === 'copy' ? undefined : opts.hashCache ? await HashCache.load() : HashCache.memory();
  mark(`planned; hash cache loaded; ${plan.needsHash.length} to compare by content`);
  let transfers: Transfer[] = plan.transfers;
  let unchanged = plan.unchanged.length;
  if (plan.needsHash.length && cache) {
    const localOf = (p: { src: Entry; dst: Entry }) => (direction === 'upload' ? p.src : p.dst) as LocalEntry;
    const requests: HashRequest[] = plan.needsHash.map((p) => ({ file: localOf(p), ...hashRequestFor(p, direction) }));
    const hashes = await hashFiles(requests, cache, 16);
    const resolved = resolveHashed(plan.needsHash, (p) => hashes.get(localOf(p).path), planOpts);
    transfers = [...transfers, ...resolved.transfers];
    unchanged += resolved.unchanged.length;
  }
  reporter.unchanged(unchanged);
  mark('hashed');

  const cacheControl = buildCacheControl(opts.cacheControl);
  const meta = (rel: string): TransferMeta => ({
    contentType: opts.contentType ?? (mime.lookup(rel) || undefined),
    cacheControl: cacheControl(rel),
    acl: opts.acl,
    cacheTags: cacheTags(rel),
  });
  const verb = (v: string) => (command === 'mv' ? 'move' : v);
  const actions: PlannedAction[] = transfers.sort((a, b) => (a.src.rel < b.src.rel ? -1 : 1)).map((t) => toAction(t, src, dst, meta, verb, command === 'mv', opts.contentType !== undefined));
  for (const d of plan.deletes) actions.push(deleteAction(d, dst));

  const changedKeys = actions.map((a) => a.name);
  if (opts.dryrun) {
    for (const a of actions) reporter.done(a, 'size' in a.action ? a.action.size : 0);
    return { exitCode: 0, changedKeys, reporter };
  }

  reporter.startProgress(
    transfers.length,
    transfers.reduce((n, t) => n + t.src.size, 0),
  );
  const result = await executeActions(actions, {
    access,
    concurrency: opts.concurrency,
    hashCache: cache,
    onDone: (item) => reporter.done(item, 'size' in item.action ? item.action.size : 0),
    onFailed: (item, error) => reporter.failed(item, error),
    onBytes: (n) => reporter.bytes(n),
  });
  mark('executed');
  await cache?.save().catch(() => undefined);
  mark('cache saved');
  return {
    exitCode: result.failed.length ? 1 : 0,
    changedKeys: result.done.map((d) => d.name),
    reporter,
  };
}

/** Objects whose key would be written outside the destination directory are skipped with a warning. */
function skipEscapingKeys(entries: Entry[], src: Endpoint, root: string): Entry[] {
  return entries.filter((e) => {
    if (!escapesRoot(root, e.rel)) return true;
    const uri = src.kind === 's3' ? s3Uri(src.bucket, src.prefix + e.rel) : e.rel;
    process.stderr.write(`warning: Skipping file ${uri}. File references a parent directory.\n`);
    return false;
  });
}
