/**
 * What the file part must satisfy, checked while it streams so that the store's write fails and
 * nothing is stored:
 * - the policy's content-length-range: one byte over `max` fails at once with EntityTooLarge,
 *   fewer than `min` at the end with EntityTooSmall
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html#sigv4-ConditionMatching);
 * - an `x-amz-checksum-<algorithm>` field: the file's checksum must equal it, else BadDigest
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '@bucketfront/s3-protocol';
import { CHECKSUM_ALGORITHMS, createChecksum, isValidChecksumValue, type ChecksumAlgorithm } from '@bucketfront/sigv4';
import type { FormFields } from './form-fields.js';
import type { SizeRange } from './policy-conditions.js';

export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, as sent. */
  value: string;
}

/** The form's `x-amz-checksum-*` field (at most one), or undefined, or InvalidRequest. */
export function expectedChecksumOf(fields: FormFields): ExpectedChecksum | undefined | S3Error {
  const present = CHECKSUM_ALGORITHMS.filter((a) => fields.has(`x-amz-checksum-${a.toLowerCase()}`));
  if (present.length === 0) return undefined;
  if (present.length > 1) return new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const algorithm = present[0]!;
  const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
  const value = fields.get(name)!.trim();
  if (!isValidChecksumValue(algorithm, value)) return new S3Error('InvalidRequest', `Value for ${name} header is invalid.`);
  return { algorithm, value };
}

export function guardFile(range: SizeRange, checksum: ExpectedChecksum | undefined): Transform {
  let size = 0;
  const hash = checksum ? createChecksum(checksum.algorithm) : undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      size += chunk.length;
      if (size > range.max) {
        callback(new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(range.max) }));
        return;
      }
      hash?.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (size < range.min) {
        callback(new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: String(size), MinSizeAllowed: String(range.min) }));
        return;
      }
      if (checksum && hash && hash.digestBase64() !== checksum.value) {
        callback(new S3Error('BadDigest', `The ${checksum.algorithm} you specified did not match the calculated checksum.`));
        return;
      }
      callback();
    },
  });
}
