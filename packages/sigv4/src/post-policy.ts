/**
 * Signatures of a browser-form upload (S3 POST Object): the form carries a base64 policy
 * document and a signature over exactly that base64 text; no part of the HTTP request is signed.
 *
 * SigV4: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
 *   signature = hex(HMAC-SHA256(signingKey(secret, date, region, service), policyBase64))
 * SigV2: https://docs.aws.amazon.com/AmazonS3/latest/userguide/HTTPPOSTForms.html
 *   signature = base64(HMAC-SHA1(secret, policyBase64))
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseAmzDate } from './amz-date.js';
import { parseCredential } from './credential.js';
import { authFailure, type AuthFailure } from './errors.js';
import { deriveSigningKey, signaturesEqual, signHex } from './signing-key.js';

export const POST_POLICY_SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

export interface PostPolicyScope {
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
}

/** SigV4 signature of a POST policy (lower-case hex). */
export function signPostPolicyV4(secret: string, scope: PostPolicyScope, policyBase64: string): string {
  return signHex(deriveSigningKey(secret, scope.date, scope.region, scope.service), policyBase64);
}

/** SigV2 signature of a POST policy (base64). */
export function signPostPolicyV2(secret: string, policyBase64: string): string {
  return createHmac('sha1', secret).update(policyBase64, 'utf8').digest('base64');
}

/** The signature fields of a form, by lower-cased field name (`x-amz-credential`, `awsaccesskeyid`, …). */
export type PostFormFields = ReadonlyMap<string, string>;

export interface VerifyPostPolicyOptions {
  lookupSecret(accessKeyId: string): string | undefined;
  /** The credential scope's region must equal it. */
  region: string;
  /** Default 's3'. */
  service?: string;
}

export type PostPolicyAuth = { kind: 'signed'; accessKeyId: string; version: 'v4' | 'v2' } | AuthFailure;

const SIGNATURE_MISMATCH = 'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** S3's answer to a form missing a field it needs (InvalidArgument, naming the field). */
export function missingFormField(name: string): AuthFailure {
  return authFailure('InvalidArgument', 400, `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`, {
    ArgumentName: name,
    ArgumentValue: '',
  });
}

/**
 * Verifies the signature of `policyBase64` from the form's fields: SigV4 when `x-amz-algorithm`
 * is present, else SigV2 (`AWSAccessKeyId` + `signature`). The caller has already decided that the
 * form is signed (it has a policy).
 */
export function verifyPostPolicy(fields: PostFormFields, policyBase64: string, opts: VerifyPostPolicyOptions): PostPolicyAuth {
  const algorithm = fields.get('x-amz-algorithm');
  if (algorithm !== undefined) return verifyV4(fields, algorithm, policyBase64, opts);
  if (fields.has('x-amz-credential') || fields.has('x-amz-signature')) return missingFormField('x-amz-algorithm');
  return verifyV2(fields, policyBase64, opts);
}

function verifyV4(fields: PostFormFields, algorithm: string, policyBase64: string, opts: VerifyPostPolicyOptions): PostPolicyAuth {
  if (algorithm !== POST_POLICY_SIGV4_ALGORITHM) {
    return authFailure('InvalidArgument', 400, 'Only AWS4-HMAC-SHA256 is supported', { ArgumentName: 'x-amz-algorithm', ArgumentValue: algorithm });
  }
  const credentialValue = fields.get('x-amz-credential');
  if (credentialValue === undefined) return missingFormField('x-amz-credential');
  const amzDate = fields.get('x-amz-date');
  if (amzDate === undefined) return missingFormField('x-amz-date');
  const provided = fields.get('x-amz-signature');
  if (provided === undefined) return missingFormField('x-amz-signature');

  const service = opts.service ?? 's3';
  const cred = parseCredential(credentialValue);
  if (cred === undefined) {
    return authFailure('InvalidArgument', 400, `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`, {
      ArgumentName: 'x-amz-credential',
      ArgumentValue: credentialValue,
    });
  }
  const prefix = 'Error parsing the X-Amz-Credential parameter;';
  if (cred.terminator !== 'aws4_request') return authFailure('InvalidArgument', 400, `${prefix} incorrect terminal "${cred.terminator}". This endpoint uses "aws4_request".`);
  if (cred.service !== service) return authFailure('InvalidArgument', 400, `${prefix} incorrect service "${cred.service}". This endpoint belongs to "${service}".`);
  if (cred.region !== opts.region) {
    return authFailure('AuthorizationQueryParametersError', 400, `${prefix} the region '${cred.region}' is wrong; expecting '${opts.region}'`, { Region: opts.region });
  }
  // The date field must be an ISO 8601 basic timestamp of the credential's day.
  if (parseAmzDate(amzDate) === undefined || amzDate.slice(0, 8) !== cred.date) {
    return authFailure('InvalidArgument', 400, `Invalid x-amz-date: '${amzDate}' (expected YYYYMMDD'T'HHMMSS'Z' of the credential's date ${cred.date})`, {
      ArgumentName: 'x-amz-date',
      ArgumentValue: amzDate,
    });
  }
  const secret = opts.lookupSecret(cred.accessKeyId);
  if (secret === undefined) return invalidAccessKey(cred.accessKeyId);
  const computed = signPostPolicyV4(secret, cred, policyBase64);
  if (!signaturesEqual(computed, provided.toLowerCase())) return authFailure('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH, { AWSAccessKeyId: cred.accessKeyId, StringToSign: policyBase64 });
  return { kind: 'signed', accessKeyId: cred.accessKeyId, version: 'v4' };
}

function verifyV2(fields: PostFormFields, policyBase64: string, opts: VerifyPostPolicyOptions): PostPolicyAuth {
  const accessKeyId = fields.get('awsaccesskeyid');
  if (accessKeyId === undefined) return missingFormField('AWSAccessKeyId');
  const provided = fields.get('signature');
  if (provided === undefined) return missingFormField('Signature');
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) return invalidAccessKey(accessKeyId);
  const computed = Buffer.from(signPostPolicyV2(secret, policyBase64), 'base64');
  const given = Buffer.from(provided, 'base64');
  if (given.length !== computed.length || !timingSafeEqual(given, computed)) {
    return authFailure('SignatureDoesNotMatch', 403, SIGNATURE_MISMATCH, { AWSAccessKeyId: accessKeyId, StringToSign: policyBase64 });
  }
  return { kind: 'signed', accessKeyId, version: 'v2' };
}

function invalidAccessKey(accessKeyId: string): AuthFailure {
  return authFailure('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
}
