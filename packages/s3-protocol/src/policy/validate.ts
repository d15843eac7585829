/**
 * PutBucketPolicy validation: a bucket policy is accepted only if we can
 * read every element we rely on. Failures are `MalformedPolicy` (400) with
 * AWS's messages where known
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 */
import type { BucketPolicy, PolicyCondition, PolicyPrincipal, PolicyStatement, PolicyValidationResult } from './types.js';
import { matchesWildcard } from './wildcard.js';

/** "The maximum size of a bucket policy is 20 KB." */
export const MAX_BUCKET_POLICY_BYTES = 20 * 1024;

export const POLICY_MESSAGES = {
  notJson: "Policies must be valid JSON and the first byte must be '{'",
  tooLarge: 'Policy exceeds the maximum allowed document size.',
  version: 'The policy must contain a valid version string',
  missingStatement: 'Missing required field Statement',
  missingEffect: 'Missing required field Effect',
  invalidEffect: (effect: string) => `Invalid effect: ${effect}`,
  missingPrincipal: 'Missing required field Principal',
  invalidPrincipal: 'Invalid principal in policy',
  missingAction: 'Missing required field Action',
  invalidAction: 'Policy has invalid action',
  missingResource: 'Missing required field Resource',
  invalidResource: 'Policy has invalid resource',
  invalidCondition: 'Policy has an invalid condition key',
  unknownField: (field: string) => `Unknown field ${field}`,
  both: (a: string, b: string) => `Statement cannot have both ${a} and ${b}`,
} as const;

class Malformed {
  constructor(readonly message: string) {}
}

const STATEMENT_FIELDS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);
const PRINCIPAL_KINDS = new Set(['AWS', 'Service', 'CanonicalUser', 'Federated']);
/** `s3:GetObject`, `s3:Get*`, `s3:*`, or `*`. */
const ACTION = /^(?:\*|s3:[A-Za-z*?]+)$/i;
/** `arn:PARTITION:s3:::BUCKET[/KEY]`. */
const S3_ARN = /^arn:(?:aws|aws-cn|aws-us-gov|\*):s3:::([^/]*)(\/.*)?$/s;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(value: unknown, invalid: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v): v is string => typeof v === 'string' && v !== '')) throw new Malformed(invalid);
  return list;
}

function principal(value: unknown): PolicyPrincipal {
  if (value === '*') return '*';
  if (!isObject(value) || Object.keys(value).length === 0) throw new Malformed(POLICY_MESSAGES.invalidPrincipal);
  const out: Record<string, string[]> = {};
  for (const [kind, ids] of Object.entries(value)) {
    if (!PRINCIPAL_KINDS.has(kind)) throw new Malformed(POLICY_MESSAGES.invalidPrincipal);
    out[kind] = stringList(ids, POLICY_MESSAGES.invalidPrincipal);
  }
  return out;
}

function actions(value: unknown): string[] {
  const list = stringList(value, POLICY_MESSAGES.invalidAction);
  if (!list.every((a) => ACTION.test(a))) throw new Malformed(POLICY_MESSAGES.invalidAction);
  return list;
}

/** A resource must name this bucket (possibly through wildcards): "Policy has invalid resource". */
function resources(value: unknown, bucket: string): string[] {
  const list = stringList(value, POLICY_MESSAGES.invalidResource);
  for (const resource of list) {
    if (resource === '*') continue;
    const m = S3_ARN.exec(resource);
    if (!m || m[1] === undefined || !matchesWildcard(m[1], bucket)) throw new Malformed(POLICY_MESSAGES.invalidResource);
  }
  return list;
}

function condition(value: unknown): PolicyCondition[] {
  // { "StringEquals": { "aws:Referer": [...] }, ... }
  if (!isObject(value)) throw new Malformed(POLICY_MESSAGES.invalidCondition);
  const out: PolicyCondition[] = [];
  for (const [operator, block] of Object.entries(value)) {
    if (!isObject(block)) throw new Malformed(POLICY_MESSAGES.invalidCondition);
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      if (!list.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) throw new Malformed(POLICY_MESSAGES.invalidCondition);
      out.push({ operator, key: key.toLowerCase(), values: list.map(String) });
    }
  }
  return out;
}

/** One of `name` / `NotName`, exactly. */
function pick(raw: Record<string, unknown>, name: string, missing: string): { positive?: unknown; negative?: unknown } {
  const positive = raw[name];
  const negative = raw[`Not${name}`];
  if (positive !== undefined && negative !== undefined) throw new Malformed(POLICY_MESSAGES.both(name, `Not${name}`));
  if (positive === undefined && negative === undefined) throw new Malformed(missing);
  return { positive, negative };
}

function statement(raw: unknown, bucket: string): PolicyStatement {
  if (!isObject(raw)) throw new Malformed(POLICY_MESSAGES.missingStatement);
  for (const field of Object.keys(raw)) if (!STATEMENT_FIELDS.has(field)) throw new Malformed(POLICY_MESSAGES.unknownField(field));
  const effect = raw.Effect;
  if (effect === undefined) throw new Malformed(POLICY_MESSAGES.missingEffect);
  if (effect !== 'Allow' && effect !== 'Deny') throw new Malformed(POLICY_MESSAGES.invalidEffect(String(effect)));
  const out: PolicyStatement = { effect, hasCondition: raw.Condition !== undefined };
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== 'string') throw new Malformed(POLICY_MESSAGES.missingStatement);
    out.sid = raw.Sid;
  }
  const p = pick(raw, 'Principal', POLICY_MESSAGES.missingPrincipal);
  if (p.positive !== undefined) out.principal = principal(p.positive);
  else {
    // NotPrincipal only with Deny: an Allow to "everyone but" is refused, as S3 does
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    if (effect === 'Allow') throw new Malformed(POLICY_MESSAGES.invalidPrincipal);
    out.notPrincipal = principal(p.negative);
  }
  const a = pick(raw, 'Action', POLICY_MESSAGES.missingAction);
  if (a.positive !== undefined) out.actions = actions(a.positive);
  else out.notActions = actions(a.negative);
  const r = pick(raw, 'Resource', POLICY_MESSAGES.missingResource);
  if (r.positive !== undefined) out.resources = resources(r.positive, bucket);
  else out.notResources = resources(r.negative, bucket);
  if (raw.Condition !== undefined) out.conditions = condition(raw.Condition);
  return out;
}

function parse(json: string, bucket: string): BucketPolicy {
  if (!json.trimStart().startsWith('{')) throw new Malformed(POLICY_MESSAGES.notJson);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new Malformed(POLICY_MESSAGES.notJson);
  }
  if (!isObject(doc)) throw new Malformed(POLICY_MESSAGES.notJson);
  const version = doc.Version;
  if (version !== '2012-10-17' && version !== '2008-10-17') throw new Malformed(POLICY_MESSAGES.version);
  const rawStatements = doc.Statement;
  if (rawStatements === undefined) throw new Malformed(POLICY_MESSAGES.missingStatement);
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (list.length === 0) throw new Malformed(POLICY_MESSAGES.missingStatement);
  const policy: BucketPolicy = { version, statements: list.map((s) => statement(s, bucket)) };
  if (typeof doc.Id === 'string') policy.id = doc.Id;
  return policy;
}

/** Validates a PutBucketPolicy body for `bucket`. Never throws. */
export function validateBucketPolicy(json: string, bucket: string): PolicyValidationResult {
  if (Buffer.byteLength(json) > MAX_BUCKET_POLICY_BYTES) {
    return { ok: false, status: 400, code: 'MalformedPolicy', message: POLICY_MESSAGES.tooLarge };
  }
  try {
    return { ok: true, policy: parse(json, bucket) };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, status: 400, code: 'MalformedPolicy', message: err.message };
    throw err;
  }
}
