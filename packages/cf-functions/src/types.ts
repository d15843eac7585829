/**
 * CloudFront Functions event and result shapes, as documented in "CloudFront Functions event
 * structure" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html).
 */

export type FunctionRuntime = 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
export type EventType = 'viewer-request' | 'viewer-response';

/** One query string parameter, header or request cookie; `multiValue` only when the name repeats. */
export interface FieldValue {
  value: string;
  multiValue?: { value: string }[];
}

/** A response cookie (`Set-Cookie`): value plus the attributes string (`Secure; Path=/`). */
export interface ResponseCookieValue {
  value: string;
  attributes?: string;
  multiValue?: { value: string; attributes?: string }[];
}

export type FieldMap = Record<string, FieldValue>;
export type ResponseCookieMap = Record<string, ResponseCookieValue>;

export interface EventContext {
  distributionDomainName?: string;
  distributionId?: string;
  eventType: EventType;
  requestId?: string;
}

export interface FunctionRequest {
  method: string;
  uri: string;
  /** Parsed (`{name: {value}}`); a function may also return the raw query string (without `?`). */
  querystring: FieldMap | string;
  headers: FieldMap;
  cookies: FieldMap;
}

/** Body of a generated or replaced response (runtime 2.0 `{data, encoding}`, or a plain string). */
export type ResponseBody = string | { data: string; encoding: 'text' | 'base64' };

export interface FunctionResponse {
  statusCode: number;
  statusDescription?: string;
  headers: FieldMap;
  cookies: ResponseCookieMap;
  body?: ResponseBody;
}

/** Input event. `querystring`, `headers` and `cookies` may be omitted (treated as empty). */
export interface CloudFrontFunctionEvent {
  version: '1.0';
  context: EventContext;
  viewer: { ip: string };
  request: {
    method: string;
    uri: string;
    querystring?: FieldMap;
    headers?: FieldMap;
    cookies?: FieldMap;
  };
  response?: {
    statusCode: number;
    statusDescription?: string;
    headers?: FieldMap;
    cookies?: ResponseCookieMap;
  };
}

export type FunctionOutput = { request: FunctionRequest } | { response: FunctionResponse };

/**
 * Why an invocation failed, named after CloudFront's result types (standard log
 * `x-edge-response-result-type` / CloudWatch metrics):
 * - `FunctionExecutionError` (viewer gets 503): the function threw, rejected, ran out of memory or
 *   stack, has no `handler`, or its promise never settled.
 * - `FunctionThrottledError` (503): the invocation exceeded its compute budget.
 * - `FunctionValidationError` (502): the function returned an invalid request/response object
 *   (CloudFront: "fails CloudFront validation and CloudFront returns HTTP status code 502").
 */
export type FunctionErrorKind = 'FunctionExecutionError' | 'FunctionThrottledError' | 'FunctionValidationError';

export interface FunctionError {
  kind: FunctionErrorKind;
  /** The status CloudFront returns to the viewer for this kind. */
  statusCode: 502 | 503;
  message: string;
  /** Which limit was hit, when one was. */
  limit?: 'compute' | 'memory' | 'stack';
}

/** Recorded call of a runtime 2.0 origin-modification helper (`cf.updateRequestOrigin` etc.). */
export interface OriginModification {
  method: 'updateRequestOrigin' | 'selectRequestOriginById' | 'createRequestOriginGroup';
  args: unknown[];
}

interface RunResultBase {
  logs: string[];
  /** Time spent in the sandbox as a percentage (0–100) of the invocation's budget. */
  computeUtilization: number;
  /** Milliseconds spent in the sandbox (excluding waits for async KeyValueStore lookups). */
  elapsedMs: number;
}

export interface RunSuccess extends RunResultBase {
  ok: true;
  output: FunctionOutput;
  originModifications: OriginModification[];
  /** The result of an earlier identical invocation (`reuseResults`): the sandbox did not run. */
  reused?: true;
}

export interface RunFailure extends RunResultBase {
  ok: false;
  error: FunctionError;
}

export type RunResult = RunSuccess | RunFailure;

/** Host lookup for KeyValueStore reads: the value, or `undefined` when the key is absent. */
export type KvsLookup = (kvsId: string, key: string) => string | undefined | Promise<string | undefined>;

export interface KvsMetadata {
  creationDateTime: string;
  lastUpdatedDateTime: string;
  keyCount: number;
}

export interface RunOptions {
  kvs?: KvsLookup;
  kvsMeta?: (kvsId: string) => KvsMetadata | undefined | Promise<KvsMetadata | undefined>;
  /** Compute budget for this invocation in ms (default: the function's `budgetMs`). */
  budgetMs?: number;
  /** What `Date.now()` returns during the run (CloudFront freezes time at the function's start). */
  now?: number;
  /** `cf.edgeLocation` (viewer-request only). */
  edgeLocation?: { name: string; serverIp: string; region: string };
  /** What `request.rawQueryString()` returns: the query string without `?`, or undefined when the URL had no `?`. */
  rawQueryString?: string;
  /** Run even while the function is throttled (TestFunction does). */
  ignoreThrottle?: boolean;
  /**
   * Answer from an earlier identical invocation when there is one, and keep this one's result
   * (result-cache.ts: only results that can be repeated). The edge sets it; TestFunction does
   * not, it reports a real run.
   */
  reuseResults?: boolean;
}

export interface FunctionLimits {
  /** Compute budget per invocation in milliseconds. */
  budgetMs: number;
  /** QuickJS heap cap per sandbox instance (runtime + bootstrap + function), bytes. */
  memoryBytes: number;
  /** QuickJS stack cap, bytes. */
  stackBytes: number;
  /** Sandbox instances per compiled function (concurrent invocations waiting on async lookups). */
  maxInstances: number;
  /** Function logs are truncated at this many bytes per invocation (CloudFront: 10 KB). */
  logBytes: number;
  /**
   * After this many consecutive invocations stopped by the compute budget, the function is
   * throttled: invocations fail at once (FunctionThrottledError) for `throttleMs`, then it runs
   * again. CloudFront throttles functions that "continuously exceed the maximum allowed time".
   */
  throttleAfter: number;
  throttleMs: number;
  /** An asynchronous KeyValueStore lookup that takes longer fails the invocation (FunctionExecutionError). */
  lookupTimeoutMs: number;
}

export interface CompileOptions {
  name: string;
  code: string | Uint8Array;
  runtime?: FunctionRuntime;
  comment?: string;
  /** Associated KeyValueStore ids or ARNs (CloudFront allows one). */
  kvsIds?: string[];
  limits?: Partial<FunctionLimits>;
}

/** CreateFunction-time failures, with CloudFront's error codes. */
export interface CompileError {
  code: 'FunctionSizeLimitExceeded' | 'InvalidArgument';
  message: string;
}

/** TestFunction's `TestResult` (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestResult.html). */
export interface TestResult {
  FunctionSummary: {
    Name: string;
    Status: string;
    FunctionConfig: {
      Comment: string;
      Runtime: FunctionRuntime;
      KeyValueStoreAssociations?: { Quantity: number; Items: { KeyValueStoreARN: string }[] };
    };
    FunctionMetadata: {
      FunctionARN: string;
      Stage: 'DEVELOPMENT' | 'LIVE';
      CreatedTime: string;
      LastModifiedTime: string;
    };
  };
  ComputeUtilization: string;
  FunctionExecutionLogs: string[];
  FunctionErrorMessage: string;
  FunctionOutput: string;
}
