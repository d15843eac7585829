/**
 * ACLs: the grants of each canned ACL, `x-amz-grant-*` headers, AccessControlPolicy documents,
 * the object ACL a stored object has, and what a grant permits.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { CannedAcl, ObjectMetadata } from '@bucketfront/object-store';
import { ALL_USERS_URI, AUTHENTICATED_USERS_URI, AccessControlPolicyXml, LOG_DELIVERY_URI, S3Error, type AccessControlPolicy, type Grant, type Owner, type Permission } from '@bucketfront/s3-protocol';
import type { UserDirectory } from '../users/directory.js';
import { readSmallBody } from './body.js';
import type { Caller, S3Context } from './context.js';
import { cannedAclFrom, headerValue } from './object-headers.js';

const user = (o: Owner, permission: Permission): Grant => ({ grantee: { type: 'CanonicalUser', ...o }, permission });
const group = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });

/**
 * A canned ACL's grants (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl).
 * `bucketOwner` is the owner of the object's bucket (bucket-owner-read / -full-control); those
 * two add nothing when the object's owner is the bucket's owner.
 */
export function cannedGrants(acl: CannedAcl, owner: Owner, bucketOwner: Owner = owner): Grant[] {
  const grants: Grant[] = [];
  const other = bucketOwner.id !== owner.id;
  switch (acl) {
    case 'public-read':
      grants.push(group(ALL_USERS_URI, 'READ'));
      break;
    case 'public-read-write':
      grants.push(group(ALL_USERS_URI, 'READ'), group(ALL_USERS_URI, 'WRITE'));
      break;
    case 'authenticated-read':
      grants.push(group(AUTHENTICATED_USERS_URI, 'READ'));
      break;
    case 'bucket-owner-read':
      if (other) grants.push(user(bucketOwner, 'READ'));
      break;
    case 'bucket-owner-full-control':
      if (other) grants.push(user(bucketOwner, 'FULL_CONTROL'));
      break;
    case 'log-delivery-write':
      grants.push(group(LOG_DELIVERY_URI, 'WRITE'), group(LOG_DELIVERY_URI, 'READ_ACP'));
      break;
    default: // private; aws-exec-read (EC2's READ has no grantee here)
  }
  // The owner's FULL_CONTROL after the groups' grants, as RGW lists them (the order carries no
  // meaning; ceph/s3-tests compare lists in order); a bucket owner's grant after the owner's.
  const bucketOwnerGrant = grants.findIndex((g) => g.grantee.type === 'CanonicalUser');
  grants.splice(bucketOwnerGrant === -1 ? grants.length : bucketOwnerGrant, 0, user(owner, 'FULL_CONTROL'));
  return grants;
}

/** The AccessControlPolicy of a canned ACL. */
export function aclDocument(owner: Owner, acl: CannedAcl, bucketOwner: Owner = owner): AccessControlPolicy {
  return { owner, grants: cannedGrants(acl, owner, bucketOwner) };
}

/** A user's Owner element (display name from the directory when known). */
export function ownerById(users: Pick<UserDirectory, 'userById'>, id: string): Owner {
  const u = users.userById(id);
  return u === undefined ? { id } : { id, displayName: u.displayName };
}

/** The owner of a stored object or upload: its writer (metadata `owner`), else the bucket's owner. */
export function objectOwner(md: ObjectMetadata, bucketOwner: Owner, users: Pick<UserDirectory, 'userById'>): Owner {
  return md.owner === undefined || md.owner === bucketOwner.id ? bucketOwner : ownerById(users, md.owner);
}

/** The ACL of a stored object: its owner (the writer; else the bucket's owner) and its grants. */
export function objectAcl(md: ObjectMetadata, bucketOwner: Owner, users: Pick<UserDirectory, 'userById'>): AccessControlPolicy {
  const owner = objectOwner(md, bucketOwner, users);
  if (md.grants !== undefined) return { owner, grants: JSON.parse(md.grants) as Grant[] };
  return aclDocument(owner, md.acl ?? 'private', bucketOwner);
}

// ------------------------------------------------------------------ what a grant permits

const PUBLIC_GROUPS = new Set([ALL_USERS_URI, AUTHENTICATED_USERS_URI]);

/** A grant to everyone or to every signed-in user (what Block Public Access calls public). */
export const isPublicGrant = (g: Grant): boolean => g.grantee.type === 'Group' && PUBLIC_GROUPS.has(g.grantee.uri);

/** Does one of `grants` give `caller` `permission` (FULL_CONTROL gives all)? IgnorePublicAcls drops the public ones. */
export function grantsPermit(grants: readonly Grant[], caller: Caller, permission: Permission, ignorePublic = false): boolean {
  return grants.some((g) => {
    if (g.permission !== permission && g.permission !== 'FULL_CONTROL') return false;
    const e = g.grantee;
    if (e.type === 'CanonicalUser') return caller.kind === 'user' && e.id === caller.id;
    if (e.type !== 'Group' || (ignorePublic && PUBLIC_GROUPS.has(e.uri))) return false;
    return e.uri === ALL_USERS_URI || (e.uri === AUTHENTICATED_USERS_URI && caller.kind === 'user');
  });
}

// ------------------------------------------------------------------ request input

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectAcl.html#API_PutObjectAcl_RequestSyntax */
const GRANT_HEADERS: ReadonlyArray<[string, Permission]> = [
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
];
const KNOWN_GROUPS = new Set([ALL_USERS_URI, AUTHENTICATED_USERS_URI, LOG_DELIVERY_URI]);
/** `id="…"`, `emailAddress="…"` or `uri="…"` (quotes optional), comma-separated. */
const GRANTEE_TOKEN = /^\s*(id|emailaddress|uri)\s*=\s*"?([^",]*)"?\s*$/i;

/** The `x-amz-grant-*` headers as (unresolved) grants; undefined when none is sent. */
export function grantsFromHeaders(headers: IncomingHttpHeaders): Grant[] | undefined | S3Error {
  let grants: Grant[] | undefined;
  for (const [name, permission] of GRANT_HEADERS) {
    const value = headerValue(headers, name);
    if (value === undefined) continue;
    grants ??= [];
    for (const token of value.split(',')) {
      const m = GRANTEE_TOKEN.exec(token);
      if (m === null) return new S3Error('InvalidArgument', 'Argument format not recognized', { ArgumentName: name, ArgumentValue: value });
      const kind = m[1]!.toLowerCase();
      const v = m[2]!;
      if (kind === 'id') grants.push({ grantee: { type: 'CanonicalUser', id: v }, permission });
      else if (kind === 'uri') grants.push({ grantee: { type: 'Group', uri: v }, permission });
      else grants.push({ grantee: { type: 'AmazonCustomerByEmail', emailAddress: v }, permission });
    }
  }
  return grants;
}

/** Grantees by e-mail become canonical users; unknown users and groups are AWS's errors. */
export function resolveGrants(grants: readonly Grant[], users: Pick<UserDirectory, 'userById' | 'userByEmail'>): Grant[] | S3Error {
  const out: Grant[] = [];
  for (const g of grants) {
    const e = g.grantee;
    if (e.type === 'Group') {
      if (!KNOWN_GROUPS.has(e.uri)) return new S3Error('InvalidArgument', 'Invalid group uri', { ArgumentName: 'Group/URI', ArgumentValue: e.uri });
      out.push(g);
    } else if (e.type === 'AmazonCustomerByEmail') {
      const u = users.userByEmail(e.emailAddress);
      if (u === undefined) return new S3Error('UnresolvableGrantByEmailAddress', undefined, { EmailAddress: e.emailAddress });
      out.push(user({ id: u.id, displayName: u.displayName }, g.permission));
    } else {
      const u = users.userById(e.id);
      if (u === undefined) return new S3Error('InvalidArgument', 'Invalid id', { ArgumentName: 'CanonicalUser/ID', ArgumentValue: e.id });
      out.push(user({ id: u.id, displayName: u.displayName }, g.permission));
    }
  }
  // Group grants first, as RGW lists them (cannedGrants' order; the order carries no meaning).
  return [...out.filter((g) => g.grantee.type === 'Group'), ...out.filter((g) => g.grantee.type !== 'Group')];
}

/**
 * The ACL a write asks for with headers (`x-amz-acl` or `x-amz-grant-*`): a canned ACL, explicit
 * grants (resolved), or nothing. Both at once is InvalidRequest, as S3 answers.
 */
export function aclFromHeaders(headers: IncomingHttpHeaders, users: Pick<UserDirectory, 'userById' | 'userByEmail'>): { canned?: CannedAcl; grants?: Grant[] } | S3Error {
  const canned = cannedAclFrom(headers);
  if (canned instanceof S3Error) return canned;
  const raw = grantsFromHeaders(headers);
  if (raw instanceof S3Error) return raw;
  if (canned !== undefined && raw !== undefined) return new S3Error('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed');
  if (raw === undefined) return canned === undefined ? {} : { canned };
  const grants = resolveGrants(raw, users);
  return grants instanceof S3Error ? grants : { grants };
}

/**
 * PutBucketAcl / PutObjectAcl input: a canned ACL, grant headers, or an AccessControlPolicy
 * body, exactly one. The body's Owner, when sent, must be the resource's owner (else AccessDenied).
 * `owner` / `bucketOwner` expand a canned ACL to its grants.
 */
export async function aclInput(ctx: S3Context, owner: Owner, bucketOwner: Owner): Promise<{ policy: AccessControlPolicy; canned?: CannedAcl } | S3Error> {
  const fromHeaders = aclFromHeaders(ctx.req.headers, ctx.users);
  if (fromHeaders instanceof S3Error) return fromHeaders;
  const body = await readSmallBody(ctx, 64 * 1024, 'MalformedACLError');
  if (body instanceof S3Error) return body;
  const headerAcl = fromHeaders.canned !== undefined || fromHeaders.grants !== undefined;
  if (body.length > 0) {
    if (headerAcl) return new S3Error('UnexpectedContent', 'This request does not support content');
    const doc = AccessControlPolicyXml.parse(body);
    if (doc instanceof S3Error) return doc;
    if (doc.owner !== undefined && doc.owner.id !== owner.id) return new S3Error('AccessDenied');
    const grants = resolveGrants(doc.grants, ctx.users);
    return grants instanceof S3Error ? grants : { policy: { owner, grants } };
  }
  if (fromHeaders.canned !== undefined) return { policy: aclDocument(owner, fromHeaders.canned, bucketOwner), canned: fromHeaders.canned };
  if (fromHeaders.grants !== undefined) return { policy: { owner, grants: fromHeaders.grants } };
  return new S3Error('MissingSecurityHeader', 'Your request was missing a required header', { MissingHeaderName: 'x-amz-acl' });
}
