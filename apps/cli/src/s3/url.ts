/**
 * Path arguments: `s3://bucket[/key-or-prefix]` or a local path.
 * Follows aws-cli's `find_bucket_key` (awscli/customizations/s3/utils.py):
 * everything after the first `/` is the key, kept verbatim.
 */
import { UsageError } from '../util/errors.js';

export type PathArg = { kind: 's3'; bucket: string; key: string; raw: string } | { kind: 'local'; path: string; raw: string };

export function isS3Url(arg: string): boolean {
  return arg.toLowerCase().startsWith('s3://');
}

export function parsePathArg(raw: string): PathArg {
  if (!isS3Url(raw)) {
    if (raw === '') throw new UsageError('empty path argument');
    return { kind: 'local', path: raw, raw };
  }
  const rest = raw.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!bucket) throw new UsageError(`invalid S3 URL (no bucket): ${raw}`);
  if (!/^[A-Za-z0-9._-]+$/.test(bucket)) throw new UsageError(`invalid bucket name in ${raw}`);
  return { kind: 's3', bucket, key, raw };
}

export function parseS3Url(raw: string): { bucket: string; key: string } {
  const p = parsePathArg(raw);
  if (p.kind !== 's3') throw new UsageError(`expected an s3://bucket[/key] URL, got: ${raw}`);
  return { bucket: p.bucket, key: p.key };
}

/** A prefix used as a directory: '' stays '', otherwise ends with '/'. */
export function asDirPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
