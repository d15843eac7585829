/**
 * The one authorization step: may this caller run this operation on this bucket / key?
 * Runs after the signature check and before the handler (router.ts `dispatch`), except for
 * GetObject / HeadObject, whose handler decides with the object's ACL once it has the object's
 * metadata (read-object.ts; no extra store read), and PostObject, authorized by its form.
 *
 * S3's order (https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-s3-evaluates-access-control.html,
 * docs/access-control.md):
 *  1. an explicit Deny in the bucket policy → denied;
 *  2. an Allow in the bucket policy → allowed (RestrictPublicBuckets: a public Allow counts only
 *     for the bucket owner);
 *  3. the bucket owner → allowed for bucket operations;
 *  4. ACL grants: the bucket ACL for bucket operations and object writes, the object ACL for object
 *     reads and object ACL operations (the object's owner has them all). IgnorePublicAcls drops
 *     grants to AllUsers / AuthenticatedUsers; BucketOwnerEnforced ignores ACLs altogether;
 *  5. else denied.
 */
import type { IncomingMessage } from 'node:http';
import { isStoreError, type ObjectInfo, type ObjectMetadata, type ObjectStore } from '@bucketfront/object-store';
import { evaluatePolicy, S3Error, type ConditionContext, type Permission, type PolicyCaller, type S3Operation } from '@bucketfront/s3-protocol';
import { grantsPermit, objectAcl } from './acl.js';
import type { BucketFacts } from './bucket-facts.js';
import { loadBucketFacts } from './bucket-facts.js';
import { bucketAclOf } from './bucket-owner.js';
import type { Caller, S3Context } from './context.js';
import type { UserDirectory } from '../users/directory.js';
import { replicaNeedOf } from './replica-writes.js';

/** What an operation needs: its IAM action, and which ACL (if any) can grant it. */
export interface Need {
  action: string;
  /** `bucket` / `object`: that ACL's `permission` grants it; `owner`: only the bucket owner (or the policy); `user`: any signed caller. */
  grantedBy: 'bucket' | 'object' | 'owner' | 'user';
  permission?: Permission;
}

const bucketAcl = (action: string, permission: Permission): Need => ({ action, grantedBy: 'bucket', permission });
const objectAclNeed = (action: string, permission: Permission): Need => ({ action, grantedBy: 'object', permission });
const ownerOnly = (action: string): Need => ({ action, grantedBy: 'owner' });

export const LIST_BUCKET = bucketAcl('s3:ListBucket', 'READ');
export const GET_OBJECT = objectAclNeed('s3:GetObject', 'READ');
/** GetObject / HeadObject / a copy source naming a version: s3:GetObjectVersion, granted by the version's READ. */
export const GET_OBJECT_VERSION = objectAclNeed('s3:GetObjectVersion', 'READ');
const DELETE_OBJECT = bucketAcl('s3:DeleteObject', 'WRITE');
/** DeleteObject with a versionId removes that version for good: s3:DeleteObjectVersion. */
export const DELETE_OBJECT_VERSION = bucketAcl('s3:DeleteObjectVersion', 'WRITE');
const GET_OBJECT_VERSION_ATTRIBUTES = objectAclNeed('s3:GetObjectVersionAttributes', 'READ');
const GET_OBJECT_VERSION_ACL = objectAclNeed('s3:GetObjectVersionAcl', 'READ_ACP');
const GET_OBJECT_VERSION_TAGGING = objectAclNeed('s3:GetObjectVersionTagging', 'READ');
const PUT_OBJECT_VERSION_ACL = objectAclNeed('s3:PutObjectVersionAcl', 'WRITE_ACP');
const PUT_OBJECT_VERSION_TAGGING = objectAclNeed('s3:PutObjectVersionTagging', 'WRITE_ACP');
const DELETE_OBJECT_VERSION_TAGGING = objectAclNeed('s3:DeleteObjectVersionTagging', 'WRITE_ACP');
export const PUT_OBJECT = bucketAcl('s3:PutObject', 'WRITE');
/** A write that also sets the new object's ACL (a POST form's `acl` field): the bucket's WRITE lets the writer own it. */
export const PUT_OBJECT_ACL_ON_WRITE = bucketAcl('s3:PutObjectAcl', 'WRITE');

/**
 * Every operation's IAM action (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html)
 * and the ACL permission that grants it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions).
 * null: not authorized here (a CORS preflight; PostObject's form; NotImplemented answers 501 to signed callers).
 */
export const NEEDS: { [Name in S3Operation['op']]: Need | null } = {
  ListBuckets: { action: 's3:ListAllMyBuckets', grantedBy: 'user' },
  CreateBucket: { action: 's3:CreateBucket', grantedBy: 'user' },
  DeleteBucket: ownerOnly('s3:DeleteBucket'),
  HeadBucket: LIST_BUCKET,
  GetBucketLocation: ownerOnly('s3:GetBucketLocation'),
  ListObjects: LIST_BUCKET,
  ListObjectsV2: LIST_BUCKET,
  ListObjectVersions: bucketAcl('s3:ListBucketVersions', 'READ'),
  ListMultipartUploads: bucketAcl('s3:ListBucketMultipartUploads', 'READ'),
  DeleteObjects: bucketAcl('s3:DeleteObject', 'WRITE'),
  PutBucketWebsite: ownerOnly('s3:PutBucketWebsite'),
  GetBucketWebsite: ownerOnly('s3:GetBucketWebsite'),
  DeleteBucketWebsite: ownerOnly('s3:DeleteBucketWebsite'),
  PutBucketPolicy: ownerOnly('s3:PutBucketPolicy'),
  GetBucketPolicy: ownerOnly('s3:GetBucketPolicy'),
  DeleteBucketPolicy: ownerOnly('s3:DeleteBucketPolicy'),
  PutBucketEncryption: ownerOnly('s3:PutEncryptionConfiguration'),
  GetBucketEncryption: ownerOnly('s3:GetEncryptionConfiguration'),
  DeleteBucketEncryption: ownerOnly('s3:PutEncryptionConfiguration'),
  PutBucketNotificationConfiguration: ownerOnly('s3:PutBucketNotification'),
  GetBucketNotificationConfiguration: ownerOnly('s3:GetBucketNotification'),
  PutBucketAcl: bucketAcl('s3:PutBucketAcl', 'WRITE_ACP'),
  GetBucketAcl: bucketAcl('s3:GetBucketAcl', 'READ_ACP'),
  GetBucketVersioning: ownerOnly('s3:GetBucketVersioning'),
  PutBucketVersioning: ownerOnly('s3:PutBucketVersioning'),
  GetBucketCors: ownerOnly('s3:GetBucketCORS'),
  PutBucketCors: ownerOnly('s3:PutBucketCORS'),
  DeleteBucketCors: ownerOnly('s3:PutBucketCORS'),
  GetPublicAccessBlock: ownerOnly('s3:GetBucketPublicAccessBlock'),
  PutPublicAccessBlock: ownerOnly('s3:PutBucketPublicAccessBlock'),
  DeletePublicAccessBlock: ownerOnly('s3:PutBucketPublicAccessBlock'),
  GetBucketOwnershipControls: ownerOnly('s3:GetBucketOwnershipControls'),
  PutBucketOwnershipControls: ownerOnly('s3:PutBucketOwnershipControls'),
  DeleteBucketOwnershipControls: ownerOnly('s3:PutBucketOwnershipControls'),
  GetBucketPolicyStatus: ownerOnly('s3:GetBucketPolicyStatus'),
  GetBucketLogging: ownerOnly('s3:GetBucketLogging'),
  PutBucketLogging: ownerOnly('s3:PutBucketLogging'),
  PutBucketReplication: ownerOnly('s3:PutReplicationConfiguration'),
  GetBucketReplication: ownerOnly('s3:GetReplicationConfiguration'),
  DeleteBucketReplication: ownerOnly('s3:PutReplicationConfiguration'),
  OptionsBucket: null,
  OptionsObject: null,
  PostObject: null,
  PutObject: PUT_OBJECT,
  CopyObject: PUT_OBJECT,
  GetObject: GET_OBJECT,
  HeadObject: GET_OBJECT,
  DeleteObject: DELETE_OBJECT,
  CreateMultipartUpload: PUT_OBJECT,
  PutObjectAcl: objectAclNeed('s3:PutObjectAcl', 'WRITE_ACP'),
  GetObjectAcl: objectAclNeed('s3:GetObjectAcl', 'READ_ACP'),
  PutObjectTagging: objectAclNeed('s3:PutObjectTagging', 'WRITE_ACP'),
  GetObjectTagging: objectAclNeed('s3:GetObjectTagging', 'READ'),
  DeleteObjectTagging: objectAclNeed('s3:DeleteObjectTagging', 'WRITE_ACP'),
  GetObjectAttributes: objectAclNeed('s3:GetObjectAttributes', 'READ'),
  GetObjectTorrent: objectAclNeed('s3:GetObjectTorrent', 'READ'),
  CompleteMultipartUpload: PUT_OBJECT,
  AbortMultipartUpload: bucketAcl('s3:AbortMultipartUpload', 'WRITE'),
  ListParts: bucketAcl('s3:ListMultipartUploadParts', 'READ'),
  UploadPart: PUT_OBJECT,
  UploadPartCopy: PUT_OBJECT,
  NotImplemented: null,
};

/**
 * What this request needs: the operation's need, or for a request naming a version (`versionId`)
 * the version action S3 asks for instead (s3:GetObjectVersion, s3:DeleteObjectVersion,
 * s3:PutObjectVersionAcl, s3:PutObjectVersionTagging…).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 */
export function needOf(op: S3Operation): Need | null {
  if (!op.query.has('versionId')) return NEEDS[op.op];
  switch (op.op) {
    case 'GetObject':
    case 'HeadObject':
      return GET_OBJECT_VERSION;
    case 'DeleteObject':
      return DELETE_OBJECT_VERSION;
    case 'GetObjectAttributes':
      return GET_OBJECT_VERSION_ATTRIBUTES;
    case 'GetObjectAcl':
      return GET_OBJECT_VERSION_ACL;
    case 'GetObjectTagging':
      return GET_OBJECT_VERSION_TAGGING;
    case 'PutObjectAcl':
      return PUT_OBJECT_VERSION_ACL;
    case 'PutObjectTagging':
      return PUT_OBJECT_VERSION_TAGGING;
    case 'DeleteObjectTagging':
      return DELETE_OBJECT_VERSION_TAGGING;
    default:
      return NEEDS[op.op];
  }
}

/**
 * Operations whose handler runs the object step itself: it reads the metadata anyway, of the
 * version the request names, whose ACL decides (not the current object's).
 */
const HANDLER_CHECKS_OBJECT = new Set<S3Operation['op']>(['GetObject', 'HeadObject', 'GetObjectAttributes']);

/** The central step (router.ts): null when the request may proceed, else its error. */
export async function authorize(ctx: S3Context): Promise<S3Error | null> {
  const op = ctx.op;
  ctx.checkedObject = undefined;
  // A replica write (s3/replica-writes.ts) needs s3:ReplicateObject / s3:ReplicateDelete instead.
  const need = replicaNeedOf(ctx) ?? needOf(op);
  if (need === null) return ctx.caller.kind === 'anonymous' && op.op === 'NotImplemented' ? new S3Error('AccessDenied') : null;
  if (need.grantedBy === 'user' || !('bucket' in op) || op.bucket === undefined) return ctx.caller.kind === 'user' ? null : new S3Error('AccessDenied');
  const facts = await loadBucketFacts(ctx.store, op.bucket);
  // The handler answers NoSuchBucket (to anyone, as S3 does).
  if (facts === null) return null;
  if (!isExpectedOwner(ctx.req, bucketAclOf(facts, ctx.users).owner.id)) return new S3Error('AccessDenied');
  const key = 'key' in op ? op.key : undefined;
  if (need.grantedBy === 'object' && HANDLER_CHECKS_OBJECT.has(op.op)) return null;
  let metadata: ObjectMetadata | undefined;
  if (need.grantedBy === 'object' && key !== undefined) {
    const verdict = decide(accessOf(ctx), facts, need, key);
    if (verdict !== 'need-object') return verdict === 'allow' ? null : new S3Error('AccessDenied');
    // The ACL of the version the request names decides (GetObjectAcl, PutObjectTagging… with a versionId).
    const info = await headNamedVersion(ctx.store, op.bucket, key, op.query.get('versionId'));
    ctx.checkedObject = info;
    // A missing key or version, or a delete marker: the handler's 404 / 405 for those who may list
    // the bucket, else AccessDenied.
    if (info === null) return isAllowed(ctx, facts, LIST_BUCKET) ? null : new S3Error('AccessDenied');
    metadata = info.metadata;
  }
  return isAllowed(ctx, facts, need, key, metadata) ? null : new S3Error('AccessDenied');
}

/** The object, or the version `versionId` names; null when there is none (or it is a delete marker, or the id is no id). */
async function headNamedVersion(store: ObjectStore, bucket: string, key: string, versionId: string | undefined): Promise<ObjectInfo | null> {
  try {
    return await store.headObject(bucket, key, versionId !== undefined ? { versionId } : undefined);
  } catch (err) {
    if (isStoreError(err, 'NoSuchVersion') || isStoreError(err, 'MethodNotAllowed') || isStoreError(err, 'InvalidArgument')) return null;
    throw err;
  }
}

/**
 * `x-amz-expected-bucket-owner`: a request naming another owner than the bucket's is refused 403
 * AccessDenied, whoever asks (account ids here are canonical user ids).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html
 */
function isExpectedOwner(req: IncomingMessage, ownerId: string): boolean {
  const expected = req.headers['x-amz-expected-bucket-owner'];
  return expected === undefined || expected === ownerId;
}

/**
 * Who asks, as the decision needs it: the caller, the user directory (owners of buckets and
 * objects), and the request's policy condition keys (computed only when a policy is evaluated).
 */
export interface AccessRequest {
  caller: Caller;
  users: Pick<UserDirectory, 'firstUser' | 'userById'>;
  conditions: () => ConditionContext;
}

const accessOf = (ctx: S3Context): AccessRequest => ({ caller: ctx.caller, users: ctx.users, conditions: () => conditionContext(ctx) });

/** The whole decision, given the object's metadata when the need is the object's ACL. */
export function isAllowed(ctx: S3Context, facts: BucketFacts, need: Need, key?: string, metadata?: ObjectMetadata): boolean {
  return isAllowedFor(accessOf(ctx), facts, need, key, metadata);
}

/** The same decision for a request that is no S3 API request (the website endpoint's anonymous GetObject). */
export function isAllowedFor(access: AccessRequest, facts: BucketFacts, need: Need, key?: string, metadata?: ObjectMetadata): boolean {
  return decide(access, facts, need, key, metadata) === 'allow';
}

function decide(access: AccessRequest, facts: BucketFacts, need: Need, key?: string, metadata?: ObjectMetadata): 'allow' | 'deny' | 'need-object' {
  const caller = access.caller;
  const acl = bucketAclOf(facts, access.users);
  const isBucketOwner = caller.kind === 'user' && caller.id === acl.owner.id;
  const pab = facts.publicAccessBlock;
  if (facts.policy !== null) {
    const resourceArn = key === undefined || need === LIST_BUCKET ? `arn:aws:s3:::${facts.info.name}` : `arn:aws:s3:::${facts.info.name}/${key}`;
    const verdict = evaluatePolicy(facts.policy, {
      caller: policyCaller(caller),
      action: need.action,
      resourceArn,
      context: access.conditions(),
      ignorePublicAllows: pab?.RestrictPublicBuckets === true && !isBucketOwner,
    });
    if (verdict !== null) return verdict;
  }
  const aclsOff = facts.ownership === 'BucketOwnerEnforced';
  const ignorePublic = pab?.IgnorePublicAcls === true;
  switch (need.grantedBy) {
    case 'user':
      return caller.kind === 'user' ? 'allow' : 'deny';
    case 'owner':
      return isBucketOwner ? 'allow' : 'deny';
    case 'bucket':
      return isBucketOwner || (!aclsOff && grantsPermit(acl.grants, caller, need.permission!, ignorePublic)) ? 'allow' : 'deny';
    case 'object': {
      // BucketOwnerEnforced: the bucket owner owns every object; ACLs grant nothing.
      if (aclsOff) return isBucketOwner ? 'allow' : 'deny';
      if (metadata === undefined) return 'need-object';
      const oacl = objectAcl(metadata, acl.owner, access.users);
      if (caller.kind === 'user' && caller.id === oacl.owner.id) return 'allow';
      return grantsPermit(oacl.grants, caller, need.permission!, ignorePublic) ? 'allow' : 'deny';
    }
  }
}

function policyCaller(caller: Caller): PolicyCaller {
  return caller.kind === 'anonymous' ? caller : { kind: 'user', id: caller.id, accounts: [caller.id, caller.displayName] };
}

/**
 * The condition keys of a request (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html):
 * aws:SourceIp, aws:SecureTransport, aws:Referer, aws:UserAgent, aws:username / aws:userid, the
 * listing's s3:prefix / s3:delimiter / s3:max-keys, and every `x-amz-*` request header as
 * `s3:x-amz-*` (s3:x-amz-acl, s3:x-amz-server-side-encryption, s3:x-amz-server-side-encryption-aws-kms-key-id, …).
 */
export function conditionContext(ctx: S3Context): ConditionContext {
  const out = requestConditions(ctx.req, ctx.baseUrl.startsWith('https:'));
  if (ctx.caller.kind === 'user') {
    out['aws:username'] = ctx.caller.displayName;
    out['aws:userid'] = ctx.caller.id;
  }
  const q = ctx.op.query;
  if (ctx.op.op === 'ListObjects' || ctx.op.op === 'ListObjectsV2' || ctx.op.op === 'ListObjectVersions') {
    out['s3:prefix'] = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter');
    if (delimiter !== undefined) out['s3:delimiter'] = delimiter;
    out['s3:max-keys'] = q.get('max-keys') ?? '1000';
  } else if ('key' in ctx.op && ctx.op.key !== undefined) {
    // A read of a missing key is answered 404 only to callers who may list it: s3:ListBucket is
    // then decided as for a listing of the key itself (ceph/s3-tests test_head_object_404_with_policy_prefix).
    out['s3:prefix'] = ctx.op.key;
  }
  for (const [name, value] of Object.entries(ctx.req.headers)) {
    if (name.startsWith('x-amz-') && value !== undefined) out[`s3:${name}`] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** The condition keys any HTTP request has: aws:SourceIp, aws:SecureTransport, aws:Referer, aws:UserAgent. */
export function requestConditions(req: IncomingMessage, isSecure: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const address = req.socket.remoteAddress ?? '';
  out['aws:sourceip'] = address.startsWith('::ffff:') ? address.slice(7) : address;
  out['aws:securetransport'] = isSecure ? 'true' : 'false';
  const referer = req.headers.referer;
  if (referer !== undefined) out['aws:referer'] = referer;
  const ua = req.headers['user-agent'];
  if (ua !== undefined) out['aws:useragent'] = ua;
  return out;
}

/**
 * CopyObject / UploadPartCopy: reading the source needs s3:GetObject on it, s3:GetObjectVersion
 * when the source names a version (the target's s3:PutObject was checked before dispatch).
 */
export async function authorizeCopySource(ctx: S3Context, src: { bucket: string; key: string; versionId?: string }, metadata: ObjectMetadata): Promise<S3Error | undefined> {
  const facts = await loadBucketFacts(ctx.store, src.bucket);
  if (facts === null) return new S3Error('NoSuchBucket', undefined, { BucketName: src.bucket });
  return isAllowed(ctx, facts, src.versionId === undefined ? GET_OBJECT : GET_OBJECT_VERSION, src.key, metadata) ? undefined : new S3Error('AccessDenied');
}
