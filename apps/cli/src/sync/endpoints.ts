/**
 * The two sides of a transfer (a local directory or a bucket prefix) and the actions that
 * turn a planned transfer or delete into S3/file operations with aws-cli's output text.
 */
import { asDirPrefix, s3Uri, type PathArg } from '../s3/url.js';
import { displayPath } from '../util/display-path.js';
import { UsageError } from '../util/errors.js';
import type { PlannedAction, TransferMeta } from './actions.js';
import { localPathFor, type LocalEntry } from './local-listing.js';
import type { Direction, Entry, Transfer } from './plan.js';
import type { RemoteEntry } from './remote-listing.js';

export type Endpoint = { kind: 'local'; dir: string; raw: string } | { kind: 's3'; bucket: string; prefix: string };

export function endpointOf(arg: PathArg): Endpoint {
  return arg.kind === 'local' ? { kind: 'local', dir: arg.path, raw: arg.path } : { kind: 's3', bucket: arg.bucket, prefix: asDirPrefix(arg.key) };
}

export function directionOf(src: Endpoint, dst: Endpoint): Direction {
  if (src.kind === 'local' && dst.kind === 's3') return 'upload';
  if (src.kind === 's3' && dst.kind === 'local') return 'download';
  if (src.kind === 's3' && dst.kind === 's3') return 'copy';
  throw new UsageError('at least one of the paths must be an s3:// URL (local to local is not supported)');
}

export function toAction(
  t: Transfer,
  src: Endpoint,
  dst: Endpoint,
  meta: (rel: string) => TransferMeta,
  verb: (v: string) => string,
  move: boolean,
  /** --content-type was given: s3→s3 copies replace the metadata. */
  contentTypeGiven = false,
): PlannedAction {
  const rel = t.src.rel;
  if (src.kind === 'local' && dst.kind === 's3') {
    const l = t.src as LocalEntry;
    const key = dst.prefix + rel;
    return {
      action: { op: 'upload', path: l.path, size: l.size, mtimeMs: l.mtimeMs, ino: l.ino, bucket: dst.bucket, key, meta: meta(rel) },
      verb: verb('upload'),
      display: `${displayPath(l.path)} to ${s3Uri(dst.bucket, key)}`,
      name: key,
      ...(move ? { removeSource: { op: 'delete-file' as const, path: l.path } } : {}),
    };
  }
  if (src.kind === 's3' && dst.kind === 'local') {
    const o = t.src as RemoteEntry;
    const path = localPathFor(dst.dir, rel);
    return {
      action: { op: 'download', bucket: src.bucket, key: o.key, size: o.size, mtimeMs: o.mtimeMs, path },
      verb: verb('download'),
      display: `${s3Uri(src.bucket, o.key)} to ${displayPath(path)}`,
      name: rel,
      ...(move ? { removeSource: { op: 'delete-object' as const, bucket: src.bucket, key: o.key } } : {}),
    };
  }
  if (src.kind === 's3' && dst.kind === 's3') {
    const o = t.src as RemoteEntry;
    const key = dst.prefix + rel;
    const m = meta(rel);
    // Copies keep the source's metadata (MetadataDirective COPY) unless --cache-control,
    // --content-type or --cache-tag sets something; then every header is replaced (REPLACE), so
    // the Content-Type is the one given or, failing that, guessed from the extension.
    const replace = m.cacheControl !== undefined || contentTypeGiven || m.cacheTags !== undefined;
    return {
      action: {
        op: 'copy',
        srcBucket: src.bucket,
        srcKey: o.key,
        size: o.size,
        bucket: dst.bucket,
        key,
        meta: { acl: m.acl, ...(replace ? { cacheControl: m.cacheControl, contentType: m.contentType, cacheTags: m.cacheTags } : {}) },
      },
      verb: verb('copy'),
      display: `${s3Uri(src.bucket, o.key)} to ${s3Uri(dst.bucket, key)}`,
      name: key,
      ...(move ? { removeSource: { op: 'delete-object' as const, bucket: src.bucket, key: o.key } } : {}),
    };
  }
  throw new UsageError('local to local transfers are not supported');
}

export function deleteAction(d: Entry, dst: Endpoint): PlannedAction {
  if (dst.kind === 's3') {
    const key = dst.prefix + d.rel;
    return { action: { op: 'delete-object', bucket: dst.bucket, key }, verb: 'delete', display: s3Uri(dst.bucket, key), name: key };
  }
  const path = (d as LocalEntry).path;
  return { action: { op: 'delete-file', path }, verb: 'delete', display: displayPath(path), name: d.rel };
}
