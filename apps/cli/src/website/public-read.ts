/**
 * The bucket-policy half of `website --public` / `--private`: a statement letting everyone
 * `s3:GetObject` every object of the bucket and nothing else (no `s3:ListBucket`), the policy
 * of S3's website guide
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteAccessPermissionsReqd.html).
 * Pure edits of a policy document: other statements are kept as they are.
 */

/** The Sid of the statement `--public` adds and `--private` removes. */
export const PUBLIC_READ_SID = 'BucketfrontPublicReadGetObject';

type Json = Record<string, unknown>;

export interface PolicyStatementJson extends Json {
  Sid?: string;
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

export const objectsArn = (bucket: string): string => `arn:aws:s3:::${bucket}/*`;

export function publicReadStatement(bucket: string): PolicyStatementJson {
  return { Sid: PUBLIC_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: objectsArn(bucket) };
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Principal `*` or `{ "AWS": "*" }` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous). */
function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  return typeof principal === 'object' && principal !== null && list((principal as Json).AWS).includes('*');
}

/** An unconditional Allow of s3:GetObject on every object of `bucket` to everyone (whatever else it allows). */
export function grantsPublicRead(s: PolicyStatementJson, bucket: string): boolean {
  return (
    s.Effect === 'Allow' &&
    s.Condition === undefined &&
    isEveryone(s.Principal) &&
    list(s.Action).some((a) => typeof a === 'string' && ['s3:getobject', 's3:get*', 's3:*', '*'].includes(a.toLowerCase())) &&
    list(s.Resource).some((r) => r === objectsArn(bucket) || r === '*')
  );
}

/**
 * Exactly what `--public` adds, whatever its Sid (the README's and S3's example policy is the same
 * statement): what `--private` takes away.
 */
function isPublicReadOnly(s: PolicyStatementJson, bucket: string): boolean {
  const actions = list(s.Action);
  const resources = list(s.Resource);
  return (
    grantsPublicRead(s, bucket) &&
    actions.length === 1 &&
    typeof actions[0] === 'string' &&
    actions[0].toLowerCase() === 's3:getobject' &&
    resources.length === 1 &&
    resources[0] === objectsArn(bucket)
  );
}

/** Any Allow to everyone that remains (some anonymous access may be left). */
function allowsEveryone(s: PolicyStatementJson): boolean {
  return s.Effect === 'Allow' && isEveryone(s.Principal);
}

interface ParsedPolicy {
  doc: Json;
  statements: PolicyStatementJson[];
}

function parse(policy: string | null): ParsedPolicy | null {
  if (policy === null) return null;
  const doc = JSON.parse(policy) as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('the bucket policy is not a JSON object');
  const statements = list((doc as Json).Statement).filter((s): s is PolicyStatementJson => typeof s === 'object' && s !== null);
  return { doc: doc as Json, statements };
}

export type GrantResult = { changed: false } | { changed: true; policy: string };

/** The policy with the public-read statement added; unchanged when a statement already grants it. */
export function withPublicRead(policy: string | null, bucket: string): GrantResult {
  const parsed = parse(policy);
  if (!parsed) return { changed: true, policy: JSON.stringify({ Version: '2012-10-17', Statement: [publicReadStatement(bucket)] }) };
  if (parsed.statements.some((s) => grantsPublicRead(s, bucket))) return { changed: false };
  const statement = publicReadStatement(bucket);
  if (parsed.statements.some((s) => s.Sid === PUBLIC_READ_SID)) delete statement.Sid; // Sids are unique in a policy
  return { changed: true, policy: JSON.stringify({ ...parsed.doc, Statement: [...parsed.statements, statement] }) };
}

export type RevokeResult =
  | { changed: false; stillAllowsEveryone: boolean }
  /** `policy` null: no statement is left, delete the policy. */
  | { changed: true; policy: string | null; removed: number; stillAllowsEveryone: boolean };

/** The policy without the public-read statement(s) `--public` would add (other statements stay). */
export function withoutPublicRead(policy: string | null, bucket: string): RevokeResult {
  const parsed = parse(policy);
  if (!parsed) return { changed: false, stillAllowsEveryone: false };
  const kept = parsed.statements.filter((s) => !isPublicReadOnly(s, bucket));
  const stillAllowsEveryone = kept.some(allowsEveryone);
  const removed = parsed.statements.length - kept.length;
  if (removed === 0) return { changed: false, stillAllowsEveryone };
  const next = kept.length === 0 ? null : JSON.stringify({ ...parsed.doc, Statement: kept });
  return { changed: true, policy: next, removed, stillAllowsEveryone };
}
