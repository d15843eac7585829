/**
 * `x-amz-write-offset-bytes`: PutObject appends at this offset (S3 Express One Zone,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html#API_PutObject_RequestSyntax;
 * docs/append.md). The store checks it against the object's size under its commit.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '@bucketfront/s3-protocol';
import { headerValue } from './object-headers.js';

const HEADER = 'x-amz-write-offset-bytes';

/** The offset, undefined without the header, InvalidArgument unless a non-negative integer. */
export function writeOffsetFrom(headers: IncomingHttpHeaders): number | undefined | S3Error {
  const raw = headerValue(headers, HEADER);
  if (raw === undefined) return undefined;
  const offset = /^\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(offset)) {
    return new S3Error('InvalidArgument', 'x-amz-write-offset-bytes must be a non-negative integer', { ArgumentName: HEADER, ArgumentValue: raw });
  }
  return offset;
}

/** Deviation from S3: no append with encryption at rest (requested or the bucket's default); see docs/append.md. */
export function appendOfEncrypted(): S3Error {
  return new S3Error('InvalidRequest', 'Appending to an object encrypted at rest is not supported.');
}
