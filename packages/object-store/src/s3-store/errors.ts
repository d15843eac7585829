/**
 * Failures of the backend cluster, as StoreErrors.
 *
 * - An S3 error document (or a HEAD's bare status) becomes a {@link BackendError};
 *   {@link toStoreError} maps its code to ours.
 * - A connection that cannot be made, breaks, or stays silent past a timeout
 *   is `ServiceUnavailable` (503: the client may retry); `SlowDown` stays `SlowDown`.
 */
import { StoreError, type StoreErrorCode } from '../types.js';

/** An error answer of the backend: its HTTP status and S3 error code. */
export class BackendError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

/** The backend could not be reached, or did not answer in time. */
export class BackendUnavailable extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause !== undefined ? { cause } : undefined);
    this.name = 'BackendUnavailable';
  }
}

/** Codes we pass through unchanged (their meaning is the same for our caller). */
const SAME: ReadonlySet<StoreErrorCode> = new Set<StoreErrorCode>([
  'NoSuchBucket',
  'BucketAlreadyOwnedByYou',
  'BucketNotEmpty',
  'NoSuchKey',
  'NoSuchUpload',
  'InvalidPart',
  'InvalidPartOrder',
  'EntityTooSmall',
  'EntityTooLarge',
  'BadDigest',
  'IncompleteBody',
  'InvalidArgument',
  'KeyTooLongError',
  'SlowDown',
]);

const RENAMED: Readonly<Record<string, StoreErrorCode>> = {
  // Another account owns the name (AWS); for us the name is simply taken.
  BucketAlreadyExists: 'BucketAlreadyOwnedByYou',
  InvalidDigest: 'BadDigest',
  XAmzContentSHA256Mismatch: 'BadDigest',
  InvalidRequest: 'InvalidArgument',
  InvalidBucketName: 'InvalidArgument',
  MetadataTooLarge: 'InvalidArgument',
  InvalidLocationConstraint: 'InvalidArgument',
  TooManyBuckets: 'InsufficientStorage',
  QuotaExceeded: 'InsufficientStorage',
  InsufficientStorage: 'InsufficientStorage',
  XMinioStorageFull: 'InsufficientStorage',
  ServiceUnavailable: 'ServiceUnavailable',
  RequestTimeout: 'ServiceUnavailable',
  InternalError: 'ServiceUnavailable',
};

/** A backend's error answer (or transport failure) as the StoreError our caller understands. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof StoreError) return err;
  if (err instanceof BackendUnavailable) return new StoreError('ServiceUnavailable', err.message);
  if (!(err instanceof BackendError)) return err;
  const code = SAME.has(err.code as StoreErrorCode) ? (err.code as StoreErrorCode) : RENAMED[err.code];
  if (code !== undefined) return new StoreError(code, err.message || code);
  if (err.status >= 500) return new StoreError('ServiceUnavailable', `The storage backend failed: ${err.code} ${err.message}`.trim());
  // 403 (credentials, clock skew) and anything unexpected: our configuration or a bug, not the client's doing.
  return new StoreError('InternalError', `The storage backend refused the request: ${err.status} ${err.code} ${err.message}`.trim());
}

/** True for answers worth repeating (idempotent requests only): 5xx and throttling. */
export function isRetryableStatus(status: number): boolean {
  return status === 500 || status === 502 || status === 503 || status === 504;
}

/**
 * A 400 that says a body did not match its signed SHA-256: radosgw's and AWS's
 * XAmzContentSHA256Mismatch, or a generic code whose message names the hash (Garage:
 * InvalidRequest "Unable to validate x-amz-content-sha256").
 */
export function isPayloadHashRefusal(err: unknown): err is BackendError {
  return err instanceof BackendError && err.status === 400 && (err.code === 'XAmzContentSHA256Mismatch' || /sha-?256/i.test(err.message));
}

export function isBackendError(err: unknown, code?: string): err is BackendError {
  return err instanceof BackendError && (code === undefined || err.code === code);
}
