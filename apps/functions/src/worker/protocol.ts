/** The messages between the runtime and one invocation worker (./invoke-worker.ts). */

/** Set once per worker (its Lambda "execution environment"). */
export interface WorkerSetup {
  functionName: string;
  /** Absolute module path, optionally `#exportName` (default `handler`). */
  handler: string;
  /** The function's timeout in milliseconds (for getRemainingTimeInMillis). */
  timeoutMs: number;
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
}

export interface InvokeMessage {
  type: 'invoke';
  awsRequestId: string;
  event: unknown;
  /** Epoch milliseconds at which the runtime stops the attempt. */
  deadline: number;
}

/** Lambda's error shape (errorType, errorMessage, stackTrace): https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html */
export interface FunctionError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
}

export type WorkerMessage =
  /** The init phase is over: the module is loaded (or failed to load). */
  | { type: 'ready' }
  | { type: 'init-error'; error: FunctionError }
  | { type: 'result'; awsRequestId: string; ok: true; value: unknown }
  | { type: 'result'; awsRequestId: string; ok: false; error: FunctionError }
  | { type: 'log'; awsRequestId: string; line: string };
