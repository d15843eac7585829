/**
 * Making an earlier version current again: a server-side copy of `key?versionId=ID` onto the
 * key, as AWS recommends (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RestoringPreviousVersions.html).
 * The copy is a new version; every older one stays.
 *
 * What the copy keeps of the version: its bytes, Content-* headers, Cache-Control, user metadata
 * and tags (CopyObject's COPY directives), its storage class, its server-side encryption (SSE-S3,
 * SSE-KMS with the same key), and its ACL: a copy is private unless the request grants more
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html), so the version's grants
 * are read (GetObjectAcl) and sent with the copy, in the same request: a public site's object
 * never turns private on the way. `acl` (a canned ACL) replaces that.
 *
 * Over 5 GiB S3 refuses CopyObject: the copy is then a multipart upload of UploadPartCopy
 * ranges (sync/multipart-copy.ts), with the headers, metadata, tags, ACL and encryption above
 * given to CreateMultipartUpload. BUCKETFRONT_MULTIPART_COPY_THRESHOLD lowers the limit.
 */
import type { CopyObjectCommandInput, Grant, HeadObjectCommandOutput, ObjectCannedACL, S3Client } from '@aws-sdk/client-s3';
import { copyInParts, multipartCopyThreshold } from '../sync/multipart-copy.js';
import { CliError, describeError } from '../util/errors.js';

export interface VersionRef {
  bucket: string;
  key: string;
  versionId: string;
}

export interface RestoreOptions {
  /** A canned ACL for the new version instead of the version's own grants. */
  acl?: string;
  /** The version's HeadObject answer, when the caller already has it. */
  head?: HeadObjectCommandOutput;
}

function s3Url(v: VersionRef): string {
  return `s3://${v.bucket}/${v.key}`;
}

/** `x-amz-copy-source` for a version: bucket/key, the key URL-encoded, then `?versionId=`. */
export function copySourceOf(v: VersionRef): string {
  return `${v.bucket}/${v.key.split('/').map(encodeURIComponent).join('/')}?versionId=${encodeURIComponent(v.versionId)}`;
}

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/**
 * HeadObject of the version, with its failures said plainly. A HEAD answer has no body: the
 * status tells (404 no such version, 405 a delete marker, 400 an id S3 cannot read;
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html).
 */
export async function headVersion(s3: S3Client, v: VersionRef): Promise<HeadObjectCommandOutput> {
  const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: v.bucket, Key: v.key, VersionId: v.versionId }));
  } catch (err) {
    const e = err as SdkError;
    const status = e.$metadata?.httpStatusCode;
    if (status === 405 || e.$response?.headers?.['x-amz-delete-marker'] === 'true') {
      throw new CliError(`version ${v.versionId} of ${s3Url(v)} is a delete marker, not an object: there is nothing to restore (\`bucketfront ls --versions\` lists the versions with their sizes)`);
    }
    if (status === 404) throw new CliError(`${s3Url(v)} has no version ${v.versionId} (NoSuchVersion)`);
    if (status === 400) throw new CliError(`${v.versionId} is not a version id S3 accepts for ${s3Url(v)} (InvalidArgument)`);
    throw err;
  }
}

/** `x-amz-grant-*` values for the version's ACL; none when it only grants the owner FULL_CONTROL (a copy's default). */
export function grantHeaders(grants: readonly Grant[], ownerId: string | undefined): Partial<Record<'GrantRead' | 'GrantReadACP' | 'GrantWriteACP' | 'GrantFullControl', string>> {
  const onlyOwner = grants.every((g) => g.Permission === 'FULL_CONTROL' && g.Grantee?.Type === 'CanonicalUser' && g.Grantee.ID === ownerId);
  if (onlyOwner) return {};
  const field = { READ: 'GrantRead', READ_ACP: 'GrantReadACP', WRITE_ACP: 'GrantWriteACP', FULL_CONTROL: 'GrantFullControl' } as const;
  const out: Partial<Record<(typeof field)[keyof typeof field], string[]>> = {};
  for (const g of grants) {
    const name = field[g.Permission as keyof typeof field];
    const who = g.Grantee?.ID ? `id="${g.Grantee.ID}"` : g.Grantee?.URI ? `uri="${g.Grantee.URI}"` : g.Grantee?.EmailAddress ? `emailAddress="${g.Grantee.EmailAddress}"` : undefined;
    if (name && who) (out[name] ??= []).push(who);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.join(', ')]));
}

async function aclOf(s3: S3Client, v: VersionRef, acl: string | undefined): Promise<Pick<CopyObjectCommandInput, 'ACL' | 'GrantRead' | 'GrantReadACP' | 'GrantWriteACP' | 'GrantFullControl'>> {
  if (acl) return { ACL: acl as ObjectCannedACL };
  const { GetObjectAclCommand } = await import('@aws-sdk/client-s3');
  const res = await s3.send(new GetObjectAclCommand({ Bucket: v.bucket, Key: v.key, VersionId: v.versionId })).catch((err: unknown) => {
    throw new CliError(`cannot read the ACL of version ${v.versionId} of ${s3Url(v)} (${describeError(err)}): choose the copy's ACL with --acl`);
  });
  return grantHeaders(res.Grants ?? [], res.Owner?.ID);
}

function encryptionOf(head: HeadObjectCommandOutput): Pick<CopyObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId'> {
  if (head.ServerSideEncryption === 'aws:kms') return { ServerSideEncryption: 'aws:kms', ...(head.SSEKMSKeyId ? { SSEKMSKeyId: head.SSEKMSKeyId } : {}) };
  if (head.ServerSideEncryption === 'AES256') return { ServerSideEncryption: 'AES256' };
  return {};
}

/** Copies the version over its key; resolves to the new current version's id (undefined where the answer has none). */
export async function restoreVersion(s3: S3Client, v: VersionRef, opts: RestoreOptions = {}): Promise<string | undefined> {
  const sdk = await import('@aws-sdk/client-s3');
  const head = opts.head ?? (await headVersion(s3, v));
  const acl = await aclOf(s3, v, opts.acl);
  const size = head.ContentLength ?? 0;
  const storageClass = head.StorageClass && head.StorageClass !== 'STANDARD' ? { StorageClass: head.StorageClass } : {};
  const threshold = multipartCopyThreshold();
  if (size > threshold) {
    const tags = await s3.send(new sdk.GetObjectTaggingCommand({ Bucket: v.bucket, Key: v.key, VersionId: v.versionId }));
    const tagging = new URLSearchParams((tags.TagSet ?? []).map((t): [string, string] => [t.Key ?? '', t.Value ?? ''])).toString();
    return copyInParts(s3, {
      bucket: v.bucket,
      key: v.key,
      copySource: copySourceOf(v),
      size,
      sourceETag: head.ETag,
      threshold,
      create: {
        ContentType: head.ContentType,
        CacheControl: head.CacheControl,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        ContentLanguage: head.ContentLanguage,
        Expires: head.Expires,
        Metadata: head.Metadata,
        ...(tagging ? { Tagging: tagging } : {}),
        ...storageClass,
        ...acl,
        ...encryptionOf(head),
      },
    });
  }
  const res = await s3.send(
    new sdk.CopyObjectCommand({
      Bucket: v.bucket,
      Key: v.key,
      CopySource: copySourceOf(v),
      ...storageClass,
      ...acl,
      ...encryptionOf(head),
    }),
  );
  return res.VersionId;
}
