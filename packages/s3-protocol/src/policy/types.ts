/** A validated bucket policy, normalised (single values become arrays). */

export type PolicyEffect = 'Allow' | 'Deny';

/** `"*"` or `{ AWS | Service | CanonicalUser | Federated: [...] }`. */
export type PolicyPrincipal = '*' | Record<string, string[]>;

export interface PolicyStatement {
  sid?: string;
  effect: PolicyEffect;
  /** Exactly one of principal / notPrincipal is set. */
  principal?: PolicyPrincipal;
  notPrincipal?: PolicyPrincipal;
  /** Exactly one of actions / notActions is set. */
  actions?: string[];
  notActions?: string[];
  /** Exactly one of resources / notResources is set. */
  resources?: string[];
  notResources?: string[];
  /** The statement carries a Condition block. */
  hasCondition: boolean;
  /** Its conditions, one per (operator, key): all must hold (conditions.ts). */
  conditions?: PolicyCondition[];
}

/** `"Condition": { operator: { key: values } }`, one entry per key. Keys are lower-cased (IAM keys are case-insensitive). */
export interface PolicyCondition {
  operator: string;
  key: string;
  values: string[];
}

export interface BucketPolicy {
  version: '2012-10-17' | '2008-10-17';
  id?: string;
  statements: PolicyStatement[];
}

export type PolicyValidationResult = { ok: true; policy: BucketPolicy } | { ok: false; status: 400; code: 'MalformedPolicy'; message: string };

/** s3:PutObjectAcl: a write that also sets the new object's ACL (a POST Object form's `acl` field). */
export type AnonymousAction = 's3:GetObject' | 's3:ListBucket' | 's3:PutObject' | 's3:PutObjectAcl';

/** Canned ACLs (https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#canned-acl). */
export type CannedAcl = 'private' | 'public-read' | 'public-read-write' | 'authenticated-read' | 'aws-exec-read' | 'bucket-owner-read' | 'bucket-owner-full-control' | 'log-delivery-write';
