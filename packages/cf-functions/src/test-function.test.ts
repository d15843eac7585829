/**
 * TestFunction's TestResult, with the event objects of the CloudFront Developer Guide's "Test
 * functions" page and the example function of that page (a 302 redirect with a custom header).
 */
import { describe, expect, it } from 'vitest';
import { CloudFrontApiError, parseEventObject, testFunction } from './test-function.js';
import { compile } from './__tests__/helpers.js';

const REDIRECT = `function handler(event) {
    var response = {
        statusCode: 302,
        statusDescription: 'Found',
        headers: {
            'cloudfront-functions': { value: 'generated-by-CloudFront-Functions' },
            'location': { value: 'https://aws.amazon.com/cloudfront/' }
        }
    };
    return response;
}`;

// the simple test event of https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/test-function.html
const EVENT = {
  version: '1.0',
  context: { eventType: 'viewer-request' },
  viewer: { ip: '198.51.100.11' },
  request: { method: 'GET', uri: '/example.png', headers: { host: { value: 'example.org' } } },
};

describe('testFunction', () => {
  it('returns the documented TestResult fields for the guide’s example', async () => {
    const fn = await compile(REDIRECT, { name: 'ExampleFunction', runtime: 'cloudfront-js-1.0', comment: 'Example function' });
    const r = await testFunction(fn, JSON.stringify(EVENT), { accountId: '111122223333' });
    expect(JSON.parse(r.FunctionOutput)).toEqual(
      JSON.parse(
        '{"response":{"headers":{"cloudfront-functions":{"value":"generated-by-CloudFront-Functions"},"location":{"value":"https://aws.amazon.com/cloudfront/"}},"statusDescription":"Found","cookies":{},"statusCode":302}}',
      ),
    );
    expect(r.FunctionErrorMessage).toBe('');
    expect(r.FunctionExecutionLogs).toEqual([]);
    expect(r.ComputeUtilization).toMatch(/^\d{1,3}$/);
    expect(r.FunctionSummary).toEqual({
      Name: 'ExampleFunction',
      Status: 'UNPUBLISHED',
      FunctionConfig: { Comment: 'Example function', Runtime: 'cloudfront-js-1.0' },
      FunctionMetadata: {
        FunctionARN: 'arn:aws:cloudfront::111122223333:function/ExampleFunction',
        Stage: 'DEVELOPMENT',
        CreatedTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/),
        LastModifiedTime: expect.stringMatching(/\+00:00$/),
      },
    });
  });

  it('puts failures in FunctionErrorMessage with an empty FunctionOutput, and keeps the logs', async () => {
    const fn = await compile(`function handler(event) { console.log('looking at ' + event.request.uri); throw new Error('boom'); }`);
    const r = await testFunction(fn, new TextEncoder().encode(JSON.stringify(EVENT)));
    expect(r.FunctionOutput).toBe('');
    expect(r.FunctionErrorMessage).toMatch(/^Error: boom/);
    expect(r.FunctionExecutionLogs).toEqual(['looking at /example.png']);
    const spin = await compile('function handler(event) { for (;;) {} }');
    const t = await testFunction(spin, EVENT, { budgetMs: 5 });
    expect(t.ComputeUtilization).toBe('100');
    expect(t.FunctionErrorMessage).toMatch(/compute budget/);
  });

  it('rejects malformed event objects with InvalidArgument (the API call fails)', async () => {
    const fn = await compile(REDIRECT);
    for (const bad of [
      'not json',
      '[]',
      '{"version":"2.0","context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/"}}',
      '{"context":{"eventType":"origin-request"},"request":{"method":"GET","uri":"/"}}',
      '{"context":{"eventType":"viewer-request"}}',
      '{"context":{"eventType":"viewer-response"},"request":{"method":"GET","uri":"/"}}',
      '{"context":{"eventType":"viewer-request"},"request":{"method":"GET","uri":"/","headers":{"a":{"value":1}}}}',
    ]) {
      await expect(testFunction(fn, bad)).rejects.toBeInstanceOf(CloudFrontApiError);
    }
  });

  it('canonicalises the event: omitted parts become {}, unknown fields are dropped', () => {
    const ev = parseEventObject({
      context: { eventType: 'viewer-response', distributionId: 'E1', extra: 1 },
      viewer: { ip: '1.2.3.4' },
      request: { method: 'GET', uri: '/', headers: { accept: { value: 'a', multivalue: [{ value: 'a' }] } } },
      response: { statusCode: 200, cookies: { c: { value: 'v', attributes: 'Path=/', other: 1 } } },
    });
    expect(ev).toEqual({
      version: '1.0',
      context: { eventType: 'viewer-response', distributionId: 'E1' },
      viewer: { ip: '1.2.3.4' },
      request: { method: 'GET', uri: '/', querystring: {}, headers: { accept: { value: 'a' } }, cookies: {} },
      response: { statusCode: 200, headers: {}, cookies: { c: { value: 'v', attributes: 'Path=/' } } },
    });
  });
});
