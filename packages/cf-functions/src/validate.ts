/**
 * Validation of what a function returns, as CloudFront does before using it. A failure is a
 * `FunctionValidationError` (the viewer gets 502, per "Restrictions on edge functions": a function
 * that adds a disallowed header or edits a read-only one "fails CloudFront validation and
 * CloudFront returns HTTP status code 502").
 *
 * Sources: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-restrictions.html
 * and https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html
 */
import { MAX_URI_LENGTH } from './limits.js';
import type { EventType, FieldMap, FieldValue, FunctionRequest, FunctionResponse, ResponseBody, ResponseCookieMap, ResponseCookieValue } from './types.js';

/** Not exposed to functions, and functions can't add them. */
const DISALLOWED_HEADERS = new Set([
  'connection',
  'expect',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'trailer',
  'upgrade',
  'x-accel-buffering',
  'x-accel-charset',
  'x-accel-limit-rate',
  'x-accel-redirect',
  'x-amzn-auth',
  'x-amzn-cf-billing',
  'x-amzn-cf-id',
  'x-amzn-cf-xff',
  'x-amzn-errortype',
  'x-amzn-fle-profile',
  'x-amzn-header-count',
  'x-amzn-header-order',
  'x-amzn-lambda-integration-tag',
  'x-amzn-requestid',
  'x-cache',
  'x-forwarded-proto',
  'x-real-ip',
]);
const DISALLOWED_PREFIXES = ['x-amz-cf-', 'x-edge-'];

/** Functions can read these but not add, change or remove them. */
export const READ_ONLY_HEADERS: Record<EventType, readonly string[]> = {
  'viewer-request': ['content-length', 'host', 'transfer-encoding', 'via'],
  'viewer-response': ['warning', 'via'],
};

export function isDisallowedHeader(name: string): boolean {
  return DISALLOWED_HEADERS.has(name) || DISALLOWED_PREFIXES.some((p) => name.startsWith(p));
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// header values: visible ASCII/UTF-8 text, space and tab; never CR, LF, NUL or other controls
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
// URI and query string: no spaces, control characters or fragment identifier
const BAD_URI_CHAR = /[\x00-\x20\x7f#]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class ValidationFailure extends Error {}

/** Assignment that also works for a field named "__proto__" (a valid header/cookie/query name). */
function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

function fail(message: string): never {
  throw new ValidationFailure(message);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkString(v: unknown, what: string, bad: RegExp = BAD_VALUE): string {
  if (typeof v !== 'string') fail(`${what} must be a string`);
  if (bad.test(v)) fail(`${what} contains a character that is not allowed`);
  return v;
}

function fieldValue(v: unknown, what: string, bad: RegExp): FieldValue {
  if (!isPlainObject(v)) fail(`${what} must be an object with a "value" string`);
  const out: FieldValue = { value: checkString(v.value, `${what}.value`, bad) };
  if (v.multiValue !== undefined) {
    if (!Array.isArray(v.multiValue)) fail(`${what}.multiValue must be an array`);
    out.multiValue = v.multiValue.map((m, i) => {
      if (!isPlainObject(m)) fail(`${what}.multiValue[${i}] must be an object with a "value" string`);
      return { value: checkString(m.value, `${what}.multiValue[${i}].value`, bad) };
    });
  }
  return out;
}

function fieldMap(v: unknown, what: string, names: RegExp, bad: RegExp): FieldMap {
  if (v === undefined) return {};
  if (!isPlainObject(v)) fail(`${what} must be an object`);
  const out: FieldMap = {};
  for (const [name, value] of Object.entries(v)) {
    if (!names.test(name)) fail(`${what}: invalid name ${JSON.stringify(name)}`);
    setOwn(out, name, fieldValue(value, `${what}[${JSON.stringify(name)}]`, bad));
  }
  return out;
}

function sameField(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.value !== b.value) return false;
  const am = a.multiValue ?? [];
  const bm = b.multiValue ?? [];
  return am.length === bm.length && am.every((m, i) => m.value === bm[i]!.value);
}

function headers(v: unknown, original: FieldMap, readOnly: readonly string[], what: string): FieldMap {
  const out = fieldMap(v, `${what}.headers`, TOKEN, BAD_VALUE);
  for (const name of Object.keys(out)) {
    if (isDisallowedHeader(name) && !(name in original)) fail(`${what}.headers: the ${name} header cannot be added by a function`);
  }
  for (const name of readOnly) {
    if (!sameField(out[name], original[name])) fail(`${what}.headers: the ${name} header is read-only`);
  }
  return out;
}

export interface Changed {
  querystring: boolean;
  headers: boolean;
  cookies: boolean;
}

export const ALL_CHANGED: Changed = { querystring: true, headers: true, cookies: true };

/** Validates and normalises a request returned by a viewer-request function. */
export function validateRequest(v: unknown, input: { method: string; uri: string; querystring?: FieldMap; headers?: FieldMap; cookies?: FieldMap }, changed: Changed = ALL_CHANGED): FunctionRequest {
  if (!isPlainObject(v)) fail('the returned request must be an object');
  if (v.method !== input.method) fail('request.method is read-only');
  const uri = checkString(v.uri, 'request.uri', BAD_URI_CHAR);
  if (!uri.startsWith('/')) fail('request.uri must begin with a forward slash (/)');
  if (uri.includes('?')) fail('request.uri must not contain "?" (set request.querystring instead)');
  let querystring: FieldMap | string;
  let qsLength = 0;
  if (!changed.querystring) {
    querystring = input.querystring ?? {};
  } else if (typeof v.querystring === 'string') {
    querystring = checkString(v.querystring, 'request.querystring', BAD_URI_CHAR);
    qsLength = querystring.length;
  } else {
    querystring = fieldMap(v.querystring, 'request.querystring', /^[^\x00-\x20\x7f#&=]*$/, BAD_URI_CHAR);
  }
  if (typeof querystring !== 'string') {
    for (const [k, f] of Object.entries(querystring)) {
      for (const val of f.multiValue ? f.multiValue.map((m) => m.value) : [f.value]) qsLength += k.length + val.length + 2;
    }
  }
  if (uri.length + qsLength >= MAX_URI_LENGTH) fail(`the URI including the query string must be shorter than ${MAX_URI_LENGTH} characters`);
  const hdrs = changed.headers ? headers(v.headers, input.headers ?? {}, READ_ONLY_HEADERS['viewer-request'], 'request') : (input.headers ?? {});
  const cookies = changed.cookies ? fieldMap(v.cookies, 'request.cookies', COOKIE_NAME, /[\x00-\x1f\x7f;]/) : (input.cookies ?? {});
  return { method: input.method, uri, querystring, headers: hdrs, cookies };
}

function responseCookies(v: unknown): ResponseCookieMap {
  if (v === undefined) return {};
  if (!isPlainObject(v)) fail('response.cookies must be an object');
  const out: ResponseCookieMap = {};
  const one = (c: unknown, what: string): ResponseCookieValue => {
    if (!isPlainObject(c)) fail(`${what} must be an object with a "value" string`);
    const r: ResponseCookieValue = { value: checkString(c.value, `${what}.value`, /[\x00-\x1f\x7f;]/) };
    if (c.attributes !== undefined) r.attributes = checkString(c.attributes, `${what}.attributes`);
    return r;
  };
  for (const [name, c] of Object.entries(v)) {
    if (!COOKIE_NAME.test(name)) fail(`response.cookies: invalid name ${JSON.stringify(name)}`);
    const what = `response.cookies[${JSON.stringify(name)}]`;
    const r = one(c, what);
    const mv = (c as Record<string, unknown>).multiValue;
    if (mv !== undefined) {
      if (!Array.isArray(mv)) fail(`${what}.multiValue must be an array`);
      r.multiValue = mv.map((m, i) => one(m, `${what}.multiValue[${i}]`));
    }
    setOwn(out, name, r);
  }
  return out;
}

function body(v: unknown): ResponseBody {
  if (typeof v === 'string') return v;
  if (!isPlainObject(v)) fail('response.body must be a string or an object with "data" and "encoding"');
  if (typeof v.data !== 'string') fail('response.body.data must be a string');
  if (v.encoding !== 'text' && v.encoding !== 'base64') fail('response.body.encoding must be "text" or "base64"');
  if (v.encoding === 'base64' && !BASE64.test(v.data)) fail('response.body.data is not valid base64');
  return { data: v.data, encoding: v.encoding };
}

/**
 * Validates and normalises a response: generated by a viewer-request function (`original`
 * undefined) or returned by a viewer-response function.
 */
export function validateResponse(v: unknown, eventType: EventType, original: { headers?: FieldMap; cookies?: ResponseCookieMap } | undefined, changed: Changed = ALL_CHANGED): FunctionResponse {
  if (!isPlainObject(v)) fail('the returned response must be an object');
  const code = v.statusCode;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 200 || code > 599) {
    fail('response.statusCode must be an integer HTTP status code (200-599)');
  }
  const out: FunctionResponse = { statusCode: code, headers: {}, cookies: {} };
  if (v.statusDescription !== undefined) out.statusDescription = checkString(v.statusDescription, 'response.statusDescription');
  const readOnly = eventType === 'viewer-response' ? READ_ONLY_HEADERS['viewer-response'] : [];
  out.headers = changed.headers || original === undefined ? headers(v.headers, original?.headers ?? {}, readOnly, 'response') : (original.headers ?? {});
  out.cookies = changed.cookies || original === undefined ? responseCookies(v.cookies) : (original.cookies ?? {});
  if (v.body !== undefined) out.body = body(v.body);
  return out;
}

/**
 * The values a field stands for, applying CloudFront's `multiValue` rule: a modified
 * `multiValue` array wins; otherwise `value` replaces the first value and the rest stay.
 */
export function fieldValues(field: FieldValue, original?: FieldValue): string[] {
  const mv = field.multiValue;
  const omv = original?.multiValue;
  if (mv !== undefined) {
    const modified = omv === undefined || mv.length !== omv.length || mv.some((m, i) => m.value !== omv[i]!.value);
    if (modified) return mv.map((m) => m.value);
    return [field.value, ...mv.slice(1).map((m) => m.value)];
  }
  return [field.value];
}
