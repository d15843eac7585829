/**
 * TestFunction: runs a function on an event object given as JSON and reports CloudFront's
 * `TestResult` (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestFunction.html).
 */
import type { CloudFrontFunction } from './function.js';
import type { CloudFrontFunctionEvent, EventType, FieldMap, ResponseCookieMap, RunOptions, TestResult } from './types.js';

/** An API-level failure (the TestFunction call itself is rejected), with CloudFront's error code. */
export class CloudFrontApiError extends Error {
  constructor(
    readonly code: 'InvalidArgument',
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

function bad(message: string): never {
  throw new CloudFrontApiError('InvalidArgument', `The event object is not valid: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Keeps the documented fields only (as CloudFront does: e.g. a misspelt "multivalue" is dropped). */
function fields(v: unknown, what: string, attributes: boolean): FieldMap & ResponseCookieMap {
  if (v === undefined) return {};
  if (!isObject(v)) bad(`${what} must be an object`);
  const out: FieldMap & ResponseCookieMap = {};
  const one = (f: unknown, w: string): { value: string; attributes?: string } => {
    if (!isObject(f) || typeof f.value !== 'string') bad(`${w} must have a string "value"`);
    const r: { value: string; attributes?: string } = { value: f.value };
    if (attributes && typeof f.attributes === 'string') r.attributes = f.attributes;
    return r;
  };
  for (const [name, f] of Object.entries(v)) {
    const w = `${what}.${name}`;
    const r: { value: string; attributes?: string; multiValue?: { value: string; attributes?: string }[] } = one(f, w);
    const mv = (f as Record<string, unknown>).multiValue;
    if (mv !== undefined) {
      if (!Array.isArray(mv)) bad(`${w}.multiValue must be an array`);
      r.multiValue = mv.map((m, i) => one(m, `${w}.multiValue[${i}]`));
    }
    out[name] = r;
  }
  return out;
}

/** Parses and canonicalises a TestFunction event object. Throws CloudFrontApiError. */
export function parseEventObject(input: string | Uint8Array | object): CloudFrontFunctionEvent {
  let v: unknown = input;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
    try {
      v = JSON.parse(text);
    } catch (e) {
      bad(`not JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(v)) bad('it must be a JSON object');
  if (v.version !== undefined && v.version !== '1.0') bad('version must be "1.0"');
  const context = v.context;
  if (!isObject(context)) bad('context is required');
  const eventType = context.eventType;
  if (eventType !== 'viewer-request' && eventType !== 'viewer-response') bad('context.eventType must be viewer-request or viewer-response');
  const ctx: CloudFrontFunctionEvent['context'] = { eventType: eventType as EventType };
  for (const k of ['distributionDomainName', 'distributionId', 'requestId'] as const) {
    if (typeof context[k] === 'string') ctx[k] = context[k] as string;
  }
  const viewer = isObject(v.viewer) && typeof v.viewer.ip === 'string' ? { ip: v.viewer.ip } : { ip: '' };
  const request = v.request;
  if (!isObject(request)) bad('request is required');
  if (typeof request.method !== 'string') bad('request.method must be a string');
  if (typeof request.uri !== 'string') bad('request.uri must be a string');
  const event: CloudFrontFunctionEvent = {
    version: '1.0',
    context: ctx,
    viewer,
    request: {
      method: request.method,
      uri: request.uri,
      querystring: fields(request.querystring, 'request.querystring', false),
      headers: fields(request.headers, 'request.headers', false),
      cookies: fields(request.cookies, 'request.cookies', false),
    },
  };
  if (eventType === 'viewer-response') {
    const response = v.response;
    if (!isObject(response)) bad('response is required for viewer-response events');
    if (typeof response.statusCode !== 'number') bad('response.statusCode must be a number');
    event.response = {
      statusCode: response.statusCode,
      headers: fields(response.headers, 'response.headers', false),
      cookies: fields(response.cookies, 'response.cookies', true),
    };
    if (typeof response.statusDescription === 'string') event.response.statusDescription = response.statusDescription;
  }
  return event;
}

export interface TestFunctionOptions extends RunOptions {
  stage?: 'DEVELOPMENT' | 'LIVE';
  accountId?: string;
}

/** TestFunction: never throws for function failures (they are in FunctionErrorMessage). */
export async function testFunction(fn: CloudFrontFunction, eventObject: string | Uint8Array | object, opts: TestFunctionOptions = {}): Promise<TestResult> {
  const event = parseEventObject(eventObject);
  const result = await fn.run(event, { ignoreThrottle: true, ...opts });
  const account = opts.accountId ?? '000000000000';
  const created = fn.createdTime.toISOString().replace('Z', '+00:00');
  const config: TestResult['FunctionSummary']['FunctionConfig'] = { Comment: fn.comment, Runtime: fn.runtime };
  if (fn.kvsAssociations.length > 0) {
    config.KeyValueStoreAssociations = {
      Quantity: fn.kvsAssociations.length,
      Items: fn.kvsAssociations.map((a) => ({
        KeyValueStoreARN: a.startsWith('arn:') ? a : `arn:aws:cloudfront::${account}:key-value-store/${a}`,
      })),
    };
  }
  return {
    FunctionSummary: {
      Name: fn.name,
      Status: 'UNPUBLISHED',
      FunctionConfig: config,
      FunctionMetadata: {
        FunctionARN: `arn:aws:cloudfront::${account}:function/${fn.name}`,
        Stage: opts.stage ?? 'DEVELOPMENT',
        CreatedTime: created,
        LastModifiedTime: created,
      },
    },
    ComputeUtilization: String(result.computeUtilization),
    FunctionExecutionLogs: result.logs,
    FunctionErrorMessage: result.ok ? '' : result.error.message,
    FunctionOutput: result.ok ? JSON.stringify(result.output) : '',
  };
}
