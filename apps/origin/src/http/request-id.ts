/**
 * Request ids: 16 upper-case hex characters like S3's x-amz-request-id, from
 * a random per-process prefix plus a counter (no crypto call per request).
 */
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(4).toString('hex').toUpperCase();
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) >>> 0;
  return prefix + counter.toString(16).toUpperCase().padStart(8, '0');
}

/** A stable x-amz-id-2 for this process (S3 sends an opaque base64 host id). */
export function makeHostId(): string {
  return randomBytes(24).toString('base64');
}
