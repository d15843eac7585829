/**
 * Server-side encryption request headers → what the store should do, and the stored object's
 * encryption → response headers. AWS's rules and error codes:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-s3-encryption.html (SSE-S3),
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html (SSE-KMS),
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html (SSE-C).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { CustomerKey, EncryptionRequest, ObjectEncryption } from '@bucketfront/object-store';
import { S3Error, type BucketEncryptionRule } from '@bucketfront/s3-protocol';
import { loadBucketEncryption } from '../bucket-documents.js';
import { isSecureRequest } from '../http/secure.js';
import type { HeaderList, S3Context } from './context.js';
import { headerValue } from './object-headers.js';

const SSE = 'x-amz-server-side-encryption';
const KMS_KEY = 'x-amz-server-side-encryption-aws-kms-key-id';
const KMS_CONTEXT = 'x-amz-server-side-encryption-context';
const BUCKET_KEY = 'x-amz-server-side-encryption-bucket-key-enabled';
export const CUSTOMER_PREFIX = 'x-amz-server-side-encryption-customer-';
export const COPY_SOURCE_CUSTOMER_PREFIX = 'x-amz-copy-source-server-side-encryption-customer-';

/** The bucket's default encryption (PutBucketEncryption), as the origin applies it to new objects. */
export type DefaultEncryption = BucketEncryptionRule;

/** The bucket's default encryption, if it has one (docs/encryption.md#default-bucket-encryption). */
export function bucketDefaultEncryption(ctx: S3Context, bucket: string): Promise<DefaultEncryption | null> {
  return loadBucketEncryption(ctx.store, bucket);
}

/**
 * SSE-C key headers with `prefix` (the object's own, or the copy source's): undefined when none
 * is present; InvalidArgument / InvalidEncryptionAlgorithmError / InvalidRequest as S3 answers.
 */
export function customerKeyFrom(req: IncomingMessage, prefix = CUSTOMER_PREFIX): CustomerKey | undefined | S3Error {
  const headers = req.headers;
  const algorithm = headerValue(headers, `${prefix}algorithm`);
  const key = headerValue(headers, `${prefix}key`);
  const md5 = headerValue(headers, `${prefix}key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (!isSecureRequest(req)) return new S3Error('InvalidRequest', 'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
  if (algorithm === undefined) {
    return new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.', {
      ArgumentName: `${prefix}algorithm`,
      ArgumentValue: 'null',
    });
  }
  if (algorithm !== 'AES256') return new S3Error('InvalidEncryptionAlgorithmError', undefined, { ArgumentName: `${prefix}algorithm`, ArgumentValue: algorithm });
  if (key === undefined) {
    return new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.', {
      ArgumentName: `${prefix}key`,
      ArgumentValue: 'null',
    });
  }
  const raw = Buffer.from(key, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== key.trim()) {
    return new S3Error('InvalidArgument', 'The secret key was invalid for the specified algorithm.', { ArgumentName: `${prefix}key`, ArgumentValue: 'null' });
  }
  if (md5 === undefined) {
    return new S3Error('InvalidArgument', 'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.', {
      ArgumentName: `${prefix}key-MD5`,
      ArgumentValue: 'null',
    });
  }
  const actual = createHash('md5').update(raw).digest('base64');
  if (actual !== md5.trim()) {
    return new S3Error('InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.', { ArgumentName: `${prefix}key-MD5`, ArgumentValue: md5 });
  }
  return { key: raw, md5: actual };
}

/**
 * How to encrypt a new object (PutObject, CreateMultipartUpload, CopyObject): the request's
 * headers, else the bucket's default encryption, else none.
 */
export function encryptionRequestFrom(req: IncomingMessage, bucketDefault: DefaultEncryption | null): EncryptionRequest | undefined | S3Error {
  const headers = req.headers;
  const sse = headerValue(headers, SSE);
  const kmsKey = headerValue(headers, KMS_KEY);
  const context = headerValue(headers, KMS_CONTEXT);
  const bucketKey = headerValue(headers, BUCKET_KEY);
  const customer = customerKeyFrom(req);
  if (customer instanceof S3Error) return customer;
  if (customer !== undefined) {
    if (sse !== undefined)
      return new S3Error('InvalidArgument', 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified', { ArgumentName: SSE, ArgumentValue: sse });
    return { scheme: 'SSE-C', customerKey: customer };
  }
  if (sse === undefined) {
    if (kmsKey !== undefined || context !== undefined) {
      return new S3Error('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', {
        ArgumentName: SSE,
        ArgumentValue: 'null',
      });
    }
    return defaultRequest(bucketDefault, bucketKey);
  }
  if (sse === 'AES256') {
    if (kmsKey !== undefined || context !== undefined) {
      return new S3Error('InvalidArgument', 'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', { ArgumentName: SSE, ArgumentValue: sse });
    }
    return { scheme: 'SSE-S3' };
  }
  if (sse === 'aws:kms') {
    const out: EncryptionRequest = { scheme: 'SSE-KMS' };
    if (kmsKey !== undefined && kmsKey !== '') out.kmsKeyId = kmsKey;
    else if (bucketDefault?.sseAlgorithm === 'aws:kms' && bucketDefault.kmsMasterKeyId !== undefined) out.kmsKeyId = bucketDefault.kmsMasterKeyId;
    if (context !== undefined) {
      if (!isJsonObjectBase64(context))
        return new S3Error('InvalidArgument', 'Invalid encryption context: it must be base64-encoded JSON of string pairs.', { ArgumentName: KMS_CONTEXT, ArgumentValue: context });
      out.kmsContext = context;
    }
    const bk = bucketKey ?? (bucketDefault?.bucketKeyEnabled === true ? 'true' : undefined);
    if (bk?.toLowerCase() === 'true') out.bucketKeyEnabled = true;
    return out;
  }
  // aws:kms:dsse (dual-layer) is not offered: say so, as S3 does for methods it does not support.
  return new S3Error('InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: SSE, ArgumentValue: sse });
}

function defaultRequest(bucketDefault: DefaultEncryption | null, bucketKey: string | undefined): EncryptionRequest | undefined {
  if (bucketDefault === null) return undefined;
  if (bucketDefault.sseAlgorithm === 'AES256') return { scheme: 'SSE-S3' };
  const out: EncryptionRequest = { scheme: 'SSE-KMS' };
  if (bucketDefault.kmsMasterKeyId !== undefined) out.kmsKeyId = bucketDefault.kmsMasterKeyId;
  if ((bucketKey ?? String(bucketDefault.bucketKeyEnabled === true)).toLowerCase() === 'true') out.bucketKeyEnabled = true;
  return out;
}

function isJsonObjectBase64(text: string): boolean {
  try {
    const v: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
  } catch {
    return false;
  }
}

/** Response headers describing a stored object's encryption. `context`: only writes echo it. */
export function encryptionHeaders(enc: ObjectEncryption | undefined, opts: { context?: boolean } = {}): HeaderList {
  const h: HeaderList = [];
  if (enc === undefined) return h;
  if (enc.serverSideEncryption !== undefined) h.push(SSE, enc.serverSideEncryption);
  if (enc.kmsKeyId !== undefined) h.push(KMS_KEY, enc.kmsKeyId);
  if (enc.bucketKeyEnabled === true) h.push(BUCKET_KEY, 'true');
  if (opts.context === true && enc.kmsContext !== undefined) h.push(KMS_CONTEXT, enc.kmsContext);
  if (enc.customerAlgorithm !== undefined) h.push(`${CUSTOMER_PREFIX}algorithm`, enc.customerAlgorithm);
  if (enc.customerKeyMd5 !== undefined) h.push(`${CUSTOMER_PREFIX}key-MD5`, enc.customerKeyMd5);
  return h;
}

/** SSE headers on a request that cannot carry them (GET/HEAD take only SSE-C): S3 answers 400. */
export function refuseWriteSseHeaders(headers: IncomingHttpHeaders): S3Error | undefined {
  const sse = headerValue(headers, SSE);
  if (sse === undefined) return undefined;
  return new S3Error('InvalidArgument', 'x-amz-server-side-encryption header is not supported for this operation.', { ArgumentName: SSE, ArgumentValue: sse });
}
