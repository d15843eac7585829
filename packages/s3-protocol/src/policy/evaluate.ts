/**
 * Bucket policy evaluation for one request: who (anonymous or a user), which IAM action, which
 * resource ARN, and the request's condition keys.
 *
 * Follows the IAM evaluation logic for a single resource-based policy
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 * an explicit Deny wins, then an Allow, else no verdict (ACLs and ownership decide next; the
 * whole order S3 applies is in the origin's s3/authorize.ts and docs/access-control.md).
 *
 * Conditions are evaluated by conditions.ts. An operator we do not implement, or a request whose
 * context is not known (the website path), fails closed: such an Allow never grants, such a Deny
 * always applies.
 */
import { conditionsHold, type ConditionContext } from './conditions.js';
import type { AnonymousAction, CannedAcl, BucketPolicy, PolicyCondition, PolicyPrincipal, PolicyStatement } from './types.js';
import { validateBucketPolicy } from './validate.js';
import { matchesWildcard } from './wildcard.js';

/**
 * Who asks. A user is named in a policy by its canonical id (`{"CanonicalUser": id}`,
 * `{"AWS": id}`) or by an IAM ARN of one of its `accounts` (`arn:aws:iam::ACCOUNT:root` or
 * `…:user/NAME`): bucketfront has no AWS accounts, a user is its own account, named by its
 * canonical id or its display name.
 */
export type PolicyCaller = { kind: 'anonymous' } | { kind: 'user'; id: string; accounts: readonly string[] };

export interface PolicyRequest {
  caller: PolicyCaller;
  /** e.g. `s3:GetObject`. */
  action: string;
  /** `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`. */
  resourceArn: string;
  /** Condition keys of the request (lower case). Absent: unknown, so every condition fails closed. */
  context?: ConditionContext;
  /** RestrictPublicBuckets: Allow statements that are public (isPublicStatement) do not grant. */
  ignorePublicAllows?: boolean;
}

export type AccessDecision = 'allow' | 'deny';

const IAM_ARN = /^arn:aws[a-z-]*:iam::([^:]+):(?:root|user\/(.+))$/;

function principalNames(principal: PolicyPrincipal, caller: PolicyCaller): boolean {
  if (principal === '*') return true;
  const aws = principal.AWS ?? [];
  if (aws.includes('*')) return true;
  if (caller.kind === 'anonymous') return false;
  if (principal.CanonicalUser?.includes(caller.id)) return true;
  return aws.some((p) => {
    if (p === caller.id) return true;
    const m = IAM_ARN.exec(p);
    return m !== null && (caller.accounts.includes(m[1]!) || (m[2] !== undefined && caller.accounts.includes(m[2])));
  });
}

/** Does the statement's Principal / NotPrincipal cover the caller? */
function coversCaller(s: PolicyStatement, caller: PolicyCaller): boolean {
  if (s.principal) return principalNames(s.principal, caller);
  // NotPrincipal: everyone except those listed; "*" excludes everyone.
  return s.notPrincipal ? !principalNames(s.notPrincipal, caller) : false;
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
export function evaluatePolicy(policy: BucketPolicy, req: PolicyRequest): 'allow' | 'deny' | null {
  let allowed = false;
  const context = req.context;
  for (const s of policy.statements) {
    if (!coversCaller(s, req.caller) || !coversAction(s, req.action) || !coversResource(s, req.resourceArn)) continue;
    const holds = context !== undefined ? conditionsHold(s.conditions, context) : s.hasCondition ? undefined : true;
    if (s.effect === 'Deny') {
      if (holds !== false) return 'deny'; // an unknown operator: the Deny applies (fail closed)
    } else if (holds === true && !(req.ignorePublicAllows === true && isPublicStatement(s))) allowed = true;
  }
  return allowed ? 'allow' : null;
}

/**
 * Condition keys whose fixed values make a statement non-public
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
 */
const FIXED_VALUE_KEYS = new Set([
  'aws:sourceip',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceaccount',
  'aws:sourceowner',
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:userid',
  's3:dataaccesspointaccount',
  's3:dataaccesspointarn',
]);
const FIXING_OPERATORS = /^(stringequals|stringequalsignorecase|arnequals|ipaddress|stringlike|arnlike)(ifexists)?$/i;

function fixesValue(c: PolicyCondition): boolean {
  if (!FIXED_VALUE_KEYS.has(c.key) || !FIXING_OPERATORS.test(c.operator)) return false;
  // A wildcard or an all-addresses block fixes nothing.
  return c.values.every((v) => !v.includes('*') && !/\/0$/.test(v));
}

/** An Allow that grants to everyone: Principal "*" (or a NotPrincipal) without a fixed-value condition. */
export function isPublicStatement(s: PolicyStatement): boolean {
  if (s.effect !== 'Allow') return false;
  const everyone = s.notPrincipal !== undefined || (s.principal !== undefined && principalNames(s.principal, { kind: 'anonymous' }));
  return everyone && !(s.conditions ?? []).some(fixesValue);
}

/** GetBucketPolicyStatus IsPublic. */
export function isPublicPolicy(policy: BucketPolicy): boolean {
  return policy.statements.some(isPublicStatement);
}

// ------------------------------------------------------------ anonymous callers with canned ACLs

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

const PUBLIC_ACLS: ReadonlySet<CannedAcl> = new Set<CannedAcl>(['public-read', 'public-read-write']);

export function resourceArnFor(action: string, bucket: string, key = ''): string {
  return action === 's3:ListBucket' ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`;
}

/**
 * Principal "*" with canned ACLs only (a bucket without grants documents): the policy, then
 * AllUsers READ (public-read / public-read-write) and, for writes, the bucket's AllUsers WRITE.
 */
export function evaluateAnonymousAccess(req: AnonymousAccessRequest): AccessDecision {
  let policy = req.policy ?? null;
  if (!policy && req.policyJson) {
    const parsed = validateBucketPolicy(req.policyJson, req.bucket);
    policy = parsed.ok ? parsed.policy : null;
  }
  const resourceArn = resourceArnFor(req.action, req.bucket, req.key);
  const verdict = policy ? evaluatePolicy(policy, { caller: { kind: 'anonymous' }, action: req.action, resourceArn }) : null;
  if (verdict === 'deny') return 'deny';
  if (verdict === 'allow') return 'allow';
  // WRITE for AllUsers lets them create objects, which they own and so may give an ACL.
  if (req.action === 's3:PutObject' || req.action === 's3:PutObjectAcl') return req.bucketAcl === 'public-read-write' ? 'allow' : 'deny';
  const acl = req.action === 's3:ListBucket' ? req.bucketAcl : req.objectAcl;
  return acl !== undefined && PUBLIC_ACLS.has(acl) ? 'allow' : 'deny';
}
