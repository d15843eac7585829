/** Errors the CLI reports as one line. Exit code 2 = usage, 1 = everything else. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'TimeoutError', 'RequestTimeout']);

/** Connection-level failure (nothing reached the server, or the socket died). */
export function isNetworkError(err: unknown): boolean {
  const e = err as AwsLikeError & { cause?: unknown; errors?: unknown[] };
  if (!e || typeof e !== 'object') return false;
  if ((e.code && NETWORK_CODES.has(e.code)) || (e.name && NETWORK_CODES.has(e.name))) return true;
  if (Array.isArray(e.errors) && e.errors.some(isNetworkError)) return true; // AggregateError (happy eyeballs)
  if (e.cause && e.cause !== err) return isNetworkError(e.cause);
  return false;
}

/** Worth retrying: network errors, throttling and 5xx. */
export function isTransientError(err: unknown): boolean {
  if (isNetworkError(err)) return true;
  const e = err as AwsLikeError;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = e?.name ?? '';
  return ['SlowDown', 'ThrottlingException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable'].includes(name);
}

/** One line, in aws-cli's style where the error came from S3. */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return err.message;
  const e = err as AwsLikeError & { cause?: unknown };
  if (!e || typeof e !== 'object') return String(err);
  if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return 'Unable to locate credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or use --profile.';
  }
  if (isNetworkError(err)) {
    const code = e.code ?? (e.cause as AwsLikeError | undefined)?.code ?? e.name;
    return `Could not connect to the endpoint (${code}): ${e.message || 'connection failed'}`;
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) {
    const code = e.name && e.name !== 'Error' ? e.name : (e.Code ?? 'UnknownError');
    const msg = e.message && e.message !== code ? e.message : httpStatusText(status);
    return `An error occurred (${code}): ${msg}`;
  }
  return e.message ?? String(err);
}

function httpStatusText(status: number): string {
  if (status === 404) return 'Not Found';
  if (status === 403) return 'Forbidden';
  if (status === 400) return 'Bad Request';
  return `HTTP ${status}`;
}
