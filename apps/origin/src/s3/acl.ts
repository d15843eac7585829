/** Canned ACL → AccessControlPolicy document, and the header-only Put*Acl input. */
import type { CannedAcl } from '@bucketfront/object-store';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, S3Error, type AccessControlPolicy, type Grant, type Owner } from '@bucketfront/s3-protocol';
import { readSmallBody } from './body.js';
import type { S3Context } from './context.js';
import { cannedAclFrom } from './object-headers.js';

/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl */
export function aclDocument(owner: Owner, acl: CannedAcl): AccessControlPolicy {
  const grants: Grant[] = [{ grantee: { type: 'CanonicalUser', ...owner }, permission: 'FULL_CONTROL' }];
  if (acl === 'public-read' || acl === 'public-read-write') {
    grants.push({ grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'READ' });
  }
  if (acl === 'public-read-write') grants.push({ grantee: { type: 'Group', uri: ALL_USERS_URI }, permission: 'WRITE' });
  if (acl === 'authenticated-read') grants.push({ grantee: { type: 'Group', uri: AUTHENTICATED_USERS_URI }, permission: 'READ' });
  return { owner, grants };
}

/**
 * PutBucketAcl / PutObjectAcl input. Deviation from S3: only the canned
 * `x-amz-acl` header is supported; grant headers and ACL documents → NotImplemented.
 */
export async function cannedAclInput(ctx: S3Context): Promise<CannedAcl | S3Error> {
  for (const h of Object.keys(ctx.req.headers)) {
    if (h.startsWith('x-amz-grant-')) return new S3Error('NotImplemented', 'Only canned ACLs (x-amz-acl) are supported');
  }
  const acl = cannedAclFrom(ctx.req.headers);
  if (acl instanceof S3Error) return acl;
  const body = await readSmallBody(ctx, 64 * 1024, 'MalformedACLError');
  if (body instanceof S3Error) return body;
  if (acl !== undefined) return acl;
  if (body.length > 0) return new S3Error('NotImplemented', 'Only canned ACLs (x-amz-acl) are supported');
  return new S3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' });
}
