import { afterAll, expect } from 'vitest';
import { compileFunction, type CloudFrontFunction } from '../function.js';
import type { CloudFrontFunctionEvent, CompileOptions, FieldMap, RunResult, RunSuccess } from '../types.js';

const compiled: CloudFrontFunction[] = [];
afterAll(() => {
  for (const f of compiled.splice(0)) f.dispose();
});

/** Compiles (runtime 2.0 unless given) and fails the test on a compile error. */
export async function compile(code: string, opts: Partial<CompileOptions> = {}): Promise<CloudFrontFunction> {
  const r = await compileFunction({ name: 'test_fn', runtime: 'cloudfront-js-2.0', ...opts, code });
  if (!r.ok) throw new Error(`compile failed: ${r.error.code}: ${r.error.message}`);
  compiled.push(r.fn);
  return r.fn;
}

export function viewerRequest(request: Partial<CloudFrontFunctionEvent['request']> = {}, viewerIp = '198.51.100.11'): CloudFrontFunctionEvent {
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'req-1' },
    viewer: { ip: viewerIp },
    request: {
      method: 'GET',
      uri: '/index.html',
      querystring: {},
      headers: { host: { value: 'www.example.com' } },
      cookies: {},
      ...request,
    },
  };
}

export function viewerResponse(response: Partial<NonNullable<CloudFrontFunctionEvent['response']>> = {}, request: Partial<CloudFrontFunctionEvent['request']> = {}): CloudFrontFunctionEvent {
  const ev = viewerRequest(request);
  ev.context.eventType = 'viewer-response';
  ev.response = {
    statusCode: 200,
    statusDescription: 'OK',
    headers: { 'content-type': { value: 'text/html' } },
    cookies: {},
    ...response,
  };
  return ev;
}

export function expectOk(r: RunResult): RunSuccess {
  if (!r.ok) throw new Error(`expected success, got ${r.error.kind}: ${r.error.message}`);
  return r;
}

export function requestOf(r: RunResult): { method: string; uri: string; querystring: FieldMap | string; headers: FieldMap; cookies: FieldMap } {
  const ok = expectOk(r);
  if (!('request' in ok.output)) throw new Error(`expected a request, got ${JSON.stringify(ok.output)}`);
  return ok.output.request;
}

export function responseOf(r: RunResult) {
  const ok = expectOk(r);
  if (!('response' in ok.output)) throw new Error(`expected a response, got ${JSON.stringify(ok.output)}`);
  return ok.output.response;
}

export function expectFailure(r: RunResult, kind: string, message?: RegExp): void {
  if (r.ok) throw new Error(`expected ${kind}, got success: ${JSON.stringify(r.output)}`);
  expect(r.error.kind, r.error.message).toBe(kind);
  expect(r.error.statusCode).toBe(kind === 'FunctionValidationError' ? 502 : 503);
  if (message) expect(r.error.message).toMatch(message);
}
