/**
 * The envelope: what an encrypted object stores next to its bytes (ObjectMetadata.sealed), as
 * compact JSON. It holds the data key wrapped by the key it names, never a key in the clear:
 *   S3   data key wrapped by the SSE-S3 key-encryption key (key-store.ts)
 *   KMS  data key wrapped by the named KMS key
 *   C    data key wrapped by the customer's key, plus a salted HMAC of that key to tell a wrong
 *        key (403) from damage; the customer key itself is never stored.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreError, type CustomerKey, type ObjectEncryption } from '../types.js';

export interface Envelope {
  v: 1;
  /** Scheme: SSE-S3, SSE-KMS or SSE-C. */
  s: 'S3' | 'KMS' | 'C';
  /** Key id of the wrapping key (S3, KMS). */
  k?: string;
  /** Wrapped data key (key-wrap.ts). */
  w: string;
  /** IV base of the first unit, base64 (single-unit objects: a Range GET needs no header read). */
  i?: string;
  /** MD5 of the plaintext, hex (single PUT: the S3 ETag). */
  m?: string;
  /** Bucket Key enabled (SSE-KMS), echoed as S3 does. */
  b?: 1;
  /** x-amz-server-side-encryption-context, as sent. */
  x?: string;
  /** SSE-C: salt (16) ‖ HMAC-SHA256(salt, key), base64. */
  h?: string;
}

export function encodeEnvelope(env: Envelope): string {
  return JSON.stringify(env);
}

export function decodeEnvelope(text: string): Envelope {
  let env: Envelope;
  try {
    env = JSON.parse(text) as Envelope;
  } catch {
    throw new StoreError('InternalError', 'the stored encryption envelope is damaged');
  }
  if (env.v !== 1 || (env.s !== 'S3' && env.s !== 'KMS' && env.s !== 'C') || typeof env.w !== 'string') {
    throw new StoreError('InternalError', 'the stored encryption envelope is of an unknown kind');
  }
  return env;
}

/** What wraps the data key of an envelope: additional data binding the wrap to its scheme and key. */
export function wrapContext(env: Pick<Envelope, 's' | 'k'>): string {
  return `bucketfront data key ${env.s}${env.k !== undefined ? ` ${env.k}` : ''}`;
}

export function customerKeyCheck(key: CustomerKey): string {
  const salt = randomBytes(16);
  return Buffer.concat([salt, createHmac('sha256', salt).update(key.key).digest()]).toString('base64');
}

/** Throws AccessDenied when `key` is not the key the object was written with. */
export function verifyCustomerKey(env: Envelope, key: CustomerKey): void {
  const raw = Buffer.from(env.h ?? '', 'base64');
  const mac = createHmac('sha256', raw.subarray(0, 16)).update(key.key).digest();
  if (raw.length !== 48 || !timingSafeEqual(mac, raw.subarray(16))) {
    throw new StoreError('AccessDenied', 'The provided key does not match the key the object was encrypted with.');
  }
}

/** S3's description of how the object is encrypted (response headers). */
export function describeEnvelope(env: Envelope, arnOf: (keyId: string) => string, customerKey?: CustomerKey): ObjectEncryption {
  if (env.s === 'S3') return { serverSideEncryption: 'AES256' };
  if (env.s === 'C') return customerKey !== undefined ? { customerAlgorithm: 'AES256', customerKeyMd5: customerKey.md5 } : { customerAlgorithm: 'AES256' };
  const out: ObjectEncryption = { serverSideEncryption: 'aws:kms', kmsKeyId: arnOf(env.k ?? '') };
  if (env.b === 1) out.bucketKeyEnabled = true;
  if (env.x !== undefined) out.kmsContext = env.x;
  return out;
}
