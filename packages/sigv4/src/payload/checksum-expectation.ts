/**
 * Which x-amz-checksum-* the client promised, from a header or a trailer named by
 * x-amz-trailer. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import type { IncomingHttpHeaders } from 'node:http';
import { CHECKSUM_ALGORITHMS, isValidChecksumValue, type ChecksumAlgorithm } from '../checksums/index.js';
import { PayloadError } from '../errors.js';

export interface ChecksumExpectation {
  algorithm: ChecksumAlgorithm;
  /** base64 value from the header; undefined when it arrives in the trailer */
  headerValue?: string;
  fromTrailer: boolean;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Returns the expectation, undefined when the client sent none, or a PayloadError.
 * Deviation from S3: x-amz-checksum-* query parameters of presigned URLs are ignored;
 * the JS SDK v3 presigner puts the checksum of an empty body there by default, which
 * would fail every real presigned upload.
 */
export function checksumExpectation(headers: IncomingHttpHeaders): ChecksumExpectation | undefined | PayloadError {
  const fromHeaders: ChecksumExpectation[] = [];
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const name = `x-amz-checksum-${algorithm.toLowerCase()}`;
    const value = single(headers[name])?.trim();
    if (value === undefined) continue;
    if (!isValidChecksumValue(algorithm, value)) {
      return new PayloadError('InvalidRequest', 400, `Value for ${name} header is invalid.`);
    }
    fromHeaders.push({ algorithm, headerValue: value, fromTrailer: false });
  }
  const trailerNames = (single(headers['x-amz-trailer']) ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  const fromTrailer: ChecksumExpectation[] = [];
  for (const name of trailerNames) {
    const algorithm = CHECKSUM_ALGORITHMS.find((a) => `x-amz-checksum-${a.toLowerCase()}` === name);
    if (!algorithm) {
      return new PayloadError('InvalidRequest', 400, 'The value specified in the x-amz-trailer header is not supported');
    }
    fromTrailer.push({ algorithm, fromTrailer: true });
  }
  const all = [...fromHeaders, ...fromTrailer];
  if (all.length > 1) {
    return new PayloadError('InvalidRequest', 400, 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  if (all.length === 0 && single(headers['x-amz-sdk-checksum-algorithm']) !== undefined) {
    return new PayloadError('InvalidRequest', 400, 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  return all[0];
}
