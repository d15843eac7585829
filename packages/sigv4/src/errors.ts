/** Error values shared by the verifier and the payload decoder. */

export type AuthFailureCode =
  | 'AccessDenied'
  | 'SignatureDoesNotMatch'
  | 'InvalidAccessKeyId'
  | 'RequestTimeTooSkewed'
  | 'AuthorizationHeaderMalformed'
  | 'AuthorizationQueryParametersError'
  | 'MissingSecurityHeader'
  | 'InvalidArgument'
  | 'InvalidRequest'
  | 'IncompleteSignature';

export interface AuthFailure {
  kind: 'error';
  code: AuthFailureCode;
  status: number;
  message: string;
  detail?: Record<string, string>;
}

export function authFailure(code: AuthFailureCode, status: number, message: string, detail?: Record<string, string>): AuthFailure {
  return detail ? { kind: 'error', code, status, message, detail } : { kind: 'error', code, status, message };
}

export type PayloadErrorCode =
  | 'XAmzContentSHA256Mismatch'
  | 'SignatureDoesNotMatch'
  | 'BadDigest'
  | 'IncompleteBody'
  | 'InvalidRequest'
  | 'InvalidArgument'
  | 'InvalidDigest'
  | 'MalformedTrailerError'
  | 'RequestTimeout'
  | AuthFailureCode;

/** Emitted by the payload decoder through the stream's 'error' event. */
export class PayloadError extends Error {
  readonly code: PayloadErrorCode;
  readonly status: number;
  readonly detail: Record<string, string> | undefined;
  constructor(code: PayloadErrorCode, status: number, message: string, detail?: Record<string, string>) {
    super(message);
    this.name = 'PayloadError';
    this.code = code;
    this.status = status;
    this.detail = detail;
  }
}
