/**
 * Does a form satisfy its policy? Expiration, every eq / starts-with condition, and the rule
 * that every form field (but the exempt ones) is named by a condition.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html#sigv4-PolicyConditions
 * S3 answers each violation with AccessDenied (403) "Invalid according to Policy: …".
 * A field the policy names but the form lacks counts as the empty string (so `["starts-with",
 * "$x", ""]` holds for a missing field and `["eq", "$x", "v"]` fails).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { FormFields } from './form-fields.js';
import type { PostPolicy } from './policy-document.js';

export interface PolicySubject {
  /** The bucket of the request URL (the `bucket` condition is checked against it). */
  bucket: string;
  /** The object key, after `${filename}` substitution. */
  key: string;
  fields: FormFields;
  now: Date;
}

export interface SizeRange {
  min: number;
  max: number;
}

const deniedByPolicy = (why: string): S3Error => new S3Error('AccessDenied', `Invalid according to Policy: ${why}`);

/**
 * Fields the policy need not name: the signature fields, the file and x-ignore-* (AWS's list), and
 * the x-amz-checksum-* of the file, which is verified against the file itself (S3 accepts a form
 * whose policy does not name it: Ceph's s3-tests test_post_object_upload_checksum, not marked
 * fails_on_aws).
 */
export function isExemptField(lowerName: string): boolean {
  return (
    lowerName === 'policy' ||
    lowerName === 'x-amz-signature' ||
    lowerName === 'signature' ||
    lowerName === 'awsaccesskeyid' ||
    lowerName === 'file' ||
    lowerName.startsWith('x-ignore-') ||
    lowerName.startsWith('x-amz-checksum-')
  );
}

/** The content-length-range to enforce while the file streams (undefined: none), or the violation. */
export function checkPolicyConditions(policy: PostPolicy, subject: PolicySubject): SizeRange | undefined | S3Error {
  if (policy.expiration.getTime() <= subject.now.getTime()) return deniedByPolicy('Policy expired.');
  let range: SizeRange | undefined;
  const named = new Set<string>();
  for (const c of policy.conditions) {
    if (c.kind === 'content-length-range') {
      range = { min: c.min, max: c.max };
      continue;
    }
    named.add(c.field);
    const actual = formValue(c.field, subject);
    const holds = c.kind === 'eq' ? actual === c.value : actual.startsWith(c.value);
    if (!holds) return deniedByPolicy(`Policy Condition failed: ${c.text}`);
  }
  for (const { lowerName, name } of subject.fields.entries()) {
    if (!isExemptField(lowerName) && !named.has(lowerName)) return deniedByPolicy(`Extra input fields: ${name}`);
  }
  return range;
}

function formValue(field: string, subject: PolicySubject): string {
  if (field === 'bucket') return subject.bucket;
  if (field === 'key') return subject.key;
  return subject.fields.get(field) ?? '';
}
