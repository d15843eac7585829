/**
 * Errors of the `cloudfront-keyvaluestore` API (REST-JSON): `x-amzn-errortype` names the
 * error, the body is `{"Message": …}`.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_PutKey.html#API_kvs_PutKey_Errors
 */
export class KvsApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const kvsErrors = {
  accessDenied: (message: string) => new KvsApiError('AccessDeniedException', 403, message),
  conflict: (message: string) => new KvsApiError('ConflictException', 409, message),
  notFound: (message: string) => new KvsApiError('ResourceNotFoundException', 404, message),
  quota: (message: string) => new KvsApiError('ServiceQuotaExceededException', 402, message),
  validation: (message: string) => new KvsApiError('ValidationException', 400, message),
  internal: () => new KvsApiError('InternalServerException', 500, 'Internal error.'),
};

export function renderKvsError(err: KvsApiError, requestId: string): { status: number; headers: Record<string, string>; body: string } {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ Message: err.message }),
  };
}
