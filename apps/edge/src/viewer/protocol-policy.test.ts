import { describe, expect, it } from 'vitest';
import { httpsLocation, viewerProtocolDecision } from './protocol-policy.js';

// Rows: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesViewerProtocolPolicy
describe('viewerProtocolDecision', () => {
  it.each([
    [undefined, 'GET', false, 'serve'],
    ['allow-all', 'POST', false, 'serve'],
    ['redirect-to-https', 'GET', false, 'redirect'],
    ['redirect-to-https', 'HEAD', false, 'redirect'],
    ['redirect-to-https', 'POST', false, 'forbidden'],
    ['redirect-to-https', 'OPTIONS', false, 'forbidden'],
    ['redirect-to-https', 'DELETE', false, 'forbidden'],
    ['redirect-to-https', 'GET', true, 'serve'],
    ['https-only', 'GET', false, 'forbidden'],
    ['https-only', 'PUT', false, 'forbidden'],
    ['https-only', 'GET', true, 'serve'],
  ] as const)('%s %s secure=%s → %s', (policy, method, secure, expected) => {
    expect(viewerProtocolDecision(policy, method, secure)).toBe(expected);
  });
});

describe('httpsLocation', () => {
  it('drops the plain port, names the TLS port unless 443, keeps the target as received', () => {
    expect(httpsLocation('www.Example.com:8080', 8443, '/a%20b?x=1&y')).toBe('https://www.example.com:8443/a%20b?x=1&y');
    expect(httpsLocation('www.example.com', 443, '/')).toBe('https://www.example.com/');
    expect(httpsLocation('[::1]:80', undefined, '/x')).toBe('https://[::1]/x');
  });
});
