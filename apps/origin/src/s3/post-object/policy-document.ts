/**
 * The POST policy document: base64 JSON with an `expiration` and a list of `conditions`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 *
 * A condition is one of
 * - `{"field": "value"}`: exact match (the same as `["eq", "$field", "value"]`);
 * - `["eq", "$field", "value"]` / `["starts-with", "$field", "prefix"]` (`""` matches anything);
 * - `["content-length-range", min, max]`: the file's size in bytes, inclusive.
 * Keys of the document (`expiration`, `conditions`) are case-sensitive; field names inside
 * conditions and the operator names are not.
 */
import { S3Error } from '@bucketfront/s3-protocol';

export type PolicyCondition =
  | { kind: 'eq' | 'starts-with' /** lower-cased, without the `$` */; field: string; value: string /** as written, for messages */; text: string }
  | { kind: 'content-length-range'; min: number; max: number; text: string };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

/** S3 limits a POST policy to 20 KB. */
export const MAX_POLICY_BYTES = 20 * 1024;

const invalid = (why: string): S3Error => new S3Error('InvalidPolicyDocument', `Invalid Policy: ${why}`);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** Decodes and checks the structure of a policy; InvalidPolicyDocument (400) for anything malformed. */
export function parsePostPolicy(policyBase64: string): PostPolicy | S3Error {
  const compact = policyBase64.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return invalid('Invalid Base64 Encoding.');
  const json = Buffer.from(compact, 'base64');
  if (json.length > MAX_POLICY_BYTES) return invalid(`Policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch {
    return invalid('Invalid JSON.');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return invalid('Invalid JSON.');
  const record = doc as Record<string, unknown>;
  if (!Object.hasOwn(record, 'expiration')) return invalid('Policy missing expiration.');
  const expirationText = record['expiration'];
  if (typeof expirationText !== 'string' || !ISO_8601.test(expirationText) || Number.isNaN(Date.parse(expirationText))) {
    return invalid(`Invalid 'expiration' value: '${String(expirationText)}'`);
  }
  if (!Object.hasOwn(record, 'conditions')) return invalid('Policy missing conditions.');
  const list = record['conditions'];
  if (!Array.isArray(list)) return invalid("Invalid 'conditions' value: must be a List.");
  const conditions: PolicyCondition[] = [];
  for (const item of list) {
    const c = parseCondition(item);
    if (c instanceof S3Error) return c;
    conditions.push(c);
  }
  return { expiration: new Date(expirationText), conditions };
}

function parseCondition(item: unknown): PolicyCondition | S3Error {
  if (Array.isArray(item)) return parseListCondition(item);
  if (typeof item === 'object' && item !== null) {
    const entries = Object.entries(item as Record<string, unknown>);
    if (entries.length !== 1) return invalid('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    const [name, value] = entries[0]!;
    if (typeof value !== 'string') return invalid(`Invalid Simple-Condition: value must be a string.`);
    return { kind: 'eq', field: name.replace(/^\$/, '').toLowerCase(), value, text: `["eq", "$${name.replace(/^\$/, '')}", ${JSON.stringify(value)}]` };
  }
  return invalid(`Invalid Condition: ${JSON.stringify(item)}`);
}

function parseListCondition(item: unknown[]): PolicyCondition | S3Error {
  const [op, a, b] = item;
  const opName = typeof op === 'string' ? op.toLowerCase() : '';
  if (opName === 'content-length-range') {
    if (item.length !== 3 || !isByteCount(a) || !isByteCount(b)) return invalid('Invalid content-length-range: must be ["content-length-range", min, max] with 0 <= min <= max.');
    const min = Number(a);
    const max = Number(b);
    if (min > max) return invalid('Invalid content-length-range: must be ["content-length-range", min, max] with 0 <= min <= max.');
    return { kind: 'content-length-range', min, max, text: JSON.stringify(item) };
  }
  if (opName !== 'eq' && opName !== 'starts-with') return invalid(`Invalid Condition: unknown operation ${JSON.stringify(op)}.`);
  if (item.length !== 3 || typeof a !== 'string' || typeof b !== 'string') {
    return invalid(`Invalid Condition: the ${opName} condition takes a "$field" and a string value.`);
  }
  if (!a.startsWith('$') || a.length === 1) return invalid(`Invalid Condition: field name ${JSON.stringify(a)} must start with $.`);
  return { kind: opName, field: a.slice(1).toLowerCase(), value: b, text: `[${JSON.stringify(op)}, ${JSON.stringify(a)}, ${JSON.stringify(b)}]` };
}

/** A JSON integer ≥ 0 (or a string of digits, which SDKs sometimes send). */
function isByteCount(v: unknown): boolean {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0;
  return typeof v === 'string' && /^\d{1,16}$/.test(v);
}
