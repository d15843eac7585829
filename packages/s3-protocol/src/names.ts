/** Bucket-name and object-key rules. */
import { S3Error } from './errors.js';
import { isXmlSafe } from '@bucketfront/http-basics';

export const MAX_KEY_BYTES = 1024;

/**
 * General-purpose bucket naming rules:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * Returns the reason a name is invalid, or null when it is valid.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'Bucket name must be between 3 (min) and 63 (max) characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'Bucket name can consist only of lowercase letters, numbers, periods (.), and hyphens (-)';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'Bucket name must begin and end with a letter or number';
  if (name.includes('..')) return 'Bucket name must not contain two adjacent periods';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'Bucket name must not be formatted as an IP address';
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (name.startsWith(prefix)) return `Bucket name must not start with the prefix ${prefix}`;
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (name.endsWith(suffix)) return `Bucket name must not end with the suffix ${suffix}`;
  }
  return null;
}

export function isValidBucketName(name: string): boolean {
  return bucketNameProblem(name) === null;
}

export function invalidBucketName(name: string): S3Error {
  return new S3Error('InvalidBucketName', 'The specified bucket is not valid.', { BucketName: name });
}

/**
 * Object-key rules: at most 1024 bytes of UTF-8
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
 * Deviation from S3: S3 accepts keys XML 1.0 cannot carry (then fails to list
 * them without encoding-type=url); we refuse them with InvalidArgument up front.
 * Keys such as `../x` are valid S3 keys; the store maps keys to files safely.
 */
export function validateObjectKey(key: string): S3Error | null {
  if (key.length === 0) return new S3Error('InvalidArgument', 'Object key must not be empty');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    return new S3Error('KeyTooLongError', 'Your key is too long', {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
      Size: String(Buffer.byteLength(key, 'utf8')),
    });
  }
  if (!isXmlSafe(key)) {
    return new S3Error('InvalidArgument', 'Object key contains characters that are not allowed', {
      ArgumentName: 'key',
    });
  }
  return null;
}
