/**
 * One viewer request → one standard log record (33 tab-separated fields, log-format.ts). Pure:
 * capture.ts gathers the facts of the request and its response.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html#BasicDistributionFileFormat
 */
import { LOG_FIELDS, logDateTime, logValue, seconds } from './log-format.js';

export interface RequestFacts {
  /** epoch ms: request received, first response byte written (undefined: no response), response done. */
  start: number;
  firstByte: number | undefined;
  end: number;
  pop: string;
  /** Bytes sent to the viewer, headers included. */
  scBytes: number;
  clientIp: string;
  clientPort: number;
  method: string;
  /** The distribution's domain name (cs(Host)). */
  distributionDomain: string;
  /** The path as received (percent-encoded), and the query string without `?` ('' for none). */
  uriStem: string;
  query: string;
  /** 0: the viewer went before a response started (logged as 000). */
  status: number;
  referer: string | undefined;
  userAgent: string | undefined;
  /** undefined when cookies are not logged (includeCookies false) or the request had none. */
  cookie: string | undefined;
  /** The X-Cache word of the response (`Hit`, `Miss`, `RefreshHit`, `Error`, `Redirect`, …). */
  responseResultType: string;
  /** The viewer went before the last byte: the result is Error, the response's type stays. */
  aborted: boolean;
  requestId: string;
  hostHeader: string | undefined;
  protocol: 'http' | 'https';
  csBytes: number;
  xForwardedFor: string | undefined;
  sslProtocol: string | undefined;
  sslCipher: string | undefined;
  /** `HTTP/1.1`, `HTTP/2.0`, … */
  protocolVersion: string;
  contentType: string | undefined;
  contentLength: string | undefined;
  contentRange: string | undefined;
}

/** X-Cache words of a function's failure: the result type Error, the kind as the detailed type. */
const FUNCTION_ERRORS = new Set(['FunctionExecutionError', 'FunctionThrottledError', 'FunctionValidationError']);

/** x-edge-result-type / x-edge-detailed-result-type / x-edge-response-result-type. */
export function resultTypes(f: Pick<RequestFacts, 'responseResultType' | 'aborted' | 'status'>): { result: string; detailed: string; response: string } {
  if (f.status === 0) return { result: 'Error', detailed: 'ClientCommError', response: 'Error' };
  const isFunctionError = FUNCTION_ERRORS.has(f.responseResultType);
  const response = isFunctionError ? 'Error' : f.responseResultType;
  if (f.aborted) return { result: 'Error', detailed: 'ClientCommError', response };
  if (isFunctionError) return { result: 'Error', detailed: f.responseResultType, response };
  return { result: response, detailed: response, response };
}

/** `bytes 0-99/1000` → ['0', '99']. */
function rangeOf(contentRange: string | undefined): [string | undefined, string | undefined] {
  const m = contentRange === undefined ? null : /^bytes (\d+)-(\d+)\//.exec(contentRange);
  return m ? [m[1], m[2]] : [undefined, undefined];
}

export function formatLogRecord(f: RequestFacts): string {
  const { date, time } = logDateTime(f.end);
  const types = resultTypes(f);
  const [rangeStart, rangeEnd] = rangeOf(f.contentRange);
  const https = f.protocol === 'https';
  const values: string[] = [
    date,
    time,
    logValue(f.pop),
    String(f.scBytes),
    logValue(f.clientIp),
    logValue(f.method),
    logValue(f.distributionDomain),
    logValue(f.uriStem),
    f.status === 0 ? '000' : String(f.status),
    logValue(f.referer),
    logValue(f.userAgent),
    logValue(f.query),
    logValue(f.cookie),
    types.result,
    logValue(f.requestId),
    logValue(f.hostHeader),
    f.protocol,
    String(f.csBytes),
    seconds(f.end - f.start),
    logValue(f.xForwardedFor),
    https ? logValue(f.sslProtocol) : '-',
    https ? logValue(f.sslCipher) : '-',
    types.response,
    logValue(f.protocolVersion),
    '-', // fle-status: no field-level encryption
    '-', // fle-encrypted-fields
    String(f.clientPort),
    seconds((f.firstByte ?? f.end) - f.start),
    types.detailed,
    logValue(f.contentType),
    logValue(f.contentLength),
    logValue(rangeStart),
    logValue(rangeEnd),
  ];
  if (values.length !== LOG_FIELDS.length) throw new Error(`standard log record has ${values.length} fields, not ${LOG_FIELDS.length}`);
  return values.join('\t');
}
