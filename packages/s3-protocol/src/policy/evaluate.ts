/**
 * Can an anonymous user (Principal "*") read an object or list a bucket?
 *
 * Follows the IAM evaluation logic for a single resource-based policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny wins, then an Allow from the policy or from an ACL, else
 * the implicit deny. ACL grants
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl):
 * a bucket ACL public-read(-write) lets AllUsers list the bucket; an object
 * ACL public-read(-write) lets AllUsers read that object; only a bucket ACL
 * public-read-write (WRITE for AllUsers) lets them write objects (s3:PutObject,
 * what an unsigned browser form upload needs, and s3:PutObjectAcl for a form that sets the
 * new object's ACL; a bucket policy must grant that action itself:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_Permissions).
 *
 * Conditions are not evaluated (we do not model request context keys such as
 * aws:Referer or aws:SourceIp). Deviation from S3, chosen to fail closed:
 * an Allow with a Condition never grants, and a Deny with a Condition always
 * applies.
 *
 * Deviation from S3: Block Public Access is not modelled (no store setting).
 */
import type { AnonymousAction, CannedAcl, BucketPolicy, PolicyPrincipal, PolicyStatement } from './types.js';
import { validateBucketPolicy } from './validate.js';
import { matchesWildcard } from './wildcard.js';

export interface AnonymousAccessRequest {
  /** The validated policy, or … */
  policy?: BucketPolicy | null;
  /** … its JSON (validated here; an invalid document counts as no policy). */
  policyJson?: string | null;
  bucketAcl?: CannedAcl;
  objectAcl?: CannedAcl;
  action: AnonymousAction;
  bucket: string;
  /** The object key for s3:GetObject, s3:PutObject and s3:PutObjectAcl. */
  key?: string;
}

export type AccessDecision = 'allow' | 'deny';

const PUBLIC_ACLS: ReadonlySet<CannedAcl> = new Set<CannedAcl>(['public-read', 'public-read-write']);

function includesAnonymous(principal: PolicyPrincipal): boolean {
  return principal === '*' || (principal.AWS?.includes('*') ?? false);
}

/** Does the statement's Principal / NotPrincipal cover the anonymous user? */
function coversAnonymous(s: PolicyStatement): boolean {
  if (s.principal) return includesAnonymous(s.principal);
  // NotPrincipal: everyone except those listed; "*" excludes everyone.
  return s.notPrincipal ? !includesAnonymous(s.notPrincipal) : false;
}

function anyMatch(patterns: string[], value: string, ignoreCase: boolean): boolean {
  return patterns.some((p) => matchesWildcard(p, value, { ignoreCase }));
}

function coversAction(s: PolicyStatement, action: string): boolean {
  // Action names are case-insensitive.
  if (s.actions) return anyMatch(s.actions, action, true);
  return s.notActions ? !anyMatch(s.notActions, action, true) : false;
}

function coversResource(s: PolicyStatement, arn: string): boolean {
  // ARNs are case-sensitive.
  if (s.resources) return anyMatch(s.resources, arn, false);
  return s.notResources ? !anyMatch(s.notResources, arn, false) : false;
}

/** The policy's verdict alone: 'deny' (explicit), 'allow', or null (no statement applies). */
export function evaluatePolicy(policy: BucketPolicy, action: AnonymousAction, resourceArn: string): 'allow' | 'deny' | null {
  let allowed = false;
  for (const s of policy.statements) {
    if (!coversAnonymous(s) || !coversAction(s, action) || !coversResource(s, resourceArn)) continue;
    if (s.effect === 'Deny') return 'deny'; // explicit Deny wins, conditional or not (fail closed)
    if (!s.hasCondition) allowed = true; // a conditional Allow never grants (fail closed)
  }
  return allowed ? 'allow' : null;
}

export function resourceArnFor(action: AnonymousAction, bucket: string, key = ''): string {
  return action === 's3:ListBucket' ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

export function evaluateAnonymousAccess(req: AnonymousAccessRequest): AccessDecision {
  let policy = req.policy ?? null;
  if (!policy && req.policyJson) {
    const parsed = validateBucketPolicy(req.policyJson, req.bucket);
    policy = parsed.ok ? parsed.policy : null;
  }
  const verdict = policy ? evaluatePolicy(policy, req.action, resourceArnFor(req.action, req.bucket, req.key)) : null;
  if (verdict === 'deny') return 'deny';
  if (verdict === 'allow') return 'allow';
  // WRITE for AllUsers lets them create objects, which they own and so may give an ACL.
  if (req.action === 's3:PutObject' || req.action === 's3:PutObjectAcl') return req.bucketAcl === 'public-read-write' ? 'allow' : 'deny';
  const acl = req.action === 's3:ListBucket' ? req.bucketAcl : req.objectAcl;
  return acl !== undefined && PUBLIC_ACLS.has(acl) ? 'allow' : 'deny';
}
