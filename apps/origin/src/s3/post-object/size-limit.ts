/**
 * The policy's content-length-range, enforced while the file streams: more than `max` bytes
 * fails at once with EntityTooLarge, fewer than `min` at the end with EntityTooSmall, so the
 * store's write fails and nothing is stored.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html#sigv4-ConditionMatching
 */
import { Transform, type TransformCallback } from 'node:stream';
import { S3Error } from '@bucketfront/s3-protocol';
import type { SizeRange } from './policy-conditions.js';

export function enforceSizeRange(range: SizeRange): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      size += chunk.length;
      if (size > range.max) {
        callback(new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(range.max) }));
        return;
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (size < range.min) {
        callback(new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: String(size), MinSizeAllowed: String(range.min) }));
        return;
      }
      callback();
    },
  });
}
